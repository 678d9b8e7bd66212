"""Import the school's days off, keyed by date; a row may cover a range with "Đến ngày".

Days missing from the file are reported, not deleted (a file for one term does not erase
another term's holidays).
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from chatbot.db.models import Holiday, School
from chatbot.school.importing.errors import ImportFailed, Problem
from chatbot.school.importing.headers import Field, Table
from chatbot.school.importing.results import ImportSummary
from chatbot.school.importing.values import parse_date, text_up_to

KIND = "Ngày nghỉ"
FIELDS = (
    Field("day", "Ngày", ("Ngày nghỉ", "Từ ngày", "Ngày bắt đầu", "Date")),
    Field("until", "Đến ngày", ("Tới ngày", "Ngày kết thúc", "Until"), False),
    Field("name", "Tên", ("Tên ngày nghỉ", "Lý do", "Nội dung", "Dịp", "Name")),
)
MAX_RANGE_DAYS = 62


def _parse(table: Table) -> dict[date, str]:
    problems: list[Problem] = []
    days: dict[date, str] = {}
    seen: dict[date, int] = {}
    for row in table.rows:
        first = table.value(row, "day", parse_date, problems, required=True)
        last = table.value(row, "until", parse_date, problems) or first
        name = table.value(row, "name", text_up_to(120), problems, required=True)
        if first is None or last is None:
            continue
        if last < first:
            problems.append(table.problem(row, "until", f"ngày {last:%d/%m/%Y} trước ngày bắt đầu"))
            continue
        if (last - first).days >= MAX_RANGE_DAYS:
            problems.append(table.problem(row, "until", f"khoảng nghỉ dài quá {MAX_RANGE_DAYS} ngày"))
            continue
        for offset in range((last - first).days + 1):
            day = first + timedelta(days=offset)
            if day in seen:
                message = f"ngày {day:%d/%m/%Y} đã có ở dòng {seen[day]}"
                problems.append(table.problem(row, "day", message))
                break
            seen[day] = row.number
            if name:
                days[day] = name
    if problems:
        raise ImportFailed(table.source, problems)
    return days


def import_table(session: Session, school: School, table: Table, *, dry_run: bool) -> ImportSummary:
    days = _parse(table)
    summary = ImportSummary(KIND, table.source, len(table.rows), dry_run)
    known = {h.day: h for h in session.scalars(select(Holiday).where(Holiday.school_id == school.id))}
    for day, name in sorted(days.items()):
        holiday = known.pop(day, None)
        if holiday is None:
            summary.added += 1
            if not dry_run:
                session.add(Holiday(school_id=school.id, day=day, name=name))
        elif holiday.name == name:
            summary.unchanged += 1
        else:
            summary.updated += 1
            if not dry_run:
                holiday.name = name
    summary.missing = [f"{h.day:%d/%m/%Y}: {h.name}" for h in sorted(known.values(), key=lambda h: h.day)]
    session.flush()
    return summary
