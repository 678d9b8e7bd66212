"""Stored buttons: pressed on another replica, after a restart, and expiring.

A "replica" is a second connector (sender, handler and store objects of its own) over the same
database; a restart is a new Python process reading the database.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import func, select
from telegram import Update

from chatbot.db.engine import session_scope
from chatbot.db.housekeeping import purge_expired
from chatbot.db.models import ButtonChoice
from chatbot.delivery.outbound import Button, OutboundMessage
from chatbot.settings import PROJECT_ROOT
from connectors.button_store import CallbackPayloads, NumberedChoices
from connectors.config import TelegramConfig, ZaloBotConfig, ZaloConfig
from connectors.telegram import TelegramUpdateHandler
from connectors.telegram_sender import TelegramSender
from connectors.zalo_bot import ZaloBotEventHandler
from connectors.zalo_bot_sender import ZaloBotSender
from connectors.zalo_sender import ZaloSender
from tests.connectors.conftest import TELEGRAM_TOKEN
from tests.connectors.payloads import tg_callback, zalo_bot_event
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.fakes.zalo_api import FakeZaloAPI
from tests.fakes.zalo_bot_api import FakeZaloBotAPI

LONG_PAYLOAD = '/acknowledge_notice{"broadcast_id":"1234567","student_id":"7654321","kind":"notice"}'
CHOICES = tuple(Button(f"Lựa chọn {n}", f'/choose{{"n":"{n}"}}') for n in range(1, 8))


class Delivered:
    """A ``deliver`` callback that records what would reach Rasa."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    async def __call__(self, sender_id: str, text: str, metadata: dict[str, Any]) -> None:
        self.texts.append(text)


@pytest.fixture
def telegram() -> Any:
    with FakeTelegramAPI(token=TELEGRAM_TOKEN) as server:
        yield server


@pytest.fixture
def zalo_bot() -> Any:
    with FakeZaloBotAPI() as server:
        yield server


def telegram_sender(fake: FakeTelegramAPI) -> TelegramSender:
    config = TelegramConfig(token=TELEGRAM_TOKEN, webhook_secret=None, api_base_url=fake.base_url)
    return TelegramSender(config)


def zalo_bot_sender(fake: FakeZaloBotAPI) -> ZaloBotSender:
    return ZaloBotSender(ZaloBotConfig(token=fake.token, webhook_secret=None, api_base_url=fake.base_url))


def in_new_process(db_url: str, code: str) -> str:
    """Run ``code`` in a fresh interpreter on the same database (a restarted replica)."""
    env = {**os.environ, "DATABASE_URL": db_url}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=PROJECT_ROOT, capture_output=True, text=True,
        timeout=120, check=True,
    )
    return done.stdout.strip()


async def test_long_telegram_payload_sent_by_one_replica_is_pressed_on_another(
    telegram: FakeTelegramAPI, db: str
) -> None:
    replica_a = telegram_sender(telegram)
    await replica_a.send("42", OutboundMessage("Dạ, mời xác nhận:", (Button("Đã đọc", LONG_PAYLOAD),)))
    await replica_a.aclose()
    [[button]] = telegram.calls("sendMessage")[0].params["reply_markup"]["inline_keyboard"]
    key = button["callback_data"]
    assert len(key.encode()) <= 64 and key != LONG_PAYLOAD

    replica_b = telegram_sender(telegram)
    delivered = Delivered()
    handler = TelegramUpdateHandler(replica_b, delivered)
    outcome = await handler.handle(Update.de_json(tg_callback(42, key), None))
    await replica_b.aclose()
    assert outcome == "callback"
    assert delivered.texts == [LONG_PAYLOAD]

    code = (
        "import asyncio; from connectors.button_store import CallbackPayloads; "
        f"print(asyncio.run(CallbackPayloads().decode({key!r})))"
    )
    assert in_new_process(db, code) == LONG_PAYLOAD


