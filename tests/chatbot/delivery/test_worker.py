"""The worker against an in-test sender: retries, backoff, deactivation, crash-resume, stop."""

from __future__ import annotations

import asyncio
import random
from datetime import datetime, timedelta

import pytest
from sqlalchemy import update

from chatbot.db.engine import get_engine, session_scope
from chatbot.db.models import BroadcastKind, Channel, ChatAccount, Delivery, DeliveryStatus
from chatbot.delivery.outbound import SendResult
from chatbot.delivery.worker import DeliveryWorker, Outcome, WorkerOptions, backoff_seconds
from chatbot.settings import TIMEZONE
from tests.chatbot.delivery.conftest import SchoolData, ScriptedSender, add_account, fast_limiters
from tests.chatbot.delivery.helpers import Clock, deliveries, queue

DAY = datetime(2026, 3, 10, 9, 0, tzinfo=TIMEZONE)
OPTIONS = WorkerOptions(batch_size=4, concurrency=3, max_attempts=3, backoff_base=10, poll_interval=0.05)


def worker(sender: ScriptedSender, clock: Clock, **kw: object) -> DeliveryWorker:
    return DeliveryWorker(
        {sender.channel: sender}, kw.pop("options", OPTIONS),  # type: ignore[arg-type]
        limiters=fast_limiters(sender.channel), clock=clock, rng=random.Random(7), **kw,  # type: ignore[arg-type]
    )


def parents(school: SchoolData) -> list[int]:
    return [i for name, i in school.accounts.items() if name.startswith("p-")]


async def test_sends_every_delivery_once_with_receipt_button(school: SchoolData) -> None:
    queued = queue(parents(school), now=DAY, ask_receipt=True)
    sender, clock = ScriptedSender(), Clock(DAY)
    stats = await worker(sender, clock).drain()
    assert stats[Outcome.SENT] == 9
    assert sorted(sender.delivered_to()) == sorted(n for n in school.accounts if n.startswith("p-"))
    rows = deliveries(queued.broadcast_id)
    assert {d.status for d in rows.values()} == {DeliveryStatus.SENT}
    assert {d.attempts for d in rows.values()} == {1}
    external, message = sender.sent[0]
    delivery = rows[school.accounts[external]]
    assert message.buttons[0].title == "Đã nhận"
    assert message.buttons[0].payload == f'/broadcast_received{{"delivery_id": {delivery.id}}}'
    assert await worker(sender, clock).drain() == {}  # nothing is sent twice


async def test_rate_limited_send_waits_for_retry_after(school: SchoolData) -> None:
    account = school.accounts["p-6A-1"]
    queue([account], now=DAY)
    sender, clock = ScriptedSender(), Clock(DAY)
    sender.answer("p-6A-1", SendResult(ok=False, retry_after=30, error="rate limited"))
    assert (await worker(sender, clock).drain())[Outcome.RATE_LIMITED] == 1
    row = deliveries()[account]
    assert row.status == DeliveryStatus.PENDING
    assert row.not_before == DAY + timedelta(seconds=30)
    assert row.attempts == 0  # a refused request is not an attempt
    clock.advance(seconds=29)
    assert await worker(sender, clock).drain() == {}
    clock.advance(seconds=1)
    assert (await worker(sender, clock).drain())[Outcome.SENT] == 1
    assert sender.calls == ["p-6A-1", "p-6A-1"]


async def test_rate_limit_pauses_the_channel(school: SchoolData) -> None:
    from chatbot.delivery.limits import ChannelLimiter, Spacer

    queue([school.accounts["p-6A-1"]], now=DAY)
    sender = ScriptedSender()
    sender.answer("p-6A-1", SendResult(ok=False, retry_after=3, error="rate limited"))
    spacer = Spacer(1000)
    limiters = {"telegram": ChannelLimiter(spacer, max_pause=60)}
    await DeliveryWorker({"telegram": sender}, OPTIONS, limiters=limiters, clock=Clock(DAY)).drain()
    assert spacer.paused


async def test_transient_failures_back_off_then_give_up(school: SchoolData) -> None:
    account = school.accounts["p-6A-1"]
    queue([account], now=DAY)
    sender, clock = ScriptedSender(), Clock(DAY)
    sender.answer("p-6A-1", *[SendResult(ok=False, error="HTTP 502")] * 3)
    assert (await worker(sender, clock).drain())[Outcome.RETRY] == 1
    first = deliveries()[account]
    assert first.attempts == 1 and first.last_error == "HTTP 502"
    assert DAY + timedelta(seconds=8) <= first.not_before <= DAY + timedelta(seconds=12)
    clock.now = first.not_before
    await worker(sender, clock).drain()
    second = deliveries()[account]
    assert second.attempts == 2
    assert clock.now + timedelta(seconds=16) <= second.not_before <= clock.now + timedelta(seconds=24)
    clock.now = second.not_before
    assert (await worker(sender, clock).drain())[Outcome.FAILED] == 1
    final = deliveries()[account]
    assert (final.status, final.attempts, final.last_error) == (DeliveryStatus.FAILED, 3, "HTTP 502")


