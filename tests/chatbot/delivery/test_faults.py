"""Delivery faults: chunk progress, per-recipient limits, the attempt cap for worker errors."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest
from typer.testing import CliRunner

from chatbot.db.engine import session_scope
from chatbot.db.models import Channel, DeliveryStatus
from chatbot.delivery.limits import ChannelLimiter, Spacer
from chatbot.delivery.outbound import SendResult
from chatbot.delivery.worker import DeliveryWorker, Outcome, WorkerOptions
from chatbot.settings import reset_settings
from cli import app
from connectors.senders import build_senders
from tests.chatbot.delivery.conftest import (
    Fakes,
    SchoolData,
    ScriptedSender,
    add_account,
    fast_limiters,
    make_school,
)
from tests.chatbot.delivery.helpers import Clock, deliveries, queue
from tests.fakes.base import Failure
from tests.fakes.zalo_api import zalo_error

LONG_NOTICE = "\n".join(
    f"Dòng {n:03d}: nhà trường thông báo lịch học trực tuyến của tuần sau." for n in range(300)
)  # about 20,000 characters: 5 Telegram chunks, 10 Zalo chunks


async def drain(channel: str, clock: Clock, **limits: ChannelLimiter) -> dict[Outcome, int]:
    senders = build_senders()
    try:
        worker = DeliveryWorker(
            {channel: senders[channel]}, WorkerOptions(poll_interval=0.05, max_attempts=3),
            clock=clock, limiters=limits or None,
        )
        return dict(await worker.drain())
    finally:
        for sender in senders.values():
            await sender.aclose()


def _count(texts: list[str]) -> dict[str, int]:
    counted: dict[str, int] = {}
    for text in texts:
        counted[text] = counted.get(text, 0) + 1
    return counted


async def test_telegram_retry_resumes_at_the_first_unsent_chunk(fakes: Fakes) -> None:
    school = make_school(classes={"6A": 6}, students_per_class=1)
    account = school.accounts["p-6A-1"]
    clock = Clock(datetime.now(timezone.utc))
    queue([account], text=LONG_NOTICE, now=clock.now, ask_receipt=True)
    fakes.telegram.fail("sendMessage", Failure(status=502, body={"ok": False}, after=2))

    assert await drain("telegram", clock) == {Outcome.RETRY: 1}
    row = deliveries()[account]
    assert (row.status, row.chunks_sent, row.attempts) == (DeliveryStatus.PENDING, 2, 1)

    clock.now = row.not_before
    assert await drain("telegram", clock) == {Outcome.SENT: 1}
    calls = fakes.telegram.calls("sendMessage")
    texts = [c.params["text"] for c in calls]
    assert len(texts) == 6  # five chunks and the failed third one
    assert set(_count(texts).values()) == {1, 2} and _count(texts)[texts[2]] == 2
    delivered = texts[:2] + texts[3:]
    assert "\n".join(delivered) == LONG_NOTICE
    assert ["reply_markup" in c.params for c in calls] == [False] * 5 + [True]


async def test_zalo_retry_resumes_at_the_first_unsent_chunk(fakes: Fakes) -> None:
    school = make_school(classes={"6A": 6}, students_per_class=1)
    with session_scope() as session:
        account = add_account(session, "z-1", [school.students[("6A", 1)]], channel=Channel.ZALO)
    clock = Clock(datetime.now(timezone.utc))
    queue([account], text=LONG_NOTICE, now=clock.now)
    fakes.zalo.fail("message/cs", Failure(status=503, body={"error": "unavailable"}, after=4))

    assert await drain("zalo", clock) == {Outcome.RETRY: 1}
    assert deliveries()[account].chunks_sent == 4
    clock.now = deliveries()[account].not_before
    assert await drain("zalo", clock) == {Outcome.SENT: 1}
    texts = [m["text"] for m in fakes.zalo.sent("z-1")]
    assert texts[4] == texts[5]  # only the failed chunk went twice
    assert "\n".join(texts[:4] + texts[5:]) == LONG_NOTICE


async def test_one_recipients_quota_does_not_pause_the_zalo_channel(fakes: Fakes) -> None:
    school = make_school(classes={"6A": 6}, students_per_class=2)
    with session_scope() as session:
        full = add_account(session, "z-full", [school.students[("6A", 1)]], channel=Channel.ZALO)
        fine = add_account(session, "z-fine", [school.students[("6A", 2)]], channel=Channel.ZALO)
    fakes.zalo.user_errors["z-full"] = -218  # this user's quota from the OA is used up
    clock = Clock(datetime.now(timezone.utc))
    queue([full, fine], now=clock.now)
    spacer = Spacer(1000)

    stats = await drain("zalo", clock, zalo=ChannelLimiter(spacer, max_pause=60))

    assert stats == {Outcome.SENT: 1, Outcome.RATE_LIMITED: 1}
    assert not spacer.paused  # the channel goes on for everyone else
    waiting, sent = deliveries()[full], deliveries()[fine]
    assert sent.status == DeliveryStatus.SENT
    assert waiting.status == DeliveryStatus.PENDING
    assert waiting.not_before == clock.now + timedelta(seconds=3600)
    assert waiting.attempts == 1 and "-218" in (waiting.last_error or "")


async def test_a_channel_wide_quota_still_pauses_the_channel(fakes: Fakes) -> None:
    school = make_school(classes={"6A": 6}, students_per_class=1)
    with session_scope() as session:
        account = add_account(session, "z-1", [school.students[("6A", 1)]], channel=Channel.ZALO)
    fakes.zalo.fail("message/cs", zalo_error(-211))
    clock = Clock(datetime.now(timezone.utc))
    queue([account], now=clock.now)
    spacer = Spacer(1000)
    assert await drain("zalo", clock, zalo=ChannelLimiter(spacer, max_pause=60)) == {
        Outcome.RATE_LIMITED: 1
    }
    assert spacer.paused
    assert deliveries()[account].attempts == 0


async def test_recipient_limits_count_as_attempts_and_end(school: SchoolData) -> None:
    account = school.accounts["p-6A-1"]
    now = datetime(2026, 3, 10, 9, 0, tzinfo=timezone.utc)
    queue([account], now=now)
    sender, clock = ScriptedSender(), Clock(now)
    limited = SendResult(ok=False, retry_after=60, recipient_only=True, error="quota")
    sender.answer("p-6A-1", limited, limited)
    options = WorkerOptions(max_attempts=2, poll_interval=0.05)
    for expected in (Outcome.RATE_LIMITED, Outcome.FAILED):
        limiters = fast_limiters("telegram")
        worker = DeliveryWorker({"telegram": sender}, options, limiters=limiters, clock=clock)
        assert await worker.drain() == {expected: 1}
        clock.advance(seconds=60)
    assert deliveries()[account].status == DeliveryStatus.FAILED


class BrokenLimiter(ChannelLimiter):
    """A limiter whose store fails (a Redis outage, a bug): an error outside the sender."""

    async def acquire(self, chat: str) -> None:
        raise ConnectionError("limiter store unreachable")


@pytest.fixture
def three_attempts(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("DELIVERY_MAX_ATTEMPTS", "3")
    reset_settings()
    yield
    reset_settings()


async def test_unexpected_worker_errors_give_up_after_the_attempt_cap(
    school: SchoolData, three_attempts: None
) -> None:
    account = school.accounts["p-6A-1"]
    queued = queue([account], now=datetime(2026, 3, 10, 3, 0, tzinfo=timezone.utc))
    clock = Clock(datetime(2026, 3, 10, 3, 0, tzinfo=timezone.utc))  # 10:00 in Vietnam
    outcomes = []
    for _ in range(6):  # today's worker would retry for ever
        worker = DeliveryWorker(
            {"telegram": ScriptedSender()}, WorkerOptions(poll_interval=0.05),
            limiters={"telegram": BrokenLimiter(Spacer(1000))}, clock=clock, rng=random.Random(3),
        )
        outcomes.append(dict(await worker.drain()))
        row = deliveries()[account]
        if row.status == DeliveryStatus.FAILED:
            break
        clock.now = row.not_before
    assert outcomes == [{Outcome.RETRY: 1}, {Outcome.RETRY: 1}, {Outcome.FAILED: 1}]
    row = deliveries()[account]
    assert (row.attempts, row.last_error) == (3, "worker error ConnectionError")

    status = CliRunner().invoke(app, ["broadcast", "status", str(queued.broadcast_id)])
    assert status.exit_code == 0, status.output
    assert "Lý do lỗi" in status.output and "worker error ConnectionError" in status.output