async def test_zalo_bot_numbered_choice_is_understood_by_another_replica_and_after_restart(
    zalo_bot: FakeZaloBotAPI, db: str
) -> None:
    replica_a = zalo_bot_sender(zalo_bot)
    await replica_a.send("zb-7", OutboundMessage("Dạ, mời chọn:", CHOICES))
    await replica_a.aclose()
    assert "7. Lựa chọn 7" in zalo_bot.sent_texts("zb-7")[0]

    replica_b = zalo_bot_sender(zalo_bot)
    delivered = Delivered()
    handler = ZaloBotEventHandler(replica_b, delivered, dedupe=False)
    assert await handler.handle(zalo_bot_event("zb-7", " 7 ")) == "message"
    assert await handler.handle(zalo_bot_event("zb-7", "9")) == "message"
    await replica_b.aclose()
    assert delivered.texts == ['/choose{"n":"7"}', "9"]

    code = (
        "import asyncio; from connectors.zalo_bot_sender import ZALO_BOT_CHOICES; "
        "print(asyncio.run(ZALO_BOT_CHOICES.resolve('zb-7', '2')))"
    )
    assert in_new_process(db, code) == '/choose{"n":"2"}'


async def test_zalo_oa_options_beyond_five_buttons_are_understood_by_another_replica(db: str) -> None:
    with FakeZaloAPI(app_id="1234567890", app_secret="app-secret") as fake:
        config = ZaloConfig(
            app_id="1234567890", app_secret="app-secret", oa_secret_key="oa-secret",
            access_token="access-0", refresh_token="refresh-0", api_base_url=fake.url,
            oauth_base_url=fake.url,
        )
        replica_a = ZaloSender(config)
        await replica_a.send("oa-9", OutboundMessage("Dạ, mời chọn:", CHOICES))
        await replica_a.aclose()
        [message] = fake.sent("oa-9")
    assert "attachment" not in message and "7. Lựa chọn 7" in message["text"]
    assert await NumberedChoices("zalo").resolve("oa-9", "6") == '/choose{"n":"6"}'
    code = (
        "import asyncio; from connectors.zalo_sender import ZALO_CHOICES; "
        "print(asyncio.run(ZALO_CHOICES.resolve('oa-9', '3')))"
    )
    assert in_new_process(db, code) == '/choose{"n":"3"}'


async def test_choices_of_one_channel_do_not_answer_another(db: str) -> None:
    await NumberedChoices("zalo").remember("same-id", CHOICES)
    assert await NumberedChoices("zalo_bot").resolve("same-id", "1") is None
    assert await NumberedChoices("zalo").resolve("same-id", "1") == '/choose{"n":"1"}'


async def test_stored_buttons_expire_and_housekeeping_removes_them(db: str) -> None:
    sent_at = datetime(2026, 11, 1, 8, 0, tzinfo=timezone.utc)
    moment = [sent_at]
    payloads = CallbackPayloads(ttl=timedelta(days=30), clock=lambda: moment[0])
    choices = NumberedChoices("zalo_bot", ttl_seconds=3600, clock=lambda: moment[0])
    key = await payloads.encode(LONG_PAYLOAD)
    await choices.remember("zb-1", CHOICES)

    moment[0] = sent_at + timedelta(minutes=59)
    assert await payloads.decode(key) == LONG_PAYLOAD
    assert await choices.resolve("zb-1", "1") == '/choose{"n":"1"}'

    moment[0] = sent_at + timedelta(hours=1, seconds=1)
    assert await choices.resolve("zb-1", "1") is None
    assert await payloads.decode(key) == LONG_PAYLOAD
    assert purge_expired(moment[0])["button_choices"] == 1

    moment[0] = sent_at + timedelta(days=30, seconds=1)
    assert await payloads.decode(key) is None
    assert purge_expired(moment[0])["button_choices"] == 1
    with session_scope() as session:
        assert session.scalar(select(func.count()).select_from(ButtonChoice)) == 0


async def test_unknown_or_forged_keys_read_as_expired(db: str) -> None:
    payloads = CallbackPayloads()
    assert await payloads.decode("#" + "0" * 32) is None
    assert await payloads.decode("#" + "x" * 500) is None
    assert await payloads.decode("/ask_timetable") == "/ask_timetable"


async def test_telegram_expired_button_gets_a_polite_reply(telegram: FakeTelegramAPI, db: str) -> None:
    sender = telegram_sender(telegram)
    delivered = Delivered()
    outcome = await TelegramUpdateHandler(sender, delivered).handle(
        Update.de_json(tg_callback(43, "#" + "a" * 32), None)
    )
    await sender.aclose()
    assert outcome == "expired_button" and delivered.texts == []
    assert "hết hạn" in telegram.sent_texts(43)[0]
