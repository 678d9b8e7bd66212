"""Absence notices from families: read, checked, recorded, and passed on to the teachers.

A linked parent writes "con ốm", "mai cháu nghỉ" or "nghỉ tiết 3 đi khám"; :func:`read_absence`
reads the day (today when none is named, tomorrow when written in the evening) and the periods
(none: the whole day). :func:`check_absence` refuses a child not linked to the account, a day
more than :data:`MAX_PAST` ago or more than :data:`MAX_AHEAD` ahead, and a school holiday.
:func:`record_absence` stores the notice and alerts the homeroom teacher and the teachers of
the periods missed: at once in the day, or in one morning digest per teacher when the notice
comes in quiet hours. The class reminder skips a family whose children in the class are all
absent (:mod:`chatbot.delivery.absent`). A family can withdraw a notice of today or later.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import Enum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chatbot.db.models import (
    Absence,
    Broadcast,
    BroadcastKind,
    ChatAccount,
    Delivery,
    DeliveryStatus,
    Holiday,
    Role,
    SchoolClass,
    Student,
    TimetableEntry,
)
from chatbot.delivery.absent import parse_periods
from chatbot.delivery.outbox import queue_broadcast
from chatbot.delivery.quiet_hours import is_quiet, release_time
from chatbot.school.accounts import LinkedStudent, find_account, view_of
from chatbot.school.dates import fold, parse_day_query
from chatbot.school.display_names import required_display_name
from chatbot.school.quoting import one_paragraph, quoted_words
from chatbot.settings import TIMEZONE

MAX_PAST = timedelta(days=7)
MAX_AHEAD = timedelta(days=30)
MAX_REASON = 300
EVENING = time(18, 0)  # a notice without a day written after this is about tomorrow
SENDER = "absences"
# Bounded widths: these run on chat text (tests/house/test_linear_text.py).
_PERIODS = re.compile(r"\btiet ((?:\d{1,2}(?: ?(?:-|va|den|toi) ?| )?){1,8})")
_RANGE = re.compile(r"(\d{1,2}) ?(?:-|den|toi) ?(\d{1,2})")
_NUMBER = re.compile(r"\d{1,2}")
MAX_PERIOD = 15
WEEKDAYS = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")


@dataclass(frozen=True)
class AbsenceRequest:
    """What a family's message asks: the day, the periods (empty: all day) and their words."""

    day: date
    periods: tuple[int, ...]
    reason: str


def read_periods(folded: str) -> tuple[int, ...]:
    """Period numbers named after "tiết" ("tiết 3", "tiết 3, 4", "tiết 2-4"), sorted."""
    found: set[int] = set()
    for match in _PERIODS.finditer(folded):
        words = match.group(1)
        for first, last in _RANGE.findall(words):
            low, high = sorted((int(first), int(last)))
            found.update(range(low, min(high, MAX_PERIOD) + 1))
        found.update(int(n) for n in _NUMBER.findall(words))
    return tuple(sorted(n for n in found if 1 <= n <= MAX_PERIOD))


def read_absence(text: str, now: datetime) -> AbsenceRequest:
    """The day and periods a notice names; the words are kept as the family's reason."""
    local = now.astimezone(TIMEZONE)
    today = local.date()
    folded = fold(text)
    query = parse_day_query(_PERIODS.sub(" ", folded), today)  # "tiết 1-3" is not a date
    if query is not None and query.day is not None:
        day = query.day
    else:
        day = today + timedelta(days=1) if local.time() >= EVENING else today
    return AbsenceRequest(day, read_periods(folded), one_paragraph(text, MAX_REASON))


def day_text(day: date) -> str:
    return f"{WEEKDAYS[day.weekday()]} {day:%d/%m/%Y}"


def periods_text(periods: str | tuple[int, ...]) -> str:
    numbers = parse_periods(periods) if isinstance(periods, str) else periods
    return "cả ngày" if not numbers else "tiết " + ", ".join(str(n) for n in numbers)



