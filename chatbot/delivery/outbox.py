"""The delivery outbox: broadcasts with one Delivery row per recipient, claimed by workers.

Every function takes an open session and leaves committing to the caller, so each call is one
short transaction in :mod:`chatbot.delivery.worker`.

- Creating a broadcast is idempotent: a second call with the same key returns the first one.
- Claiming marks due rows ``sending`` with the worker's id and time. On PostgreSQL rows are
  picked with ``SELECT … FOR UPDATE SKIP LOCKED``, so workers never wait for each other; on
  SQLite (one writer at a time) a single worker is expected. The claiming ``UPDATE`` repeats
  the "still claimable" condition, so even two claimers can never both take a row.
- A ``sending`` row whose claim is older than the lease belongs to a worker that died; any
  worker takes it over. Live workers renew their claims well inside the lease.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import and_, case, func, insert, not_, or_, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from chatbot.db.models import Broadcast, BroadcastKind, ChatAccount, Delivery, DeliveryStatus, School
from chatbot.delivery.quiet_hours import hold, release_time
from chatbot.delivery.routes import SENDER_OF, PlannedDelivery, Route, plan
from chatbot.delivery.zalo_templates import kind_of, templates_by_key

ERROR_LIMIT = 300  # Delivery.last_error length
REASON_LIMIT = 120  # ChatAccount.deactivated_reason length


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def prefer_hash_joins(session: Session) -> None:
    """On PostgreSQL, plan this transaction's joins without nested loops.

    Right after a large broadcast is queued, table statistics are stale until autovacuum
    analyses the table; the planner then believes ``deliveries`` holds a handful of rows and
    may pick a nested loop that compares every delivery with every account (15 s for 10,000
    recipients instead of 40 ms). Hash joins stay linear whatever the statistics say.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL enable_nestloop = off"))


