"""Families linked, acknowledging and reporting in the demo school, so pages have figures.

Deterministic: class by class a different share of families has linked (Telegram or Zalo),
some acknowledged the rules, one blocked the bot, and a few reports came in.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from chatbot.db.models import (
    AccountLink,
    Acknowledgement,
    Channel,
    ChatAccount,
    IncidentKind,
    IncidentReport,
    Role,
    SchoolClass,
    Student,
)
from chatbot.settings import RULES_VERSION

SHARES = {"6A": 0.9, "6B": 0.75, "7A": 0.95, "7B": 0.6, "8A": 0.8, "8B": 0.5, "9A": 1.0, "9B": 0.7}
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)


def link_family(
    session: Session,
    student: Student,
    channel: Channel,
    external_id: str,
    *,
    acknowledged: bool,
    active: bool = True,
    role: Role = Role.PARENT,
) -> ChatAccount:
    account = ChatAccount(
        channel=channel,
        external_id=external_id,
        role=role,
        active=active,
        created_at=NOW - timedelta(days=30),
    )
    session.add(account)
    session.flush()
    session.add(
        AccountLink(
            account_id=account.id, student_id=student.id, role=role, created_at=NOW - timedelta(days=30)
        )
    )
    if acknowledged:
        session.add(
            Acknowledgement(
                account_id=account.id,
                student_id=student.id,
                rules_version=RULES_VERSION,
                acknowledged_at=NOW - timedelta(days=29),
            )
        )
    session.flush()
    return account


def seed_families(session: Session, school_id: int, skip_classes: tuple[str, ...] = ()) -> dict[str, int]:
    """Link a share of each class; returns how many families were linked per class."""
    linked: dict[str, int] = {}
    classes = session.scalars(select(SchoolClass).where(SchoolClass.school_id == school_id)).all()
    for school_class in classes:
        if school_class.name in skip_classes:
            continue
        students = list(school_class.students)
        count = round(len(students) * SHARES.get(school_class.name, 0.5))
        for index, student in enumerate(students[:count]):
            channel = Channel.ZALO if index % 3 else Channel.TELEGRAM
            external_id = f"{channel.value}-{school_class.name}-{student.roll_number}"
            link_family(session, student, channel, external_id, acknowledged=index % 4 != 3)
        if len(students) > count:  # one family that blocked the bot
            blocked = students[count]
            link_family(
                session,
                blocked,
                Channel.TELEGRAM,
                f"blocked-{school_class.name}",
                acknowledged=False,
                active=False,
            )
        linked[school_class.name] = count
    return linked


def add_report(
    session: Session,
    school_id: int,
    class_name: str | None,
    kind: IncidentKind,
    description: str,
    reference: str,
    account: ChatAccount | None = None,
) -> IncidentReport:
    class_id = None
    if class_name:
        class_id = session.scalar(
            select(SchoolClass.id).where(SchoolClass.school_id == school_id, SchoolClass.name == class_name)
        )
    report = IncidentReport(
        reference=reference,
        kind=kind,
        school_id=school_id,
        class_id=class_id,
        reporter_account_id=account.id if account else None,
        reporter_role=Role.PARENT,
        occurred_at=NOW - timedelta(days=2),
        description=description,
        created_at=NOW - timedelta(days=2),
    )
    session.add(report)
    session.flush()
    return report
