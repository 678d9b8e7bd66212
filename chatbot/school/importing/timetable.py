"""Import the weekly timetable, keyed by class, weekday and start time.

The file holds the whole timetable of each class it names: sessions of those classes that are
not in the file are removed (stale sessions would send reminders with old meeting links).
Classes and teachers must already exist. Meeting id, link and password are secrets: no
message or summary shows them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from sqlalchemy import select
from sqlalchemy.orm import Session

from chatbot.db.models import School, SchoolClass, StaffMember, TimetableEntry
from chatbot.school.importing.errors import ImportFailed, Problem
from chatbot.school.importing.headers import Field, Row, Table
from chatbot.school.importing.lookups import (
    ROSTER_FIRST,
    UNKNOWN_CLASS_HINT,
    classes_by_name,
    name_key,
    staff_by_name,
    suggestion,
)
from chatbot.school.importing.results import ImportSummary
from chatbot.school.importing.values import (
    WEEKDAY_NAMES,
    class_sort_key,
    normalize_class_name,
    parse_link,
    parse_positive_int,
    parse_time,
    parse_weekday,
    text_up_to,
)

KIND = "Thời khoá biểu"
FIELDS = (
    Field("class", "Lớp", ("Tên lớp", "Lớp học", "Class")),
    Field("weekday", "Thứ", ("Ngày trong tuần", "Thứ trong tuần", "Weekday", "Day")),
    Field("period", "Tiết", ("Tiết học", "Tiết thứ", "Tiết số", "Period"), False),
    Field("start", "Giờ bắt đầu", ("Bắt đầu", "Từ", "Từ giờ", "Giờ vào học", "Thời gian bắt đầu", "Start")),
    Field("end", "Giờ kết thúc", ("Kết thúc", "Đến", "Đến giờ", "Giờ tan", "Thời gian kết thúc", "End")),
    Field("subject", "Môn", ("Môn học", "Subject")),
    Field("teacher", "Giáo viên", ("GV", "Giáo viên dạy", "Giáo viên bộ môn", "GVBM", "Teacher"), False),
    Field("platform", "Nền tảng", ("Phần mềm", "Ứng dụng", "Platform"), False),
    Field("meeting_id", "Mã phòng", ("ID phòng", "ID", "Meeting ID", "Mã cuộc họp", "ID phòng học"), False),
    Field("link", "Link", ("Đường dẫn", "Đường link", "Liên kết", "Link phòng học", "URL"), False),
    Field("password", "Mật khẩu", ("Pass", "Password", "Passcode", "MK", "Mật mã"), False),
)
_OPTIONAL_TEXT = {"platform": 40, "meeting_id": 120, "password": 120}
_OPTIONAL_COLUMNS = {  # optional field → TimetableEntry attribute, updated only when in the file
    "period": "period",
    "teacher": "teacher_id",
    "link": "meeting_link",
    "platform": "platform",
    "meeting_id": "meeting_id",
    "password": "meeting_password",
}


@dataclass(frozen=True)
class _Record:
    row: Row
    school_class: SchoolClass
    weekday: int
    starts_at: time
    values: dict[str, object]  # the other columns, by TimetableEntry attribute


def _describe(class_name: str, weekday: int, starts_at: time, subject: str) -> str:
    return f"Lớp {class_name}, {WEEKDAY_NAMES[weekday]} {starts_at:%H:%M}: {subject}"


def _parse_row(
    table: Table,
    row: Row,
    classes: dict[str, SchoolClass],
    staff: dict[str, StaffMember],
    problems: list[Problem],
) -> _Record | None:
    before = len(problems)
    class_name = table.value(row, "class", normalize_class_name, problems, required=True)
    weekday = table.value(row, "weekday", parse_weekday, problems, required=True)
    period = table.value(row, "period", parse_positive_int, problems)
    starts_at = table.value(row, "start", parse_time, problems, required=True)
    ends_at = table.value(row, "end", parse_time, problems, required=True)
    subject = table.value(row, "subject", text_up_to(80), problems, required=True)
    teacher_name = table.value(row, "teacher", text_up_to(120), problems)
    link = table.value(row, "link", parse_link, problems)
    extra = {key: table.value(row, key, text_up_to(limit), problems) for key, limit in _OPTIONAL_TEXT.items()}
    school_class = classes.get(class_name) if class_name else None
    if class_name and school_class is None:
        problems.append(table.problem(row, "class", f"lớp {class_name} {UNKNOWN_CLASS_HINT}"))
    teacher = staff.get(name_key(teacher_name)) if teacher_name else None
    if teacher_name and teacher is None:
        hint = suggestion(teacher_name, staff)
        message = f"không có giáo viên “{teacher_name}” trong danh sách giáo viên{hint}"
        problems.append(table.problem(row, "teacher", message))
    if starts_at and ends_at and ends_at <= starts_at:
        problems.append(table.problem(row, "end", f"giờ kết thúc {ends_at:%H:%M} không sau giờ bắt đầu"))
    if len(problems) > before or school_class is None or weekday is None or starts_at is None:
        return None
    values: dict[str, object] = {
        "period": period,
        "ends_at": ends_at,
        "subject": subject,
        "teacher_id": teacher.id if teacher else None,
        "meeting_link": link,
        "platform": extra["platform"],
        "meeting_id": extra["meeting_id"],
        "meeting_password": extra["password"],
    }
    return _Record(row, school_class, weekday, starts_at, values)


def _check_clashes(table: Table, records: list[_Record], problems: list[Problem]) -> None:
    """Two sessions of one class on one day must not start together or overlap."""
    by_day: dict[tuple[str, int], list[_Record]] = {}
    for record in records:
        by_day.setdefault((record.school_class.name, record.weekday), []).append(record)
    for (class_name, weekday), day in by_day.items():
        day.sort(key=lambda r: (r.starts_at, r.row.number))
        for earlier, later in zip(day, day[1:], strict=False):
            if later.starts_at == earlier.starts_at:
                message = (f"lớp {class_name} đã có tiết lúc {later.starts_at:%H:%M} "
                           f"{WEEKDAY_NAMES[weekday]} ở dòng {earlier.row.number}")
            elif later.starts_at < earlier.values["ends_at"]:
                message = (f"trùng giờ với tiết {earlier.values['subject']} ở dòng {earlier.row.number} "
                           f"(lớp {class_name}, {WEEKDAY_NAMES[weekday]})")
            else:
                continue
            problems.append(table.problem(later.row, "start", message))


def _parse(session: Session, school: School, table: Table) -> list[_Record]:
    classes = classes_by_name(session, school)
    staff = staff_by_name(session, school)
    if not classes:
        raise ImportFailed(table.source, [Problem(0, "", f"chưa có lớp nào trong hệ thống — {ROSTER_FIRST}")])
    if not staff and table.has("teacher") and any(row.get("teacher") for row in table.rows):
        message = ("chưa có giáo viên nào trong hệ thống — hãy nhập danh sách giáo viên "
                   "(chatbot import teachers) trước, hoặc để trống cột “Giáo viên”")
        raise ImportFailed(table.source, [Problem(0, table.where("teacher"), message)])
    problems: list[Problem] = []
    records = [r for row in table.rows if (r := _parse_row(table, row, classes, staff, problems))]
    _check_clashes(table, records, problems)
    if problems:
        raise ImportFailed(table.source, problems)
    return records


def import_table(session: Session, school: School, table: Table, *, dry_run: bool) -> ImportSummary:
    records = _parse(session, school, table)
    summary = ImportSummary(KIND, table.source, len(table.rows), dry_run)
    columns = {"ends_at", "subject"} | {a for key, a in _OPTIONAL_COLUMNS.items() if table.has(key)}
    class_ids = {r.school_class.id for r in records}
    known = {
        (e.class_id, e.weekday, e.starts_at): e
        for e in session.scalars(select(TimetableEntry).where(TimetableEntry.class_id.in_(class_ids)))
    }
    for record in records:
        values = {k: v for k, v in record.values.items() if k in columns}
        entry = known.pop((record.school_class.id, record.weekday, record.starts_at), None)
        if entry is None:
            summary.added += 1
            if not dry_run:
                session.add(TimetableEntry(class_id=record.school_class.id, weekday=record.weekday,
                                           starts_at=record.starts_at, **values))
        elif all(getattr(entry, k) == v for k, v in values.items()):
            summary.unchanged += 1
        else:
            summary.updated += 1
            if not dry_run:
                for attribute, value in values.items():
                    setattr(entry, attribute, value)
    names = {r.school_class.id: r.school_class.name for r in records}
    stale = sorted(known.values(), key=lambda e: (class_sort_key(names[e.class_id]), e.weekday, e.starts_at))
    summary.removed = len(stale)
    summary.removed_items = [_describe(names[e.class_id], e.weekday, e.starts_at, e.subject) for e in stale]
    if not dry_run:
        for entry in stale:
            session.delete(entry)
    session.flush()
    return summary