def derive_key(prefix: str, *parts: object) -> str:
    """A stable idempotency key ``prefix:<hash>`` from the parts that make a broadcast unique."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8")).hexdigest()
    return f"{prefix}:{digest[:32]}"


@dataclass(frozen=True)
class Queued:
    """The outcome of :func:`queue_broadcast`: ``created`` is False when the key existed."""

    broadcast_id: int
    created: bool
    recipients: int
    unreachable: int = 0  # families (or accounts) listed as unreachable, with the reason


def broadcast_exists(session: Session, key: str) -> bool:
    return session.execute(select(Broadcast.id).where(Broadcast.idempotency_key == key)).first() is not None


def _existing(session: Session, key: str) -> Queued | None:
    found = session.execute(select(Broadcast.id).where(Broadcast.idempotency_key == key)).scalar()
    if found is None:
        return None
    count, unreachable = session.execute(
        select(func.count(), func.sum(case((Delivery.route.is_(None), 1), else_=0)))
        .select_from(Delivery)
        .where(Delivery.broadcast_id == found)
    ).one()
    return Queued(found, False, count - int(unreachable or 0), int(unreachable or 0))


def queue_broadcast(
    session: Session,
    *,
    key: str,
    kind: BroadcastKind,
    audience: str,
    text: str,
    account_ids: list[int] | set[int],
    sender: str,
    school_id: int | None = None,
    ask_receipt: bool = False,
    urgent: bool = False,
    not_before: datetime | None = None,
    now: datetime | None = None,
    families: list[int] | set[int] | tuple[int, ...] = (),
) -> Queued:
    """Create a broadcast and a pending delivery per account, unless ``key`` already exists.

    Each delivery gets its route (:mod:`chatbot.delivery.routes`); each family of ``families``
    (student ids whose parents are in the audience) not reached on a free route gets one paid
    message, or a failed row naming why it is unreachable. Non-urgent deliveries that would
    start in quiet hours start when they end. Safe to call concurrently: the unique key lets
    one caller win and the others get its broadcast.
    """
    existing = _existing(session, key)
    if existing is not None:
        return existing
    now = now or utcnow()
    start = hold(not_before or now, urgent)
    broadcast = Broadcast(
        idempotency_key=key,
        kind=kind,
        school_id=school_id,
        audience=audience[:200],
        text=text,
        ask_receipt=ask_receipt,
        urgent=urgent,
        sender=sender[:120],
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(broadcast)
            session.flush()
    except IntegrityError:
        existing = _existing(session, key)
        if existing is None:
            raise
        return existing
    planned = plan(
        session, account_ids=account_ids, families=families, kind=kind_of(kind, ask_receipt),
        templates=templates_by_key(session), now=now,
    )
    if planned:
        session.execute(insert(Delivery), [_row(broadcast.id, p, start) for p in planned])
    unreachable = sum(1 for p in planned if p.route is None)
    return Queued(broadcast.id, True, len(planned) - unreachable, unreachable)


def _row(broadcast_id: int, planned: PlannedDelivery, start: datetime) -> dict[str, object]:
    return {
        "broadcast_id": broadcast_id,
        "account_id": planned.account_id,
        "student_id": planned.student_id,
        "phone": planned.phone,
        "route": planned.route.value if planned.route else None,
        "route_reason": planned.reason[:120],
        "status": DeliveryStatus.PENDING if planned.route else DeliveryStatus.FAILED,
        "last_error": None if planned.route else f"unreachable: {planned.reason}"[:ERROR_LIMIT],
        "attempts": 0,
        "not_before": start,
    }


def on_channels(channels: list[str] | set[str]) -> ColumnElement:
    """Deliveries whose sender is one of ``channels`` (ZNS deliveries go to the ``zns`` sender)."""
    others = [c for c in channels if c != SENDER_OF[Route.ZNS]]
    condition = and_(
        ChatAccount.channel.in_(others),
        or_(Delivery.route.is_(None), Delivery.route != Route.ZNS.value),
    )
    if SENDER_OF[Route.ZNS] in channels:
        return or_(condition, Delivery.route == Route.ZNS.value)
    return condition


@dataclass(frozen=True)
class Claim:
    """A delivery a worker holds, with what it needs to send it."""

    delivery_id: int
    broadcast_id: int
    account_id: int
    channel: str
    external_id: str
    account_active: bool
    text: str
    ask_receipt: bool
    urgent: bool
    attempts: int
    kind: BroadcastKind = BroadcastKind.ANNOUNCEMENT
    key: str = ""
    chunks_sent: int = 0
    route: str | None = None
    student_id: int | None = None
    school_name: str = ""


def _claimable(now: datetime, lease: timedelta):  # noqa: ANN202 - a SQL expression
    return or_(
        and_(Delivery.status == DeliveryStatus.PENDING, Delivery.not_before <= now),
        and_(Delivery.status == DeliveryStatus.SENDING, Delivery.claimed_at < now - lease),
    )


def _non_urgent_broadcasts():  # noqa: ANN202 - a SQL expression
    return select(Broadcast.id).where(Broadcast.urgent.is_(False)).scalar_subquery()


def hold_for_quiet_hours(session: Session, now: datetime) -> int:
    """In quiet hours, move due non-urgent pending deliveries to the end of quiet hours."""
    release = release_time(now)
    if release <= now:
        return 0
    result = session.execute(
        update(Delivery)
        .where(
            Delivery.status == DeliveryStatus.PENDING,
            Delivery.not_before < release,
            Delivery.broadcast_id.in_(_non_urgent_broadcasts()),
        )
        .values(not_before=release)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def claim(
    session: Session,
    worker_id: str,
    *,
    limit: int,
    channels: list[str] | set[str],
    lease: timedelta,
    now: datetime | None = None,
    broadcast_id: int | None = None,
    exclude_lanes: Collection[str] = (),
) -> list[Claim]:
    """Claim up to ``limit`` due deliveries on ``channels``: urgent first, then oldest first.

    ``exclude_lanes`` leaves out the bots (``telegram``, ``telegram:<SCHOOL>``) whose queue in
    the worker is full, so a slow or paused bot never keeps the others' messages waiting.

    In quiet hours only urgent deliveries are claimed (the others are held, see
    :func:`hold_for_quiet_hours`).
    """
    now = now or utcnow()
    if limit <= 0 or not channels:
        return []
    prefer_hash_joins(session)
    quiet = release_time(now) > now
    if quiet:
        hold_for_quiet_hours(session, now)
    query = (
        select(Delivery.id)
        .join(Broadcast, Broadcast.id == Delivery.broadcast_id)
        .outerjoin(ChatAccount, ChatAccount.id == Delivery.account_id)
        .where(_claimable(now, lease), on_channels(channels))
        .order_by(Broadcast.urgent.desc(), Delivery.not_before, Delivery.id)
        .limit(limit)
    )
    if quiet:
        query = query.where(Broadcast.urgent.is_(True))
    if broadcast_id is not None:
        query = query.where(Delivery.broadcast_id == broadcast_id)
    for lane_key in exclude_lanes:
        query = query.where(not_(_on_lane(lane_key)))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=Delivery)
    ids = list(session.execute(query).scalars())
    if not ids:
        return []
    session.execute(
        update(Delivery)
        .where(Delivery.id.in_(ids), _claimable(now, lease))
        .values(status=DeliveryStatus.SENDING, claimed_by=worker_id, claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    rows = session.execute(
        select(
            Delivery.id,
            Delivery.broadcast_id,
            Delivery.account_id,
            ChatAccount.channel,
            ChatAccount.external_id,
            ChatAccount.active,
            Broadcast.text,
            Broadcast.ask_receipt,
            Broadcast.urgent,
            Delivery.attempts,
            Broadcast.kind,
            Broadcast.idempotency_key,
            Delivery.chunks_sent,
            Delivery.route,
            Delivery.phone,
            Delivery.student_id,
            School.name,
        )
        .join(Broadcast, Broadcast.id == Delivery.broadcast_id)
        .outerjoin(ChatAccount, ChatAccount.id == Delivery.account_id)
        .outerjoin(School, School.id == Broadcast.school_id)
        .where(
            Delivery.id.in_(ids),
            Delivery.status == DeliveryStatus.SENDING,
            Delivery.claimed_by == worker_id,
            Delivery.claimed_at == now,
        )
        .order_by(Broadcast.urgent.desc(), Delivery.not_before, Delivery.id)
    ).all()
    return [
        Claim(
            delivery_id=row[0],
            broadcast_id=row[1],
            account_id=row[2],
            channel=_sender_of(row[13], row[3]),
            external_id=row[14] if row[13] == Route.ZNS.value else row[4],
            account_active=True if row[13] == Route.ZNS.value else bool(row[5]),
            text=row[6],
            ask_receipt=bool(row[7]),
            urgent=bool(row[8]),
            attempts=row[9],
            kind=row[10],
            key=row[11],
            chunks_sent=row[12] or 0,
            route=row[13],
            student_id=row[15],
            school_name=row[16] or "",
        )
        for row in rows
    ]


def _on_lane(lane_key: str) -> ColumnElement:
    """Deliveries sent through the bot ``lane_key`` (see :func:`chatbot.channels.lane`); ZNS
    deliveries (a phone, maybe no account) are the ``zns`` lane."""
    channel, _, school = lane_key.partition(":")
    if channel == SENDER_OF[Route.ZNS]:
        return Delivery.route == Route.ZNS.value
    not_zns = or_(Delivery.route.is_(None), Delivery.route != Route.ZNS.value)
    if school:
        on_bot = ChatAccount.external_id.startswith(f"{school}:", autoescape=True)
    else:
        on_bot = not_(ChatAccount.external_id.contains(":", autoescape=True))
    # ChatAccount.id first: a delivery without an account is on no chat lane (never NULL).
    return and_(ChatAccount.id.is_not(None), ChatAccount.channel == channel, on_bot, not_zns)


def _sender_of(route: str | None, channel: object) -> str:
    if route is not None and route in Route._value2member_map_:
        return SENDER_OF[Route(route)]
    return channel.value if hasattr(channel, "value") else str(channel)


def _update_claimed(
    session: Session, worker_id: str, which: ColumnElement, values: dict[str, object]
) -> int:
    """Set ``values`` on the deliveries ``which`` picks that ``worker_id`` still has claimed."""
    result = session.execute(
        update(Delivery)
        .where(which, Delivery.status == DeliveryStatus.SENDING, Delivery.claimed_by == worker_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def renew(session: Session, worker_id: str, delivery_ids: list[int], now: datetime | None = None) -> int:
    """Extend this worker's claims on ``delivery_ids`` (a heartbeat); returns rows renewed."""
    if not delivery_ids:
        return 0
    return _update_claimed(
        session, worker_id, Delivery.id.in_(delivery_ids), {"claimed_at": now or utcnow()}
    )


