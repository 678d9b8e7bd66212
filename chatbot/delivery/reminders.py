"""Automatic reminders before each timetable session (dispatch item 1.4.b).

``reminder_lead_minutes`` before a session starts, the class's linked accounts are told the
subject and the time to log in by: ten minutes before the start. Each session of each day is
reminded once, whatever the number of workers or restarts, through the idempotency key
``reminder:<entry_id>:<date>``. Holidays are skipped; a reminder that quiet hours would hold
until after the session has started is not sent at all.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from chatbot.db.engine import session_scope
from chatbot.db.models import BroadcastKind, Holiday, School, SchoolClass, TimetableEntry
from chatbot.delivery.absent import absent_accounts, absent_students, period_of_entry
from chatbot.delivery.audience import class_families, class_recipients
from chatbot.delivery.outbox import Queued, broadcast_exists, queue_broadcast, utcnow
from chatbot.delivery.periodic import run_periodically
from chatbot.delivery.quiet_hours import hold
from chatbot.settings import TIMEZONE, get_settings

logger = logging.getLogger(__name__)
LOGIN_EARLY = timedelta(minutes=10)  # students join ten minutes before the start
SENDER = "reminders"


def clock(value: time) -> str:
    """A time as every reply writes it: ``07:50`` (docs/replies.md)."""
    return f"{value:%H:%M}"


def reminder_text(class_name: str, subject: str, starts_at: time) -> str:
    login_by = (datetime.combine(date(2000, 1, 2), starts_at) - LOGIN_EARLY).time()
    return (
        f"Lớp {class_name} học {subject} lúc {clock(starts_at)}. "
        f"Các con đăng nhập trước {clock(login_by)} với tên hiển thị đúng quy định."
    )


def reminder_key(entry_id: int, day: date) -> str:
    return f"reminder:{entry_id}:{day.isoformat()}"


@dataclass(frozen=True)
class DueSession:
    """A session whose reminder time has come and which has not started yet."""

    entry_id: int
    school_id: int
    school_code: str
    class_id: int
    class_name: str
    subject: str
    day: date
    starts_at: datetime  # aware

    @property
    def key(self) -> str:
        return reminder_key(self.entry_id, self.day)


def due_sessions(session: Session, now: datetime, lead: timedelta) -> list[DueSession]:
    """Sessions starting within ``lead`` of ``now`` (aware), holidays left out."""
    local_today = now.astimezone(TIMEZONE).date()
    days = [local_today, local_today + timedelta(days=1)]  # a long lead may reach past midnight
    holidays = set(
        session.execute(select(Holiday.school_id, Holiday.day).where(Holiday.day.in_(days))).all()
    )
    due: list[DueSession] = []
    for day in days:
        rows = session.execute(
            select(TimetableEntry, SchoolClass, School.code)
            .join(SchoolClass, SchoolClass.id == TimetableEntry.class_id)
            .join(School, School.id == SchoolClass.school_id)
            .where(TimetableEntry.weekday == day.weekday())
            .order_by(TimetableEntry.starts_at, TimetableEntry.id)
        ).all()
        for entry, school_class, school_code in rows:
            starts = datetime.combine(day, entry.starts_at, tzinfo=TIMEZONE)
            if not (starts - lead <= now < starts) or (school_class.school_id, day) in holidays:
                continue
            due.append(
                DueSession(
                    entry_id=entry.id,
                    school_id=school_class.school_id,
                    school_code=school_code,
                    class_id=school_class.id,
                    class_name=school_class.name,
                    subject=entry.subject,
                    day=day,
                    starts_at=starts,
                )
            )
    return due


def present_recipients(session: Session, due: DueSession) -> list[int]:
    """The class's recipients, less families whose children there are all absent (notices)."""
    absent = absent_accounts(session, due.class_id, due.day, period_of_entry(session, due.entry_id, due.day))
    return [account for account in class_recipients(session, due.class_id) if account not in absent]


def present_families(session: Session, due: DueSession) -> list[int]:
    """The class's students (families for paid routes), less those with an absence notice."""
    absent = absent_students(session, due.class_id, due.day, period_of_entry(session, due.entry_id, due.day))
    return [student for student in class_families(session, due.class_id) if student not in absent]


def queue_due_reminders(
    session: Session, now: datetime | None = None, lead: timedelta | None = None
) -> list[Queued]:
    """Queue the reminders that are due and not queued yet; returns those created now."""
    now = now or utcnow()
    lead = lead if lead is not None else timedelta(minutes=get_settings().reminder_lead_minutes)
    created: list[Queued] = []
    for due in due_sessions(session, now, lead):
        if broadcast_exists(session, due.key):
            continue
        if hold(now, urgent=False) >= due.starts_at:
            continue  # quiet hours would deliver it after the start: pointless
        queued = queue_broadcast(
            session,
            key=due.key,
            kind=BroadcastKind.REMINDER,
            audience=f"school={due.school_code};class={due.class_name}",
            text=reminder_text(due.class_name, due.subject, due.starts_at.time()),
            account_ids=present_recipients(session, due),
            sender=SENDER,
            school_id=due.school_id,
            now=now,
            families=present_families(session, due),
        )
        if queued.created:
            created.append(queued)
    return created


async def keep_reminding(stop: asyncio.Event, interval: float = 30.0, first_delay: float = 0.0) -> None:
    """Queue due reminders every ``interval`` seconds until ``stop`` is set."""
    await run_periodically(stop, interval, queue_reminders_now, first_delay=first_delay)


def queue_reminders_now() -> list[Queued]:
    """Queue the due reminders in one transaction (what each tick of the scheduler does)."""
    with session_scope() as session:
        created = queue_due_reminders(session)
    if created:
        logger.info("queued %d reminders", len(created))
    return created