class AbsenceProblem(str, Enum):
    NOT_LINKED = "not_linked"  # the account is linked to no child
    NOT_YOUR_CHILD = "not_your_child"  # the child is not linked to this account as its parent
    TOO_OLD = "too_old"
    TOO_FAR = "too_far"
    HOLIDAY = "holiday"


@dataclass(frozen=True)
class AbsenceCheck:
    problem: AbsenceProblem | None
    student: LinkedStudent | None = None
    holiday: str | None = None


def parent_children(session: Session, channel: str, external_id: str) -> tuple[LinkedStudent, ...]:
    """The children an account is linked to as their parent."""
    account = find_account(session, channel, external_id)
    if account is None:
        return ()
    return tuple(s for s in view_of(session, account).students if s.link_role is Role.PARENT)


def check_absence(
    session: Session, channel: str, external_id: str, student_id: int, day: date, now: datetime
) -> AbsenceCheck:
    children = parent_children(session, channel, external_id)
    if not children:
        return AbsenceCheck(AbsenceProblem.NOT_LINKED)
    student = next((s for s in children if s.student_id == student_id), None)
    if student is None:
        return AbsenceCheck(AbsenceProblem.NOT_YOUR_CHILD)
    today = now.astimezone(TIMEZONE).date()
    if day < today - MAX_PAST:
        return AbsenceCheck(AbsenceProblem.TOO_OLD, student)
    if day > today + MAX_AHEAD:
        return AbsenceCheck(AbsenceProblem.TOO_FAR, student)
    holiday = session.execute(
        select(Holiday.name).where(Holiday.school_id == student.school_id, Holiday.day == day)
    ).scalar_one_or_none()
    if holiday is not None:
        return AbsenceCheck(AbsenceProblem.HOLIDAY, student, holiday)
    return AbsenceCheck(None, student)


@dataclass(frozen=True)
class Lesson:
    number: int  # the period: its own number, or its place in the day
    subject: str
    teacher_id: int | None


def lessons_of(session: Session, class_id: int, day: date) -> list[Lesson]:
    """The class's sessions on ``day``, numbered as periods."""
    entries = session.execute(
        select(TimetableEntry)
        .where(TimetableEntry.class_id == class_id, TimetableEntry.weekday == day.weekday())
        .order_by(TimetableEntry.starts_at)
    ).scalars()
    return [
        Lesson(entry.period or index, entry.subject, entry.teacher_id)
        for index, entry in enumerate(entries, start=1)
    ]


def missed(lessons: list[Lesson], periods: tuple[int, ...]) -> list[Lesson]:
    return lessons if not periods else [lesson for lesson in lessons if lesson.number in periods]


class RecordStatus(str, Enum):
    RECORDED = "recorded"
    ALREADY = "already"  # the same notice is on record


@dataclass(frozen=True)
class RecordOutcome:
    status: RecordStatus
    absence_id: int
    teachers_told: int  # staff members with an account the notice goes to
    held_until: datetime | None  # the morning digest time, when sent in quiet hours


def _teacher_accounts(session: Session, staff_ids: set[int]) -> dict[int, list[int]]:
    rows = session.execute(
        select(ChatAccount.staff_member_id, ChatAccount.id)
        .where(ChatAccount.staff_member_id.in_(staff_ids), ChatAccount.active.is_(True))
        .order_by(ChatAccount.id)
    ).all()
    accounts: dict[int, list[int]] = {}
    for staff_id, account_id in rows:
        accounts.setdefault(staff_id, []).append(account_id)
    return accounts


def notice_line(student: LinkedStudent, absence: Absence, lessons: list[Lesson]) -> str:
    subjects = ", ".join(
        dict.fromkeys(lesson.subject for lesson in missed(lessons, parse_periods(absence.periods)))
    )
    line = (
        f"• Em {student.display_name} (lớp {student.class_name}) nghỉ {day_text(absence.day)}, "
        f"{periods_text(absence.periods)}"
    )
    if subjects and absence.periods:
        line += f" ({subjects})"
    if absence.reason:
        line += f". Lời nhắn của phụ huynh: {quoted_words(absence.reason, MAX_REASON)}"
    return line