def release(session: Session, worker_id: str, delivery_ids: list[int]) -> int:
    """Give back claims that were never sent (a worker stopping); they become pending again."""
    if not delivery_ids:
        return 0
    values: dict[str, object] = {
        "status": DeliveryStatus.PENDING,
        "claimed_by": None,
        "claimed_at": None,
    }
    return _update_claimed(session, worker_id, Delivery.id.in_(delivery_ids), values)


def mark_sent(session: Session, delivery_id: int, now: datetime | None = None, cost_vnd: int = 0) -> None:
    """Record a confirmed send (whoever holds the claim now: the message did go out)."""
    session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id, Delivery.status != DeliveryStatus.SENT)
        .values(
            status=DeliveryStatus.SENT,
            sent_at=now or utcnow(),
            attempts=Delivery.attempts + 1,
            last_error=None,
            cost_vnd=cost_vnd,
        )
        .execution_options(synchronize_session=False)
    )


def mark_retry(
    session: Session,
    delivery_id: int,
    worker_id: str,
    *,
    not_before: datetime,
    error: str,
    count_attempt: bool = True,
    chunks_sent: int | None = None,
) -> None:
    """Put a claimed delivery back to pending until ``not_before``.

    ``chunks_sent`` records how far a long message got, so the retry resumes there.
    """
    values: dict[str, object] = {
        "status": DeliveryStatus.PENDING,
        "not_before": not_before,
        "last_error": error[:ERROR_LIMIT],
        "claimed_by": None,
        "claimed_at": None,
    }
    if count_attempt:
        values["attempts"] = Delivery.attempts + 1
    if chunks_sent is not None:
        values["chunks_sent"] = chunks_sent
    _update_claimed(session, worker_id, Delivery.id == delivery_id, values)


