"""The daily budget of paid Zalo routes (``ZNS_DAILY_BUDGET_VND``).

Before a paid message is sent its price is reserved on today's ``zalo_spend`` row with one
conditional ``UPDATE`` (``spent + price <= budget``), so workers sharing the database never
overspend; a send that fails gives the money back. When the budget is reached, the paid
deliveries left wait until the next local day (queued, visible in ``chatbot zalo budget``,
and resumable at once with ``chatbot zalo budget --resume`` after raising the budget), and
school staff are alerted once that day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from chatbot.db.models import Delivery, DeliveryStatus, ZaloSpend
from chatbot.settings import TIMEZONE, get_settings

BUDGET_HELD = "daily budget reached"  # Delivery.last_error of deliveries waiting for tomorrow


def local_day(now: datetime) -> date:
    return now.astimezone(TIMEZONE).date()


def next_day_start(now: datetime) -> datetime:
    """The next local midnight, as an aware datetime."""
    tomorrow = local_day(now) + timedelta(days=1)
    return datetime.combine(tomorrow, time(0, 0), tzinfo=TIMEZONE)


def _ensure_row(session: Session, day: date) -> None:
    if session.get(ZaloSpend, day) is not None:
        return
    try:
        with session.begin_nested():
            session.add(ZaloSpend(day=day, spent_vnd=0))
            session.flush()
    except IntegrityError:
        pass


def reserve(session: Session, price: int, now: datetime) -> bool:
    """Reserve ``price`` VND of today's budget; False when it would be exceeded."""
    if price <= 0:
        return True
    budget = get_settings().zalo_routes.daily_budget_vnd
    day = local_day(now)
    _ensure_row(session, day)
    result = session.execute(
        update(ZaloSpend)
        .where(ZaloSpend.day == day, ZaloSpend.spent_vnd + price <= budget)
        .values(spent_vnd=ZaloSpend.spent_vnd + price)
        .execution_options(synchronize_session=False)
    )
    return (result.rowcount or 0) == 1


def refund(session: Session, price: int, now: datetime) -> None:
    """Give back a reservation whose message was not sent (not charged)."""
    if price <= 0:
        return
    session.execute(
        update(ZaloSpend)
        .where(ZaloSpend.day == local_day(now), ZaloSpend.spent_vnd >= price)
        .values(spent_vnd=ZaloSpend.spent_vnd - price)
        .execution_options(synchronize_session=False)
    )


def first_alert_today(session: Session, now: datetime) -> bool:
    """True once a day: the caller alerts staff that the budget ran out."""
    day = local_day(now)
    _ensure_row(session, day)
    result = session.execute(
        update(ZaloSpend)
        .where(ZaloSpend.day == day, ZaloSpend.alerted_at.is_(None))
        .values(alerted_at=now)
        .execution_options(synchronize_session=False)
    )
    return (result.rowcount or 0) == 1


@dataclass(frozen=True)
class BudgetState:
    day: date
    budget_vnd: int
    spent_vnd: int
    held: int  # paid deliveries waiting for the next day

    @property
    def left_vnd(self) -> int:
        return max(self.budget_vnd - self.spent_vnd, 0)


def state(session: Session, now: datetime) -> BudgetState:
    day = local_day(now)
    row = session.get(ZaloSpend, day)
    held = session.execute(
        select(func.count()).select_from(Delivery).where(
            Delivery.status == DeliveryStatus.PENDING, Delivery.last_error == BUDGET_HELD
        )
    ).scalar_one()
    return BudgetState(day, get_settings().zalo_routes.daily_budget_vnd, row.spent_vnd if row else 0, held)


def resume(session: Session, now: datetime) -> int:
    """Make the deliveries held by the budget due now (after staff raised the budget)."""
    result = session.execute(
        update(Delivery)
        .where(Delivery.status == DeliveryStatus.PENDING, Delivery.last_error == BUDGET_HELD)
        .values(not_before=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0