def test_backoff_grows_and_is_capped() -> None:
    options = WorkerOptions(backoff_base=5, backoff_max=60, backoff_jitter=0)
    rng = random.Random(1)
    assert [backoff_seconds(n, options, rng) for n in (1, 2, 3, 4, 5)] == [5, 10, 20, 40, 60]


async def test_timeouts_and_sender_errors_are_transient(school: SchoolData) -> None:
    queue([school.accounts["p-6A-1"], school.accounts["p-6A-2"]], now=DAY)

    class Flaky(ScriptedSender):
        async def send(self, external_id, message):  # noqa: ANN001, ANN201
            if external_id == "p-6A-1":
                await asyncio.sleep(5)
            raise ConnectionError("boom")

    options = WorkerOptions(send_timeout=0.05, poll_interval=0.05)
    stats = await worker(Flaky(), Clock(DAY), options=options).drain()
    assert stats[Outcome.RETRY] == 2
    errors = {d.last_error for d in deliveries().values()}
    assert errors == {"timed out", "sender error ConnectionError"}


async def test_permanent_failure_deactivates_the_account(school: SchoolData) -> None:
    account = school.accounts["p-6A-1"]
    queue([account, school.accounts["p-6A-2"]], key="first", now=DAY)
    later = queue([account], key="second", now=DAY + timedelta(hours=1))
    sender, clock = ScriptedSender(), Clock(DAY)
    sender.answer("p-6A-1", SendResult(ok=False, permanent=True, error="forbidden: bot blocked"))
    stats = await worker(sender, clock).drain()
    assert (stats[Outcome.DEACTIVATED], stats[Outcome.SENT]) == (1, 1)
    with session_scope() as session:
        row = session.get(ChatAccount, account)
        assert row is not None
        assert (row.active, row.deactivated_reason) == (False, "forbidden: bot blocked")
    assert deliveries(later.broadcast_id)[account].status == DeliveryStatus.FAILED
    clock.advance(hours=2)
    assert await worker(sender, clock).drain() == {}
    assert sender.calls.count("p-6A-1") == 1


async def test_inactive_account_fails_without_sending(school: SchoolData) -> None:
    queue([school.accounts["p-6A-1"]], now=DAY)
    with session_scope() as session:
        session.execute(update(ChatAccount).values(active=False, deactivated_reason="left"))
    sender = ScriptedSender()
    assert (await worker(sender, Clock(DAY)).drain())[Outcome.FAILED] == 1
    assert sender.calls == []


async def test_crash_resume_takes_over_stale_claims_only(school: SchoolData) -> None:
    names = ["p-6A-1", "p-6A-2", "p-6A-3", "p-6B-1"]
    queued = queue([school.accounts[n] for n in names], now=DAY)
    rows = deliveries(queued.broadcast_id)
    crash = DAY + timedelta(minutes=1)
    states = {
        "p-6A-1": dict(status=DeliveryStatus.SENT, sent_at=crash, attempts=1, claimed_by="dead"),
        "p-6A-2": dict(status=DeliveryStatus.SENDING, claimed_by="dead", claimed_at=crash),
        "p-6A-3": dict(
            status=DeliveryStatus.SENDING, claimed_by="alive", claimed_at=crash + timedelta(seconds=50)
        ),
    }
    with session_scope() as session:
        for name, values in states.items():
            session.execute(
                update(Delivery).where(Delivery.id == rows[school.accounts[name]].id).values(**values)
            )
    sender = ScriptedSender()
    clock = Clock(crash + timedelta(seconds=61))  # "dead" claimed 61 s ago; the lease is 60 s
    stats = await worker(sender, clock).drain()
    assert sorted(sender.delivered_to()) == ["p-6A-2", "p-6B-1"]
    assert stats[Outcome.SENT] == 2
    assert deliveries()[school.accounts["p-6A-3"]].claimed_by == "alive"


