"""Import the class lists: one row per student, keyed by class and roll number (STT).

Classes are created on the fly (the grade comes from the class name). Re-importing updates
changed names, birth dates and genders; students missing from the file are reported, never
deleted. A changed name on a student who already has linked accounts or codes is warned
about, because it usually means the roll numbers shifted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from chatbot.db.models import AccountLink, InviteCode, School, SchoolClass, Student
from chatbot.school.importing.errors import ImportFailed, Problem
from chatbot.school.importing.headers import Field, Row, Table
from chatbot.school.importing.lookups import classes_by_name
from chatbot.school.importing.results import ImportSummary
from chatbot.school.importing.values import (
    class_sort_key,
    grade_of,
    normalize_class_name,
    parse_date,
    parse_gender,
    parse_positive_int,
    text_up_to,
)
from chatbot.school.invite_batches import usable_code

KIND = "Danh sách học sinh"
FIELDS = (
    Field("class", "Lớp", ("Tên lớp", "Lớp học", "Class")),
    Field("roll", "STT", ("Số TT", "Số thứ tự", "TT", "No")),
    Field(
        "name",
        "Họ và tên",
        ("Họ tên", "Họ và tên học sinh", "Họ tên học sinh", "Tên học sinh", "Học sinh", "Full name"),
    ),
    Field("birth", "Ngày sinh", ("Ngày tháng năm sinh", "Sinh ngày", "NS", "Date of birth"), False),
    Field("gender", "Giới tính", ("GT", "Nam/Nữ", "Phái", "Gender"), False),
)


@dataclass(frozen=True)
class _Record:
    row: Row
    class_name: str
    roll: int
    full_name: str
    birth: date | None
    gender: str | None


def _parse(table: Table) -> list[_Record]:
    problems: list[Problem] = []
    records: list[_Record] = []
    seen: dict[tuple[str, int], int] = {}
    today = date.today()
    for row in table.rows:
        class_name = table.value(row, "class", normalize_class_name, problems, required=True)
        roll = table.value(row, "roll", parse_positive_int, problems, required=True)
        full_name = table.value(row, "name", text_up_to(120), problems, required=True)
        birth = table.value(row, "birth", parse_date, problems)
        gender = table.value(row, "gender", parse_gender, problems)
        if birth and not date(1950, 1, 1) <= birth <= today:
            problems.append(table.problem(row, "birth", f"ngày sinh {birth:%d/%m/%Y} không hợp lý"))
        if class_name is None or roll is None:
            continue
        if (class_name, roll) in seen:
            first = seen[class_name, roll]
            problems.append(
                table.problem(row, "roll", f"STT {roll} của lớp {class_name} trùng với dòng {first}")
            )
            continue
        seen[class_name, roll] = row.number
        if full_name:
            records.append(_Record(row, class_name, roll, full_name, birth, gender))
    if problems:
        raise ImportFailed(table.source, problems)
    return records


def _changes(student: Student, record: _Record, table: Table) -> dict[str, object]:
    wanted = {"full_name": record.full_name, "date_of_birth": record.birth, "gender": record.gender}
    return table.changes(student, wanted, {"date_of_birth": "birth", "gender": "gender"})


def _with_accounts(session: Session, student_ids: list[int]) -> set[int]:
    """The students among ``student_ids`` that have a linked account or a usable code."""
    if not student_ids:
        return set()
    linked = select(AccountLink.student_id).where(AccountLink.student_id.in_(student_ids))
    coded = select(InviteCode.student_id).where(
        InviteCode.student_id.in_(student_ids), usable_code(datetime.now(timezone.utc))
    )
    return set(session.scalars(linked)) | set(session.scalars(coded))


def import_table(session: Session, school: School, table: Table, *, dry_run: bool) -> ImportSummary:
    records = _parse(table)
    summary = ImportSummary(KIND, table.source, len(table.rows), dry_run)
    classes = classes_by_name(session, school)
    file_classes = sorted({r.class_name for r in records}, key=class_sort_key)
    summary.new_classes = [name for name in file_classes if name not in classes]
    if not dry_run:
        for name in summary.new_classes:
            classes[name] = SchoolClass(school_id=school.id, grade=grade_of(name), name=name)
            session.add(classes[name])
        session.flush()
    known = {
        (s.school_class.name, s.roll_number): s
        for s in session.scalars(
            select(Student)
            .join(SchoolClass)
            .where(SchoolClass.school_id == school.id, SchoolClass.name.in_(file_classes))
        )
    }
    renamed: list[tuple[Student, str, str]] = []
    for record in records:
        student = known.pop((record.class_name, record.roll), None)
        if student is None:
            summary.added += 1
            if not dry_run:
                session.add(
                    Student(
                        class_id=classes[record.class_name].id,
                        roll_number=record.roll,
                        full_name=record.full_name,
                        date_of_birth=record.birth,
                        gender=record.gender,
                    )
                )
            continue
        changes = _changes(student, record, table)
        if not changes:
            summary.unchanged += 1
            continue
        summary.updated += 1
        if "full_name" in changes:
            renamed.append((student, student.full_name, record.full_name))
        if not dry_run:
            for attribute, value in changes.items():
                setattr(student, attribute, value)
    flagged = _with_accounts(session, [s.id for s, _, _ in renamed])
    for student, old_name, new_name in renamed:
        if student.id in flagged:
            summary.warnings.append(
                f"Lớp {student.school_class.name}, STT {student.roll_number}: tên đổi từ “{old_name}” "
                f"thành “{new_name}” nhưng học sinh này đã có tài khoản kết nối hoặc mã mời — "
                "hãy kiểm tra STT có bị xô lệch không"
            )
    summary.missing = [
        f"Lớp {class_name}, STT {roll}: {s.full_name}"
        for (class_name, roll), s in sorted(known.items(), key=lambda i: (class_sort_key(i[0][0]), i[0][1]))
    ]
    session.flush()
    return summary
