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

from chatbot.db.models import AccountLink, InviteCode, ParentPhone, School, SchoolClass, Student
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
from chatbot.school.phones import split_phones

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
    Field(
        "phone",
        "SĐT phụ huynh",
        ("Số điện thoại phụ huynh", "SĐT PH", "Điện thoại phụ huynh", "SĐT phụ huynh 1", "SĐT bố",
         "SĐT cha", "Số điện thoại", "SĐT", "Điện thoại", "Phone"),
        False,
    ),
    Field(
        "phone2",
        "SĐT phụ huynh 2",
        ("Số điện thoại phụ huynh 2", "SĐT PH 2", "SĐT mẹ", "SĐT khác", "Phone 2"),
        False,
    ),
)
PHONE_FIELDS = ("phone", "phone2")


@dataclass(frozen=True)
class _Record:
    row: Row
    class_name: str
    roll: int
    full_name: str
    birth: date | None
    gender: str | None
    phones: tuple[str, ...] = ()


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
        phones: list[str] = []
        for key in PHONE_FIELDS:
            for number in table.value(row, key, split_phones, problems) or []:
                if number not in phones:
                    phones.append(number)
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
            records.append(_Record(row, class_name, roll, full_name, birth, gender, tuple(phones)))
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
    with_phones: list[tuple[Student, _Record]] = []
    for record in records:
        student = known.pop((record.class_name, record.roll), None)
        if student is None:
            summary.added += 1
            if not dry_run:
                student = Student(
                    class_id=classes[record.class_name].id,
                    roll_number=record.roll,
                    full_name=record.full_name,
                    date_of_birth=record.birth,
                    gender=record.gender,
                )
                session.add(student)
                with_phones.append((student, record))
            else:
                summary.phones_added += len(record.phones)
            continue
        with_phones.append((student, record))
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
    if any(table.has(key) for key in PHONE_FIELDS):
        session.flush()
        _sync_phones(session, with_phones, summary, dry_run=dry_run)
    summary.missing = [
        f"Lớp {class_name}, STT {roll}: {s.full_name}"
        for (class_name, roll), s in sorted(known.items(), key=lambda i: (class_sort_key(i[0][0]), i[0][1]))
    ]
    session.flush()
    return summary


def _sync_phones(
    session: Session, pairs: list[tuple[Student, _Record]], summary: ImportSummary, *, dry_run: bool
) -> None:
    """Make each student's phones those of the file (a number kept keeps its confirmation and
    its "no ZNS" choice); counted in ``summary.phones_added`` / ``phones_removed``."""
    ids = [student.id for student, _ in pairs if student.id is not None]
    existing: dict[int, dict[str, ParentPhone]] = {}
    for start in range(0, len(ids), 500):
        for phone in session.scalars(
            select(ParentPhone).where(ParentPhone.student_id.in_(ids[start : start + 500]))
        ):
            existing.setdefault(phone.student_id, {})[phone.phone] = phone
    for student, record in pairs:
        have = existing.get(student.id, {}) if student.id is not None else {}
        for position, number in enumerate(record.phones):
            if number in have:
                if not dry_run:
                    have[number].position = position
                continue
            summary.phones_added += 1
            if not dry_run:
                session.add(ParentPhone(student_id=student.id, phone=number, position=position))
        for number, phone in have.items():
            if number not in record.phones:
                summary.phones_removed += 1
                if not dry_run:
                    session.delete(phone)
