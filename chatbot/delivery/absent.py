"""Whom a class reminder skips: children with an absence notice for that lesson (their families
get no paid message) and accounts whose every child in the class is absent (the notices
themselves are :mod:`chatbot.school.absences`)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from chatbot.db.models import Absence, AccountLink, Student, TimetableEntry


def parse_periods(stored: str) -> tuple[int, ...]:
    return tuple(int(p) for p in stored.split(",") if p.isdigit())


def absent_students(session: Session, class_id: int, day: date, period: int | None) -> set[int]:
    """Students of the class with an absence notice (not withdrawn) for ``period`` of ``day``."""
    absences = session.execute(
        select(Absence.student_id, Absence.periods).where(
            Absence.class_id == class_id, Absence.day == day, Absence.withdrawn_at.is_(None)
        )
    ).all()
    return {
        student
        for student, periods in absences
        if not periods or (period is not None and period in parse_periods(periods))
    }


def absent_accounts(session: Session, class_id: int, day: date, period: int | None) -> set[int]:
    """Accounts whose every child in the class is absent at ``period`` of ``day`` (reminders skip them)."""
    absent = absent_students(session, class_id, day, period)
    if not absent:
        return set()
    links = session.execute(
        select(AccountLink.account_id, AccountLink.student_id)
        .join(Student, Student.id == AccountLink.student_id)
        .where(Student.class_id == class_id)
    ).all()
    present = {account for account, student in links if student not in absent}
    return {account for account, student in links if student in absent} - present


def period_of_entry(session: Session, entry_id: int, day: date) -> int | None:
    """The period number of a timetable entry on ``day`` (its own, or its place in the day)."""
    entry = session.get(TimetableEntry, entry_id)
    if entry is None:
        return None
    if entry.period:
        return entry.period
    starts = session.execute(
        select(TimetableEntry.id)
        .where(TimetableEntry.class_id == entry.class_id, TimetableEntry.weekday == day.weekday())
        .order_by(TimetableEntry.starts_at)
    ).scalars()
    return next((index for index, found in enumerate(starts, start=1) if found == entry_id), None)
