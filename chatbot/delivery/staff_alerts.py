"""Alerts queued through the outbox: the one queueing rule (idempotent, nobody → nothing) and
the alerts to every staff account. The delivery code (e.g. the paid routes' budget) raises
staff alerts through here without importing the school services."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from chatbot.db.models import Broadcast, BroadcastKind, ChatAccount, StaffMember, StaffRole
from chatbot.delivery.outbox import queue_broadcast

SENDER = "assistant"


def queue_to_accounts(
    session: Session,
    *,
    accounts: Sequence[ChatAccount],
    text: str,
    idempotency_key: str,
    school_id: int | None,
    audience: str,
    urgent: bool,
    now: datetime | None = None,
) -> Broadcast | None:
    """Queue through the delivery outbox; no broadcast is made when nobody can receive it."""
    existing = session.execute(
        select(Broadcast).where(Broadcast.idempotency_key == idempotency_key)
    ).scalar_one_or_none()
    if existing is not None:
        return existing
    if not accounts:
        return None
    queued = queue_broadcast(
        session, key=idempotency_key, kind=BroadcastKind.ALERT, audience=audience, text=text,
        account_ids=[a.id for a in accounts], sender=SENDER, school_id=school_id, urgent=urgent, now=now,
    )
    return session.get(Broadcast, queued.broadcast_id)


def staff_accounts(session: Session) -> list[ChatAccount]:
    """Active chat accounts of school staff (role "staff": the principal, the office)."""
    return list(
        session.execute(
            select(ChatAccount)
            .join(StaffMember, ChatAccount.staff_member_id == StaffMember.id)
            .where(StaffMember.role == StaffRole.STAFF, ChatAccount.active.is_(True))
            .order_by(ChatAccount.id)
        ).scalars()
    )


def queue_staff_alert(session: Session, *, text: str, idempotency_key: str) -> Broadcast | None:
    """A message to every staff account (no one school's: e.g. an attack on invite codes)."""
    return queue_to_accounts(
        session, accounts=staff_accounts(session), text=text, idempotency_key=idempotency_key,
        school_id=None, audience="staff", urgent=False,
    )
