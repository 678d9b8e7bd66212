"""Read receipts ("Đã nhận") and the per-class status of a broadcast."""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from chatbot.db.models import (
    AccountLink,
    Broadcast,
    Channel,
    ChatAccount,
    Delivery,
    DeliveryStatus,
    SchoolClass,
    Student,
)
from chatbot.delivery.audience import classes_in_scope
from chatbot.delivery.outbound import Button
from chatbot.delivery.outbox import prefer_hash_joins

RECEIPT_TITLE = "Đã nhận"
RECEIPT_INTENT = "broadcast_received"
NO_CLASS = "—"


def receipt_button(delivery_id: int) -> Button:
    """The "Đã nhận" quick reply of one delivery (short enough for Telegram's 64 bytes)."""
    payload = f"/{RECEIPT_INTENT}" + json.dumps({"delivery_id": delivery_id})
    return Button(title=RECEIPT_TITLE, payload=payload)


class Ack(str, enum.Enum):
    RECORDED = "recorded"
    ALREADY = "already"
    NOT_FOUND = "not_found"  # no such delivery, not this account's, or no receipt asked


def acknowledge(
    session: Session,
    delivery_id: int,
    channel: str,
    external_id: str,
    now: datetime | None = None,
) -> Ack:
    """Record that the account ``(channel, external_id)`` pressed "Đã nhận" on its delivery.

    Only the account the delivery was sent to can acknowledge it; anything else looks like
    an unknown delivery, so ids cannot be probed.
    """
    row = session.execute(
        select(Delivery.id, Delivery.acknowledged_at)
        .join(ChatAccount, ChatAccount.id == Delivery.account_id)
        .join(Broadcast, Broadcast.id == Delivery.broadcast_id)
        .where(
            Delivery.id == delivery_id,
            ChatAccount.channel == Channel(channel),
            ChatAccount.external_id == str(external_id),
            Broadcast.ask_receipt.is_(True),
        )
    ).first()
    if row is None:
        return Ack.NOT_FOUND
    if row.acknowledged_at is not None:
        return Ack.ALREADY
    result = session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id, Delivery.acknowledged_at.is_(None))
        .values(acknowledged_at=now or datetime.now(timezone.utc))
        .execution_options(synchronize_session=False)
    )
    return Ack.RECORDED if result.rowcount else Ack.ALREADY


def acknowledge_latest(
    session: Session,
    channel: str,
    external_id: str,
    now: datetime | None = None,
    within: timedelta = timedelta(days=7),
) -> Ack:
    """A receipt typed without a delivery id ("đã nhận"): the latest notice asking for one.

    Covers channels where the button comes back as plain text. Only notices sent to this
    account in the last ``within`` count.
    """
    now = now or datetime.now(timezone.utc)
    rows = session.execute(
        select(Delivery.id, Delivery.acknowledged_at)
        .join(ChatAccount, ChatAccount.id == Delivery.account_id)
        .join(Broadcast, Broadcast.id == Delivery.broadcast_id)
        .where(
            ChatAccount.channel == Channel(channel),
            ChatAccount.external_id == str(external_id),
            Broadcast.ask_receipt.is_(True),
            Delivery.status == DeliveryStatus.SENT,
            Delivery.sent_at >= now - within,
        )
        .order_by(Delivery.sent_at.desc(), Delivery.id.desc())
    ).all()
    waiting = next((row.id for row in rows if row.acknowledged_at is None), None)
    if waiting is not None:
        return acknowledge(session, waiting, channel, external_id, now)
    return Ack.ALREADY if rows else Ack.NOT_FOUND


@dataclass
class Counts:
    """Deliveries of a broadcast (or of one class in it) by outcome."""

    total: int = 0
    pending: int = 0
    sending: int = 0
    sent: int = 0
    failed: int = 0
    acknowledged: int = 0

    def add(self, status: DeliveryStatus, acknowledged: bool, count: int = 1) -> None:
        self.total += count
        setattr(self, status.value, getattr(self, status.value) + count)
        if acknowledged:
            self.acknowledged += count

    @property
    def finished(self) -> bool:
        return self.pending == 0 and self.sending == 0


@dataclass
class Status:
    """A broadcast's totals and its counts per class (an account counts in each of its classes)."""

    broadcast: Broadcast
    total: Counts
    by_class: dict[str, Counts] = field(default_factory=dict)


def counts(session: Session, broadcast_id: int) -> Counts:
    """Totals of one broadcast, one query (used for progress bars)."""
    total = Counts()
    rows = session.execute(
        select(Delivery.status, Delivery.acknowledged_at.is_not(None), func.count())
        .where(Delivery.broadcast_id == broadcast_id)
        .group_by(Delivery.status, Delivery.acknowledged_at.is_not(None))
    )
    for status, acknowledged, count in rows:
        total.add(status, bool(acknowledged), count)
    return total


def broadcast_status(session: Session, broadcast_id: int) -> Status | None:
    """Totals and per-class counts of a broadcast, or ``None`` if there is no such broadcast."""
    broadcast = session.get(Broadcast, broadcast_id)
    if broadcast is None:
        return None
    scope = classes_in_scope(session, broadcast.school_id, broadcast.audience)
    prefer_hash_joins(session)
    rows = session.execute(
        select(Delivery.id, Delivery.status, Delivery.acknowledged_at, SchoolClass.name)
        .outerjoin(AccountLink, AccountLink.account_id == Delivery.account_id)
        # An account counts in each of its children's classes; a phone-only delivery (ZNS, no
        # account) in the class of the student it was sent for.
        .outerjoin(Student, Student.id == func.coalesce(AccountLink.student_id, Delivery.student_id))
        .outerjoin(SchoolClass, SchoolClass.id == Student.class_id)
        .where(Delivery.broadcast_id == broadcast_id)
    ).all()
    per_delivery: dict[int, tuple[DeliveryStatus, bool, set[str]]] = {}
    for delivery_id, status, acknowledged_at, class_name in rows:
        _, _, names = per_delivery.setdefault(
            delivery_id, (status, acknowledged_at is not None, set())
        )
        if class_name is not None and (scope is None or class_name in scope):
            names.add(class_name)
    result = Status(broadcast=broadcast, total=Counts())
    for status, acknowledged, names in per_delivery.values():
        result.total.add(status, acknowledged)
        for name in names or {NO_CLASS}:
            result.by_class.setdefault(name, Counts()).add(status, acknowledged)
    result.by_class = dict(sorted(result.by_class.items(), key=lambda item: _class_key(item[0])))
    return result


def failure_reasons(session: Session, broadcast_id: int) -> list[tuple[str, int]]:
    """Why the failed deliveries of a broadcast failed: ``(reason, count)``, most common first."""
    rows = session.execute(
        select(Delivery.last_error, func.count())
        .where(Delivery.broadcast_id == broadcast_id, Delivery.status == DeliveryStatus.FAILED)
        .group_by(Delivery.last_error)
    ).all()
    reasons = [(reason or "—", count) for reason, count in rows]
    return sorted(reasons, key=lambda item: (-item[1], item[0]))


def _class_key(name: str) -> tuple[int, int, str]:
    digits = "".join(ch for ch in name if ch.isdigit())
    return (name == NO_CLASS, int(digits) if digits else 0, name)


def recent_broadcasts(session: Session, limit: int = 20) -> list[tuple[Broadcast, Counts]]:
    """The latest broadcasts with their totals, newest first."""
    broadcasts = session.execute(
        select(Broadcast).order_by(Broadcast.id.desc()).limit(limit)
    ).scalars().all()
    return [(b, counts(session, b.id)) for b in broadcasts]