def _pending_digest(session: Session, key: str) -> Broadcast | None:
    """The morning digest of ``key`` while none of it has gone out yet."""
    digest = session.execute(select(Broadcast).where(Broadcast.idempotency_key == key)).scalar_one_or_none()
    if digest is None:
        return None
    started = session.execute(
        select(Delivery.id).where(
            Delivery.broadcast_id == digest.id, Delivery.status != DeliveryStatus.PENDING
        )
    ).first()
    return None if started else digest


def tell_teachers(
    session: Session,
    *,
    staff_ids: set[int],
    school_id: int,
    class_name: str,
    line: str,
    key: str,
    now: datetime,
) -> tuple[int, datetime | None]:
    """Queue ``line`` for each teacher: now in the day, in the morning digest at night."""
    accounts = _teacher_accounts(session, staff_ids)
    quiet = is_quiet(now)
    release = release_time(now) if quiet else None
    for staff_id, account_ids in accounts.items():
        if quiet:
            assert release is not None
            digest_key = f"absence-digest:{staff_id}:{release.astimezone(TIMEZONE).date().isoformat()}"
            digest = _pending_digest(session, digest_key)
            if digest is not None:
                digest.text += "\n" + line
                continue
            if session.execute(select(Broadcast.id).where(Broadcast.idempotency_key == digest_key)).first():
                digest_key = f"{key}:{staff_id}"  # the digest went out already: on its own
            text = "📋 Báo nghỉ nhận trong đêm:\n" + line
        else:
            digest_key, text = f"{key}:{staff_id}", "📋 Báo nghỉ:\n" + line
        queue_broadcast(
            session,
            key=digest_key,
            kind=BroadcastKind.ALERT,
            audience=f"absences:{class_name}",
            text=text,
            account_ids=account_ids,
            sender=SENDER,
            school_id=school_id,
            urgent=False,
            now=now,
        )
    return len(accounts), release


def _recipients(
    session: Session, student: LinkedStudent, lessons: list[Lesson], periods: tuple[int, ...]
) -> set[int]:
    homeroom = session.execute(
        select(SchoolClass.homeroom_teacher_id).where(SchoolClass.id == student.class_id)
    ).scalar_one_or_none()
    staff = {lesson.teacher_id for lesson in missed(lessons, periods) if periods and lesson.teacher_id}
    return staff | ({homeroom} if homeroom else set())


def record_absence(
    session: Session,
    *,
    channel: str,
    external_id: str,
    student_id: int,
    request: AbsenceRequest,
    now: datetime,
) -> RecordOutcome | AbsenceCheck:
    """Store the notice and tell the teachers; the failed check when it may not be stored."""
    check = check_absence(session, channel, external_id, student_id, request.day, now)
    if check.problem is not None or check.student is None:
        return check
    student = check.student
    periods = ",".join(str(p) for p in request.periods)
    same = session.execute(
        select(Absence.id).where(
            Absence.student_id == student_id,
            Absence.day == request.day,
            Absence.periods == periods,
            Absence.withdrawn_at.is_(None),
        )
    ).scalar()
    if same is not None:
        return RecordOutcome(RecordStatus.ALREADY, same, 0, None)
    account = find_account(session, channel, external_id)
    absence = Absence(
        student_id=student_id,
        class_id=student.class_id,
        account_id=account.id if account else None,
        day=request.day,
        periods=periods,
        reason=request.reason,
        created_at=now,
    )
    session.add(absence)
    session.flush()
    lessons = lessons_of(session, student.class_id, request.day)
    told, held = tell_teachers(
        session,
        staff_ids=_recipients(session, student, lessons, request.periods),
        school_id=student.school_id,
        class_name=student.class_name,
        line=notice_line(student, absence, lessons),
        key=f"absence:{absence.id}",
        now=now,
    )
    return RecordOutcome(RecordStatus.RECORDED, absence.id, told, held)


