"""Import teachers and other staff, keyed by full name, with the class each is homeroom of.

The homeroom column is the truth for the teachers in the file: a teacher whose cell is empty
is no longer homeroom teacher of any class. Staff missing from the file are reported, not
deleted. Homeroom classes must already exist (import the roster first). Every staff member
without a web app account gets one, without a password (see ``chatbot.school.staff_accounts``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from chatbot.db.models import School, SchoolClass, StaffMember, StaffRole
from chatbot.school.importing.errors import ImportFailed, Problem
from chatbot.school.importing.headers import Field, Row, Table
from chatbot.school.importing.lookups import (
    UNKNOWN_CLASS_HINT,
    classes_by_name,
    name_key,
    staff_by_name,
)
from chatbot.school.importing.results import ImportSummary
from chatbot.school.importing.values import (
    fold,
    normalize_class_name,
    parse_email,
    parse_phone,
    text_up_to,
)
from chatbot.school.staff_accounts import accounts_for_staff

KIND = "Danh sách giáo viên, cán bộ"
FIELDS = (
    Field(
        "name",
        "Họ và tên",
        ("Họ tên", "Họ và tên giáo viên", "Họ tên giáo viên", "Tên giáo viên", "Giáo viên", "Full name"),
    ),
    Field("role", "Vai trò", ("Chức vụ", "Đối tượng", "Role"), False),
    Field("homeroom", "Chủ nhiệm lớp", ("Chủ nhiệm", "Lớp chủ nhiệm", "GVCN lớp", "Homeroom"), False),
    Field("email", "Email", ("E-mail", "Thư điện tử", "Địa chỉ email"), False),
    Field("phone", "Số điện thoại", ("SĐT", "Điện thoại", "ĐT", "Di động", "Phone"), False),
)
_TEACHER_WORDS = {"gv", "gvcn", "gvbm", "teacher"}
_STAFF_WORDS = {"staff", "bgh", "bangiamhieu", "hieutruong", "phohieutruong", "cbql", "quanly",
                "tongphutrach"}


def parse_role(raw: str) -> StaffRole:
    key = fold(raw)
    if key.startswith(("giaovien", "totruong", "topho")) or key in _TEACHER_WORDS:
        return StaffRole.TEACHER
    if key.startswith(("canbo", "nhanvien")) or key in _STAFF_WORDS:
        return StaffRole.STAFF
    raise ValueError(f"“{raw}” không phải vai trò (Giáo viên, Cán bộ hoặc Nhân viên)")


@dataclass(frozen=True)
class _Record:
    row: Row
    full_name: str
    role: StaffRole
    homeroom: SchoolClass | None
    email: str | None
    phone: str | None


def _parse(table: Table, classes: dict[str, SchoolClass]) -> list[_Record]:
    problems: list[Problem] = []
    records: list[_Record] = []
    names: dict[str, int] = {}
    homerooms: dict[str, int] = {}
    for row in table.rows:
        full_name = table.value(row, "name", text_up_to(120), problems, required=True)
        role = table.value(row, "role", parse_role, problems) or StaffRole.TEACHER
        class_name = table.value(row, "homeroom", normalize_class_name, problems)
        email = table.value(row, "email", parse_email, problems)
        phone = table.value(row, "phone", parse_phone, problems)
        homeroom = None
        if class_name is not None:
            homeroom = classes.get(class_name)
            if homeroom is None:
                problems.append(table.problem(row, "homeroom", f"lớp {class_name} {UNKNOWN_CLASS_HINT}"))
            elif class_name in homerooms:
                message = f"lớp {class_name} đã có chủ nhiệm ở dòng {homerooms[class_name]}"
                problems.append(table.problem(row, "homeroom", message))
            else:
                homerooms[class_name] = row.number
        if full_name is None:
            continue
        key = name_key(full_name)
        if key in names:
            problems.append(table.problem(row, "name", f"“{full_name}” trùng với dòng {names[key]}"))
            continue
        names[key] = row.number
        records.append(_Record(row, full_name, role, homeroom, email, phone))
    if problems:
        raise ImportFailed(table.source, problems)
    return records


def _changes(member: StaffMember, record: _Record, table: Table) -> dict[str, object]:
    wanted = {
        "full_name": record.full_name,
        "role": record.role,
        "email": record.email,
        "phone": record.phone,
    }
    return table.changes(member, wanted, {"role": "role", "email": "email", "phone": "phone"})


def import_table(session: Session, school: School, table: Table, *, dry_run: bool) -> ImportSummary:
    classes = classes_by_name(session, school)
    records = _parse(table, classes)
    summary = ImportSummary(KIND, table.source, len(table.rows), dry_run)
    known = staff_by_name(session, school)
    homeroom_of: dict[int, set[str]] = {}
    for school_class in classes.values():
        if school_class.homeroom_teacher_id is not None:
            homeroom_of.setdefault(school_class.homeroom_teacher_id, set()).add(school_class.name)
    new_names = {name_key(r.full_name) for r in records} - set(known)
    for record in records:
        member = known.pop(name_key(record.full_name), None)
        wanted = {record.homeroom.name} if record.homeroom else set()
        if member is None:
            summary.added += 1
            homeroom_changed = bool(wanted)
            if not dry_run:
                member = StaffMember(school_id=school.id, full_name=record.full_name,
                                     role=record.role, email=record.email, phone=record.phone)
                session.add(member)
        else:
            changes = _changes(member, record, table)
            homeroom_changed = table.has("homeroom") and homeroom_of.get(member.id, set()) != wanted
            if not changes and not homeroom_changed:
                summary.unchanged += 1
                continue
            summary.updated += 1
            if not dry_run:
                for attribute, value in changes.items():
                    setattr(member, attribute, value)
        if homeroom_changed:
            _move_homeroom(record, member, classes, summary, dry_run)
    summary.missing = [m.full_name for m in sorted(known.values(), key=lambda m: m.full_name)]
    session.flush()
    summary.accounts = accounts_for_staff(session, school, dry_run=dry_run)
    if dry_run:
        summary.accounts = sorted({*summary.accounts, *(r.full_name for r in records
                                                        if name_key(r.full_name) in new_names)})
    return summary


def _move_homeroom(
    record: _Record,
    member: StaffMember | None,
    classes: dict[str, SchoolClass],
    summary: ImportSummary,
    dry_run: bool,
) -> None:
    """Make ``member`` homeroom teacher of exactly the class in ``record`` (or of none)."""
    target = record.homeroom
    previous = target.homeroom_teacher if target is not None else None
    if previous is not None and name_key(previous.full_name) != name_key(record.full_name):
        summary.warnings.append(
            f"Lớp {target.name}: giáo viên chủ nhiệm đổi từ {previous.full_name} sang {record.full_name}"
        )
    if dry_run or member is None:
        return
    for school_class in classes.values():
        if school_class.homeroom_teacher is member:
            school_class.homeroom_teacher = None
    if target is not None:
        target.homeroom_teacher = member
