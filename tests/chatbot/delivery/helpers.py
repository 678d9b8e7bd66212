"""Small helpers shared by the delivery tests."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from chatbot.db.engine import session_scope
from chatbot.db.models import BroadcastKind, Delivery
from chatbot.delivery.outbox import Queued, queue_broadcast


class Clock:
    """A settable clock for the worker (aware UTC datetimes)."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def queue(
    account_ids: list[int],
    key: str = "k1",
    text: str = "Nhà trường thông báo lịch học tuần sau.",
    now: datetime | None = None,
    audience: str = "school=HS",
    **options: object,
) -> Queued:
    with session_scope() as session:
        return queue_broadcast(
            session,
            key=key,
            kind=options.pop("kind", BroadcastKind.ANNOUNCEMENT),  # type: ignore[arg-type]
            audience=audience,
            text=text,
            account_ids=account_ids,
            sender="test",
            now=now,
            **options,  # type: ignore[arg-type]
        )


def deliveries(broadcast_id: int | None = None) -> dict[int, Delivery]:
    """Deliveries keyed by account id."""
    with session_scope() as session:
        query = select(Delivery)
        if broadcast_id is not None:
            query = query.where(Delivery.broadcast_id == broadcast_id)
        return {d.account_id: d for d in session.execute(query).scalars()}


def all_statuses() -> list[str]:
    """The status of every delivery row."""
    with session_scope() as session:
        return [s.value for s in session.execute(select(Delivery.status)).scalars()]