async def test_stop_finishes_in_flight_sends_and_releases_the_rest(school: SchoolData) -> None:
    queue(parents(school), now=DAY)
    started, release = asyncio.Event(), asyncio.Event()
    in_flight = 0

    class Slow(ScriptedSender):
        async def send(self, external_id, message):  # noqa: ANN001, ANN201
            nonlocal in_flight
            in_flight += 1
            if in_flight == options.concurrency:  # both slots busy: now stop
                started.set()
            await release.wait()
            return await super().send(external_id, message)

    sender, stop = Slow(), asyncio.Event()
    options = WorkerOptions(batch_size=6, concurrency=2, poll_interval=0.05)
    task = asyncio.create_task(worker(sender, Clock(DAY), options=options).run(stop))
    await started.wait()
    stop.set()
    await asyncio.sleep(0.05)
    release.set()
    stats = await asyncio.wait_for(task, 10)
    rows = deliveries().values()
    sent = [d for d in rows if d.status == DeliveryStatus.SENT]
    assert len(sent) == stats[Outcome.SENT] == len(sender.sent) == 2  # the two in flight
    others = [d for d in rows if d.status != DeliveryStatus.SENT]
    assert {(d.status, d.claimed_by) for d in others} == {(DeliveryStatus.PENDING, None)}


async def test_alerts_go_at_night_announcements_wait(school: SchoolData) -> None:
    night = datetime(2026, 3, 10, 23, 0, tzinfo=TIMEZONE)
    calm = queue([school.accounts["p-6A-1"]], key="calm", now=night - timedelta(hours=3))
    alert = queue(
        [school.accounts["teacher"]], key="alert", now=night, urgent=True, kind=BroadcastKind.ALERT
    )
    sender = ScriptedSender()
    await worker(sender, Clock(night)).drain()
    assert sender.delivered_to() == ["t-lan"]
    assert deliveries(alert.broadcast_id)[school.accounts["teacher"]].status == DeliveryStatus.SENT
    held = deliveries(calm.broadcast_id)[school.accounts["p-6A-1"]]
    assert held.status == DeliveryStatus.PENDING
    assert held.not_before == datetime(2026, 3, 11, 6, 0, tzinfo=TIMEZONE)


async def test_retry_of_a_reminder_is_not_scheduled_into_quiet_hours(school: SchoolData) -> None:
    evening = datetime(2026, 3, 10, 20, 59, 55, tzinfo=TIMEZONE)
    queue([school.accounts["p-6A-1"]], now=evening)
    sender = ScriptedSender()
    sender.answer("p-6A-1", SendResult(ok=False, error="HTTP 500"))
    await worker(sender, Clock(evening)).drain()
    assert deliveries()[school.accounts["p-6A-1"]].not_before == datetime(2026, 3, 11, 6, 0, tzinfo=TIMEZONE)


async def test_each_channel_goes_through_its_own_sender(school: SchoolData) -> None:
    with session_scope() as session:
        zalo = add_account(session, "z-1", [school.students[("6A", 1)]], channel=Channel.ZALO)
        orphan = add_account(session, "zb-1", [school.students[("6A", 1)]], channel=Channel.ZALO_BOT)
    queue([school.accounts["p-6A-1"], zalo, orphan], now=DAY)
    telegram, zalo_sender = ScriptedSender("telegram"), ScriptedSender("zalo")
    pool = DeliveryWorker(
        {"telegram": telegram, "zalo": zalo_sender}, OPTIONS,
        limiters=fast_limiters("telegram", "zalo"), clock=Clock(DAY),
    )
    assert (await pool.drain())[Outcome.SENT] == 2
    assert (telegram.delivered_to(), zalo_sender.delivered_to()) == (["p-6A-1"], ["z-1"])
    assert deliveries()[orphan].status == DeliveryStatus.PENDING  # no zalo_bot sender here


@pytest.mark.parametrize("any_db", ["postgresql"], indirect=True)
async def test_two_workers_share_the_outbox_without_duplicates(any_school: SchoolData) -> None:
    with session_scope() as session:
        extra = [
            add_account(session, f"x-{n}", [any_school.students[("6A", 1)]]) for n in range(40)
        ]
    queue(parents(any_school) + extra, now=DAY)
    first, second = ScriptedSender(), ScriptedSender()
    options = WorkerOptions(batch_size=5, concurrency=2, poll_interval=0.01)
    assert get_engine().dialect.name == "postgresql"  # SQLite runs a single worker
    await asyncio.gather(
        worker(first, Clock(DAY), options=options).drain(),
        worker(second, Clock(DAY), options=options).drain(),
    )
    everyone = first.delivered_to() + second.delivered_to()
    assert len(everyone) == len(set(everyone)) == 49
    assert first.sent and second.sent


async def test_incident_alerts_carry_the_handled_button(school: SchoolData) -> None:
    queue(
        [school.accounts["teacher"]], key="incident:SC-2026-000123", now=DAY, urgent=True,
        kind=BroadcastKind.ALERT,
    )
    sender = ScriptedSender()
    await worker(sender, Clock(DAY)).drain()
    ((_, message),) = sender.sent
    assert [(b.title, b.payload) for b in message.buttons] == [
        ("Đã xử lý", '/mark_handled{"incident_reference":"SC-2026-000123"}')
    ]
