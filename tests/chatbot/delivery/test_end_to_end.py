"""Broadcasts and reminders through the real senders to the fake Telegram and Zalo APIs."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from chatbot.db.engine import session_scope
from chatbot.db.models import Channel, ChatAccount, DeliveryStatus, ZaloFollow
from chatbot.delivery.reminders import reminder_text
from chatbot.delivery.worker import DeliveryWorker, Outcome, WorkerOptions
from chatbot.settings import PROJECT_ROOT, TIMEZONE
from cli import app
from connectors.senders import build_senders
from tests.chatbot.delivery.conftest import Fakes, SchoolData, add_account, add_entry, make_school
from tests.chatbot.delivery.helpers import Clock, all_statuses, deliveries, queue
from tests.fakes.base import Failure
from tests.fakes.telegram_api import telegram_error
from tests.fakes.zalo_api import zalo_error

NOTICE = "Thứ Hai tuần sau các con học trực tuyến, phụ huynh lưu ý giúp nhà trường."


def family_of_6a() -> SchoolData:
    school = make_school(classes={"6A": 6, "7A": 7}, students_per_class=2)
    with session_scope() as session:
        school.accounts["zalo"] = add_account(
            session, "z-6A-1", [school.students[("6A", 1)]], channel=Channel.ZALO
        )
        school.accounts["zalo_bot"] = add_account(
            session, "zb-6A-2", [school.students[("6A", 2)]], channel=Channel.ZALO_BOT
        )
    return school


def test_worker_process_sends_a_broadcast_and_a_reminder(fakes: Fakes, db: str) -> None:
    school = family_of_6a()
    starts = (datetime.now(TIMEZONE) + timedelta(minutes=10)).replace(second=0, microsecond=0)
    add_entry(school.classes["6A"], starts.weekday(), starts.time(), subject="Toán")
    result = CliRunner().invoke(
        app, ["broadcast", "--class", "6A", "--text", NOTICE, "--ask-receipt", "--sender", "cô Lan"]
    )
    assert result.exit_code == 0, result.output
    assert "cho 4 tài khoản" in result.output

    worker = subprocess.run(
        [sys.executable, "-m", "cli", "worker", "--exit-when-idle"],
        cwd=PROJECT_ROOT, env={**os.environ, **fakes.env()}, capture_output=True, text=True, timeout=120,
    )
    assert worker.returncode == 0, worker.stderr[-3000:]

    reminder = reminder_text("6A", "Toán", starts.time())
    for chat in ("p-6A-1", "p-6A-2"):
        assert sorted(fakes.telegram.sent_texts(chat)) == sorted([NOTICE, reminder])
    assert fakes.telegram.sent_texts("p-7A-1") == []
    zalo_texts = [m.get("text") for m in fakes.zalo.sent("z-6A-1")]
    assert sorted(zalo_texts) == sorted([NOTICE, reminder])
    bot_texts = fakes.zalo_bot.sent_texts("zb-6A-2")  # buttons become numbered choices there
    assert len(bot_texts) == 2 and reminder in bot_texts
    assert any(t.startswith(NOTICE) and "Đã nhận" in t for t in bot_texts)

    assert all_statuses() == ["sent"] * 8  # 4 accounts × (notice + reminder)
    notice_call = next(
        c for c in fakes.telegram.calls("sendMessage")
        if c.params.get("chat_id") == "p-6A-1" and c.params.get("text") == NOTICE
    )
    (button,) = [b for row in notice_call.params["reply_markup"]["inline_keyboard"] for b in row]
    notice_delivery = deliveries(broadcast_id=1)[school.accounts["p-6A-1"]]
    assert button == {
        "text": "Đã nhận", "callback_data": f'/broadcast_received{{"delivery_id": {notice_delivery.id}}}'
    }
    zalo_notice = next(m for m in fakes.zalo.sent("z-6A-1") if m.get("text") == NOTICE)
    assert zalo_notice["attachment"]["payload"]["buttons"][0]["title"] == "Đã nhận"


@pytest.fixture
def telegram_worker(fakes: Fakes) -> Iterator[tuple[Fakes, SchoolData, Clock]]:
    school = make_school(classes={"6A": 6}, students_per_class=3)
    yield fakes, school, Clock(datetime.now(timezone.utc))


async def drain(clock: Clock) -> dict[Outcome, int]:
    senders = build_senders()
    worker = DeliveryWorker(
        {"telegram": senders["telegram"]}, WorkerOptions(poll_interval=0.05, max_attempts=3), clock=clock
    )
    try:
        return dict(await worker.drain())
    finally:
        for sender in senders.values():
            await sender.aclose()


async def test_telegram_429_is_retried_after_retry_after(telegram_worker) -> None:  # noqa: ANN001
    fakes, school, clock = telegram_worker
    queue([school.accounts["p-6A-1"]], now=clock.now)
    fakes.telegram.fail("sendMessage", telegram_error(429, "Too Many Requests: retry after 7", retry_after=7))
    assert await drain(clock) == {Outcome.RATE_LIMITED: 1}
    row = deliveries()[school.accounts["p-6A-1"]]
    assert row.status == DeliveryStatus.PENDING and row.not_before == clock.now + timedelta(seconds=7)
    clock.advance(seconds=7)
    assert await drain(clock) == {Outcome.SENT: 1}
    assert fakes.telegram.sent_texts("p-6A-1") == ["Nhà trường thông báo lịch học tuần sau."] * 2


async def test_telegram_server_errors_back_off(telegram_worker) -> None:  # noqa: ANN001
    fakes, school, clock = telegram_worker
    queue([school.accounts["p-6A-1"]], now=clock.now)
    fakes.telegram.fail("sendMessage", Failure(status=502, body={"ok": False}, times=3))
    assert await drain(clock) == {Outcome.RETRY: 1}
    first = deliveries()[school.accounts["p-6A-1"]]
    assert first.attempts == 1 and first.not_before > clock.now + timedelta(seconds=3)
    clock.now = first.not_before
    assert await drain(clock) == {Outcome.RETRY: 1}
    clock.now = deliveries()[school.accounts["p-6A-1"]].not_before
    assert await drain(clock) == {Outcome.FAILED: 1}
    assert deliveries()[school.accounts["p-6A-1"]].attempts == 3


async def test_blocked_bot_fails_the_delivery_but_keeps_the_account(telegram_worker) -> None:  # noqa: ANN001
    fakes, school, clock = telegram_worker
    queue([school.accounts["p-6A-1"], school.accounts["p-6A-2"]], now=clock.now)
    fakes.telegram.blocked_chats.add("p-6A-2")
    assert await drain(clock) == {Outcome.SENT: 1, Outcome.UNDELIVERABLE: 1}
    row = deliveries()[school.accounts["p-6A-2"]]
    assert (row.status, row.last_error) == (DeliveryStatus.FAILED, "forbidden: bot blocked or kicked")
    assert account_state("p-6A-2") == (True, None)
    fakes.telegram.blocked_chats.clear()  # unblocked: the next notice reaches the family
    queue([school.accounts["p-6A-2"]], key="next", now=clock.now)
    assert await drain(clock) == {Outcome.SENT: 1}


async def test_telegram_chat_not_found_deactivates(telegram_worker) -> None:  # noqa: ANN001
    fakes, school, clock = telegram_worker
    queue([school.accounts["p-6A-1"]], now=clock.now)
    fakes.telegram.fail("sendMessage", telegram_error(400, "Bad Request: chat not found"))
    assert await drain(clock) == {Outcome.DEACTIVATED: 1}
    assert account_state("p-6A-1") == (False, "bad request: chat not found")


def account_state(external_id: str) -> tuple[bool, str | None]:
    with session_scope() as session:
        account = session.execute(
            select(ChatAccount).where(ChatAccount.external_id == external_id)
        ).scalar_one()
        return account.active, account.deactivated_reason


async def drain_channel(channel: str) -> dict[Outcome, int]:
    senders = build_senders()
    try:
        worker = DeliveryWorker({channel: senders[channel]}, WorkerOptions(poll_interval=0.05))
        return dict(await worker.drain())
    finally:
        for sender in senders.values():
            await sender.aclose()


@pytest.mark.parametrize("code", [-230, -232, -217, -244, -227, -213])
async def test_zalo_errors_fall_through_and_never_deactivate(fakes: Fakes, code: int) -> None:
    """With no other route for the family (no phone, no template) the delivery fails with
    Zalo's reason; the account stays active (issue 13)."""
    school = family_of_6a()
    fakes.zalo.fail("message/cs", zalo_error(code))
    queue([school.accounts["zalo"]], now=datetime.now(timezone.utc))
    assert await drain_channel("zalo") == {Outcome.UNDELIVERABLE: 1}
    delivery = deliveries()[school.accounts["zalo"]]
    assert delivery.status == DeliveryStatus.FAILED and str(code) in (delivery.last_error or "")
    assert delivery.route_reason.startswith("không còn tuyến")
    assert account_state("z-6A-1") == (True, None)


async def test_zalo_bot_blocked_fails_the_delivery_but_keeps_the_account(fakes: Fakes) -> None:
    school = family_of_6a()
    fakes.zalo_bot.blocked_chats.add("zb-6A-2")
    queue([school.accounts["zalo_bot"]], now=datetime.now(timezone.utc))
    assert await drain_channel("zalo_bot") == {Outcome.UNDELIVERABLE: 1}
    assert deliveries()[school.accounts["zalo_bot"]].last_error == "forbidden: bot blocked"
    assert account_state("zb-6A-2") == (True, None)


async def test_zalo_user_not_following_is_recorded_not_deactivated(fakes: Fakes) -> None:
    school = family_of_6a()
    fakes.zalo.not_following.add("z-6A-1")
    queue([school.accounts["zalo"]], now=datetime.now(timezone.utc))
    assert await drain_channel("zalo") == {Outcome.UNDELIVERABLE: 1}
    assert account_state("z-6A-1") == (True, None)
    with session_scope() as session:
        assert session.get(ZaloFollow, school.accounts["zalo"]).following is False