@dataclass(frozen=True)
class AbsenceLine:
    """An absence as families and teachers see it."""

    absence_id: int
    student_id: int
    class_id: int
    class_name: str
    display_name: str
    day: date
    periods: str
    reason: str

    @property
    def summary(self) -> str:
        when = f"{day_text(self.day)}, {periods_text(self.periods)}"
        return f"Em {self.display_name} (lớp {self.class_name}) nghỉ {when}"


def _lines(session: Session, query) -> list[AbsenceLine]:  # noqa: ANN001 - a select of Absence
    rows = session.execute(
        query.join(Student, Student.id == Absence.student_id)
        .join(SchoolClass, SchoolClass.id == Absence.class_id)
        .add_columns(Student.roll_number, Student.full_name, SchoolClass.name)
        .order_by(Absence.day, SchoolClass.name, Student.roll_number, Absence.id)
    ).all()
    return [
        AbsenceLine(
            a.id,
            a.student_id,
            a.class_id,
            class_name,
            required_display_name(roll, name, class_name),
            a.day,
            a.periods,
            a.reason,
        )
        for a, roll, name, class_name in rows
    ]


def upcoming_of_account(session: Session, channel: str, external_id: str, now: datetime) -> list[AbsenceLine]:
    """Notices of today or later for the account's children, not withdrawn."""
    children = {s.student_id for s in parent_children(session, channel, external_id)}
    if not children:
        return []
    today = now.astimezone(TIMEZONE).date()
    return _lines(
        session,
        select(Absence).where(
            Absence.student_id.in_(children), Absence.day >= today, Absence.withdrawn_at.is_(None)
        ),
    )


class WithdrawStatus(str, Enum):
    WITHDRAWN = "withdrawn"
    NOT_FOUND = "not_found"  # not this family's, past, or withdrawn already


def withdraw_absence(
    session: Session, *, channel: str, external_id: str, absence_id: int, now: datetime
) -> tuple[WithdrawStatus, AbsenceLine | None]:
    line = next(
        (a for a in upcoming_of_account(session, channel, external_id, now) if a.absence_id == absence_id),
        None,
    )
    if line is None:
        return WithdrawStatus.NOT_FOUND, None
    absence = session.get(Absence, absence_id)
    assert absence is not None
    absence.withdrawn_at = now
    school_class = session.get(SchoolClass, line.class_id)
    assert school_class is not None
    student = session.get(Student, line.student_id)
    assert student is not None
    lessons = lessons_of(session, line.class_id, line.day)
    staff = {
        lesson.teacher_id
        for lesson in missed(lessons, parse_periods(line.periods))
        if line.periods and lesson.teacher_id
    }
    if school_class.homeroom_teacher_id:
        staff.add(school_class.homeroom_teacher_id)
    tell_teachers(
        session,
        staff_ids=staff,
        school_id=school_class.school_id,
        class_name=line.class_name,
        line=f"• Phụ huynh đã rút báo nghỉ: em {line.display_name} (lớp {line.class_name}) vẫn đi học "
        f"{day_text(line.day)}, {periods_text(line.periods)}.",
        key=f"absence-withdrawn:{absence_id}",
        now=now,
    )
    return WithdrawStatus.WITHDRAWN, line


def absences_on(session: Session, class_ids: set[int] | frozenset[int], day: date) -> list[AbsenceLine]:
    """The notices for ``day`` in the given classes, not withdrawn."""
    if not class_ids:
        return []
    return _lines(
        session,
        select(Absence).where(
            Absence.class_id.in_(class_ids), Absence.day == day, Absence.withdrawn_at.is_(None)
        ),
    )


def count_between(session: Session, school_id: int, first: date, last: date) -> int:
    """Absence notices (not withdrawn) for days from ``first`` to ``last`` in one school."""
    return session.execute(
        select(func.count(Absence.id))
        .join(SchoolClass, SchoolClass.id == Absence.class_id)
        .where(
            SchoolClass.school_id == school_id,
            Absence.day >= first,
            Absence.day <= last,
            Absence.withdrawn_at.is_(None),
        )
    ).scalar_one()