def mark_failed(
    session: Session,
    delivery_id: int,
    worker_id: str,
    *,
    error: str,
    count_attempt: bool = True,
    chunks_sent: int | None = None,
) -> None:
    """Give up on a claimed delivery."""
    values: dict[str, object] = {"status": DeliveryStatus.FAILED, "last_error": error[:ERROR_LIMIT]}
    if count_attempt:
        values["attempts"] = Delivery.attempts + 1
    if chunks_sent is not None:
        values["chunks_sent"] = chunks_sent
    _update_claimed(session, worker_id, Delivery.id == delivery_id, values)


def reroute(
    session: Session,
    delivery_id: int,
    worker_id: str,
    *,
    route: str,
    reason: str,
    error: str,
    now: datetime,
    phone: str | None = None,
) -> None:
    """Send a claimed delivery again at once by ``route`` (the previous one failed)."""
    values: dict[str, object] = {
        "status": DeliveryStatus.PENDING,
        "route": route,
        "route_reason": reason[:120],
        "not_before": now,
        "last_error": error[:ERROR_LIMIT],
        "claimed_by": None,
        "claimed_at": None,
        "chunks_sent": 0,
    }
    if phone is not None:
        values["phone"] = phone
    _update_claimed(session, worker_id, Delivery.id == delivery_id, values)


def deactivate_account(session: Session, account_id: int, reason: str) -> int:
    """Deactivate an account that can no longer be reached; fail its other pending deliveries."""
    session.execute(
        update(ChatAccount)
        .where(ChatAccount.id == account_id)
        .values(active=False, deactivated_reason=reason[:REASON_LIMIT])
        .execution_options(synchronize_session=False)
    )
    result = session.execute(
        update(Delivery)
        .where(Delivery.account_id == account_id, Delivery.status == DeliveryStatus.PENDING)
        .values(status=DeliveryStatus.FAILED, last_error=f"account deactivated: {reason}"[:ERROR_LIMIT])
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


@dataclass(frozen=True)
class Backlog:
    """Unfinished deliveries: due now (stale claims included), held for later, being sent."""

    due: int
    later: int
    sending: int
    next_at: datetime | None

    @property
    def empty(self) -> bool:
        return self.due == 0 and self.later == 0 and self.sending == 0


def backlog(
    session: Session,
    channels: list[str] | set[str],
    *,
    lease: timedelta,
    now: datetime | None = None,
    broadcast_id: int | None = None,
) -> Backlog:
    """How much is left to send on ``channels`` (optionally for one broadcast)."""
    now = now or utcnow()
    prefer_hash_joins(session)
    ready = case(
        (and_(Delivery.status == DeliveryStatus.PENDING, Delivery.not_before <= now), 1),
        (and_(Delivery.status == DeliveryStatus.SENDING, Delivery.claimed_at < now - lease), 1),
        else_=0,
    )
    query = (
        select(
            Delivery.status,
            func.count(),
            func.sum(ready),
            func.min(case((Delivery.not_before > now, Delivery.not_before), else_=None)),
        )
        .outerjoin(ChatAccount, ChatAccount.id == Delivery.account_id)
        .where(
            Delivery.status.in_([DeliveryStatus.PENDING, DeliveryStatus.SENDING]),
            on_channels(channels),
        )
        .group_by(Delivery.status)
    )
    if broadcast_id is not None:
        query = query.where(Delivery.broadcast_id == broadcast_id)
    due = later = sending = 0
    next_at: datetime | None = None
    for status, count, ready_count, earliest in session.execute(query):
        due += int(ready_count or 0)
        if status == DeliveryStatus.SENDING:
            sending += count - int(ready_count or 0)
        else:
            later += count - int(ready_count or 0)
            next_at = earliest
    return Backlog(due, later, sending, next_at)
