from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from chatbot.db.engine import get_engine, session_scope
from chatbot.db.models import Broadcast, Delivery, DeliveryStatus
from chatbot.delivery import outbox
from chatbot.settings import TIMEZONE
from tests.chatbot.delivery.conftest import SchoolData
from tests.chatbot.delivery.helpers import deliveries, queue

DAY = datetime(2026, 3, 10, 9, 0, tzinfo=TIMEZONE)  # a Tuesday morning
LEASE = timedelta(seconds=60)


def parents(school: SchoolData) -> list[int]:
    return [i for name, i in school.accounts.items() if name.startswith("p-")]


def test_same_key_twice_gives_one_broadcast(any_school: SchoolData) -> None:
    first = queue(parents(any_school), key="same", now=DAY)
    second = queue(parents(any_school)[:2], key="same", text="khác", now=DAY)
    assert first.created and not second.created
    assert second.broadcast_id == first.broadcast_id
    assert second.recipients == first.recipients == 9
    with session_scope() as session:
        assert session.execute(select(func.count()).select_from(Broadcast)).scalar() == 1
        assert session.execute(select(func.count()).select_from(Delivery)).scalar() == 9


def test_concurrent_creation_with_one_key(any_school: SchoolData) -> None:
    barrier = threading.Barrier(4)
    results: list[outbox.Queued] = []

    def create() -> None:
        barrier.wait()
        results.append(queue(parents(any_school), key="race", now=DAY))

    threads = [threading.Thread(target=create) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({r.broadcast_id for r in results}) == 1
    assert sum(r.created for r in results) == 1
    assert len(deliveries()) == 9


def test_duplicate_accounts_get_one_delivery(school: SchoolData) -> None:
    account = school.accounts["p-6A-1"]
    assert queue([account, account, account], now=DAY).recipients == 1


def test_quiet_hours_hold_non_urgent_at_creation(school: SchoolData) -> None:
    night = datetime(2026, 3, 10, 22, 30, tzinfo=TIMEZONE)
    calm = queue([school.accounts["p-6A-1"]], key="calm", now=night)
    alert = queue([school.accounts["p-6A-1"]], key="alert", now=night, urgent=True)
    morning = datetime(2026, 3, 11, 6, 0, tzinfo=TIMEZONE)
    assert deliveries(calm.broadcast_id)[school.accounts["p-6A-1"]].not_before == morning
    assert deliveries(alert.broadcast_id)[school.accounts["p-6A-1"]].not_before == night


def claim(worker: str, now: datetime, limit: int = 100, **kw: object) -> list[outbox.Claim]:
    with session_scope() as session:
        return outbox.claim(
            session, worker, limit=limit, channels={"telegram"}, lease=LEASE, now=now, **kw  # type: ignore[arg-type]
        )


def test_claims_are_exclusive_and_stale_ones_are_taken_over(any_school: SchoolData) -> None:
    queued = queue(parents(any_school), now=DAY)
    first = claim("w1", DAY, limit=4)
    assert len(first) == 4 and all(c.text.startswith("Nhà trường") for c in first)
    second = claim("w2", DAY + timedelta(seconds=30))
    assert len(second) == 5
    assert not {c.delivery_id for c in first} & {c.delivery_id for c in second}
    assert claim("w3", DAY + timedelta(seconds=59)) == []  # w1's claims are still fresh
    taken = claim("w3", DAY + timedelta(seconds=61))  # w1 died: its claims went stale
    assert {c.delivery_id for c in taken} == {c.delivery_id for c in first}
    with session_scope() as session:
        owners = dict(
            session.execute(
                select(Delivery.id, Delivery.claimed_by).where(Delivery.broadcast_id == queued.broadcast_id)
            ).all()
        )
    assert {owners[c.delivery_id] for c in taken} == {"w3"}


@pytest.mark.parametrize("any_db", ["postgresql"], indirect=True)
def test_postgres_claimers_skip_locked_rows(any_school: SchoolData) -> None:
    assert get_engine().dialect.name == "postgresql"  # SQLite runs a single worker
    queue(parents(any_school), now=DAY)
    with session_scope() as holding:  # w1's claim transaction stays open while w2 claims
        mine = outbox.claim(holding, "w1", limit=3, channels={"telegram"}, lease=LEASE, now=DAY)
        theirs = claim("w2", DAY)
        assert len(mine) == 3 and len(theirs) == 6
        assert not {c.delivery_id for c in mine} & {c.delivery_id for c in theirs}


def test_renew_release_and_backlog(school: SchoolData) -> None:
    queue(parents(school), now=DAY)
    claims = claim("w1", DAY, limit=2)
    ids = [c.delivery_id for c in claims]
    with session_scope() as session:
        assert outbox.renew(session, "w1", ids, DAY + timedelta(seconds=50)) == 2
        assert outbox.renew(session, "other", ids, DAY) == 0
    assert claim("w2", DAY + timedelta(seconds=70), limit=100) != []  # only the 7 others
    with session_scope() as session:
        left = outbox.backlog(session, {"telegram"}, lease=LEASE, now=DAY + timedelta(seconds=70))
        assert (left.due, left.sending) == (0, 9)
        assert outbox.release(session, "w1", ids) == 2
        left = outbox.backlog(session, {"telegram"}, lease=LEASE, now=DAY + timedelta(seconds=70))
        assert (left.due, left.sending, left.later) == (2, 7, 0)
        assert outbox.backlog(session, {"zalo"}, lease=LEASE, now=DAY).empty


def test_quiet_hours_claim_only_urgent_and_move_the_rest(school: SchoolData) -> None:
    evening = datetime(2026, 3, 10, 20, 50, tzinfo=TIMEZONE)
    calm = queue([school.accounts["p-6A-1"]], key="calm", now=evening)
    alert = queue([school.accounts["p-6A-2"]], key="alert", now=evening, urgent=True)
    late = datetime(2026, 3, 10, 21, 10, tzinfo=TIMEZONE)
    claims = claim("w1", late)
    assert [c.broadcast_id for c in claims] == [alert.broadcast_id]
    held = deliveries(calm.broadcast_id)[school.accounts["p-6A-1"]]
    assert held.status == DeliveryStatus.PENDING
    assert held.not_before == datetime(2026, 3, 11, 6, 0, tzinfo=TIMEZONE)
    with session_scope() as session:
        outbox.mark_sent(session, claims[0].delivery_id, late)
    assert [c.broadcast_id for c in claim("w1", datetime(2026, 3, 11, 6, 0, tzinfo=TIMEZONE))] == [
        calm.broadcast_id
    ]


def test_urgent_deliveries_are_claimed_first(school: SchoolData) -> None:
    queue(parents(school), key="calm", now=DAY)
    alert = queue([school.accounts["p-7A-3"]], key="alert", now=DAY + timedelta(minutes=1), urgent=True)
    first = claim("w1", DAY + timedelta(minutes=2), limit=1)
    assert first[0].broadcast_id == alert.broadcast_id and first[0].urgent


def test_permanent_failure_deactivates_and_fails_the_rest(school: SchoolData) -> None:
    account = school.accounts["p-6A-1"]
    queue([account], key="a", now=DAY)
    queue([account], key="b", now=DAY)
    (first,) = claim("w1", DAY, limit=1)
    with session_scope() as session:
        outbox.mark_failed(session, first.delivery_id, "w1", error="forbidden")
        assert outbox.deactivate_account(session, account, "forbidden: bot blocked") == 1
    statuses = {d.status for d in deliveries().values()}
    assert statuses == {DeliveryStatus.FAILED}
    with session_scope() as session:
        session.execute(update(Delivery).values(status=DeliveryStatus.PENDING))
    assert claim("w1", DAY)[0].account_active is False
