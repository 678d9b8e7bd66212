"""A class's lessons on a day, in a week, and the next one, with the school's holidays.

Meeting id, link and password leave this module only for an account linked to the class
(:attr:`AccountView.class_ids`); everyone else gets the lessons without them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.sql.elements import ColumnElement

from chatbot.db.models import Holiday, SchoolClass, TimetableEntry
from chatbot.school.accounts import AccountView
from chatbot.settings import TIMEZONE

LOOKAHEAD_DAYS = 28


@dataclass(frozen=True)
class Meeting:
    """How to enter an online lesson; secret, so kept out of ``repr``."""

    platform: str | None
    meeting_id: str | None = field(default=None, repr=False)
    link: str | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Lesson:
    day: date
    starts_at: time
    ends_at: time
    subject: str
    class_name: str
    period: int | None = None
    teacher_name: str | None = None
    platform: str | None = None
    meeting: Meeting | None = None

    @property
    def starts(self) -> datetime:
        return datetime.combine(self.day, self.starts_at, tzinfo=TIMEZONE)

    @property
    def ends(self) -> datetime:
        return datetime.combine(self.day, self.ends_at, tzinfo=TIMEZONE)


@dataclass(frozen=True)
class DaySchedule:
    day: date
    lessons: tuple[Lesson, ...] = ()
    holiday: str | None = None


def _lesson(entry: TimetableEntry, day: date, with_meeting: bool) -> Lesson:
    meeting = None
    if with_meeting and (entry.meeting_id or entry.meeting_link or entry.meeting_password):
        meeting = Meeting(entry.platform, entry.meeting_id, entry.meeting_link, entry.meeting_password)
    return Lesson(
        day=day,
        starts_at=entry.starts_at,
        ends_at=entry.ends_at,
        subject=entry.subject,
        class_name=entry.school_class.name,
        period=entry.period,
        teacher_name=entry.teacher.full_name if entry.teacher else None,
        platform=entry.platform,
        meeting=meeting,
    )


def _holidays(session: Session, school_id: int, first: date, last: date) -> dict[date, str]:
    rows = session.execute(
        select(Holiday.day, Holiday.name).where(
            Holiday.school_id == school_id, Holiday.day >= first, Holiday.day <= last
        )
    ).all()
    return {row.day: row.name for row in rows}


def _entries_where(session: Session, condition: ColumnElement) -> list[TimetableEntry]:
    """Timetable entries matching ``condition``, with teacher and class, by weekday and time."""
    return list(
        session.execute(
            select(TimetableEntry)
            .where(condition)
            .options(joinedload(TimetableEntry.teacher), joinedload(TimetableEntry.school_class))
            .order_by(TimetableEntry.weekday, TimetableEntry.starts_at)
        ).scalars()
    )


def _day_by_day(
    session: Session,
    school_id: int,
    first: date,
    days: int,
    lessons_on: Callable[[date], tuple[Lesson, ...]],
) -> list[DaySchedule]:
    """``lessons_on(day)`` for each of ``days`` days from ``first``; the school's holidays have none."""
    last = first + timedelta(days=days - 1)
    holidays = _holidays(session, school_id, first, last)
    result = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        if day in holidays:
            result.append(DaySchedule(day, holiday=holidays[day]))
            continue
        result.append(DaySchedule(day, lessons_on(day)))
    return result


def schedule(
    session: Session, viewer: AccountView, class_id: int, first: date, days: int = 1
) -> list[DaySchedule]:
    """The class's lessons on each of ``days`` days from ``first``; holidays have none."""
    school_class = session.get(SchoolClass, class_id)
    if school_class is None:
        return []
    with_meeting = class_id in viewer.class_ids
    by_weekday: dict[int, list[TimetableEntry]] = {}
    for entry in _entries_where(session, TimetableEntry.class_id == class_id):
        by_weekday.setdefault(entry.weekday, []).append(entry)
    return _day_by_day(
        session,
        school_class.school_id,
        first,
        days,
        lambda day: tuple(_lesson(e, day, with_meeting) for e in by_weekday.get(day.weekday(), [])),
    )


def first_upcoming(
    schedules: list[DaySchedule], now: datetime, include_ongoing: bool = True
) -> Lesson | None:
    """The lesson under way (if ``include_ongoing``) or the next one in ``schedules``."""
    local = now.astimezone(TIMEZONE)
    for day_schedule in schedules:
        for lesson in day_schedule.lessons:
            if lesson.starts > local or (include_ongoing and lesson.ends > local):
                return lesson
    return None


def next_lesson(
    session: Session, viewer: AccountView, class_id: int, now: datetime, include_ongoing: bool = True
) -> Lesson | None:
    """The class's lesson under way or next, within four weeks, skipping holidays."""
    today = now.astimezone(TIMEZONE).date()
    return first_upcoming(schedule(session, viewer, class_id, today, LOOKAHEAD_DAYS), now, include_ongoing)


def lessons_taught(session: Session, viewer: AccountView, first: date, days: int = 1) -> list[DaySchedule]:
    """A teacher's own lessons across classes on each of ``days`` days from ``first``."""
    if viewer.staff is None:
        return []
    entries = _entries_where(session, TimetableEntry.teacher_id == viewer.staff.staff_member_id)
    return _day_by_day(
        session,
        viewer.staff.school_id,
        first,
        days,
        lambda day: tuple(
            _lesson(e, day, e.class_id in viewer.class_ids) for e in entries if e.weekday == day.weekday()
        ),
    )


def next_lesson_taught(session: Session, viewer: AccountView, now: datetime) -> Lesson | None:
    """A teacher's own lesson under way or next, within four weeks, skipping holidays."""
    today = now.astimezone(TIMEZONE).date()
    return first_upcoming(lessons_taught(session, viewer, today, LOOKAHEAD_DAYS), now)


def find_class(session: Session, name: str, school_ids: frozenset[int] | None = None) -> list[SchoolClass]:
    """Classes called exactly ``name``, in any letter case ("6a" is 6A; "%" and "_" are plain
    characters, never wildcards), within ``school_ids`` when given."""
    query = select(SchoolClass).where(func.upper(SchoolClass.name) == name.strip().upper())
    if school_ids:
        query = query.where(SchoolClass.school_id.in_(school_ids))
    return list(session.execute(query).scalars())


_CLASS_AFTER_WORD = re.compile(r"\b(?:lớp|lop)\s{0,3}(\d{1,2}\s?[A-Za-z]\d{0,2})\b", re.IGNORECASE)
_CLASS_BARE = re.compile(r"\b(\d{1,2}[A-Z]\d{0,2})\b")


def mentioned_class(text: str) -> str | None:
    """A class name written in a message ("lớp 7b" -> "7B", "6A"), or None."""
    match = _CLASS_AFTER_WORD.search(text) or _CLASS_BARE.search(text)
    return match.group(1).replace(" ", "").upper() if match else None


def class_names(session: Session, class_ids: frozenset[int]) -> list[str]:
    if not class_ids:
        return []
    return list(
        session.execute(
            select(SchoolClass.name).where(SchoolClass.id.in_(class_ids)).order_by(SchoolClass.name)
        ).scalars()
    )
