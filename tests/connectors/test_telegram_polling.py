"""Telegram polling beside a running Rasa server, setWebhook, deep links and the CLI."""

from __future__ import annotations

import asyncio
import json

import pytest
from typer.testing import CliRunner

from chatbot.replies import ASSISTANT_BUSY, TEXT_ONLY, reply_text
from chatbot.settings import SettingsError
from cli import app
from connectors.config import TelegramConfig
from connectors.telegram import invite_deep_link
from connectors.telegram_polling import poll, set_webhook
from tests.connectors.conftest import TELEGRAM_SECRET, TELEGRAM_TOKEN, RasaServer
from tests.connectors.payloads import PHOTO, new_chat_id, tg_callback, tg_update
from tests.fakes.telegram_api import FakeTelegramAPI, telegram_error
from tests.ports import free_port


def config(fake: FakeTelegramAPI, secret: str | None = TELEGRAM_SECRET) -> TelegramConfig:
    return TelegramConfig(token=TELEGRAM_TOKEN, webhook_secret=secret, api_base_url=fake.base_url)


async def test_polling_relays_updates_to_rasa_and_replies(rasa_server: RasaServer, db: str) -> None:
    with FakeTelegramAPI(token=TELEGRAM_TOKEN) as fake:
        fake.webhook = {"url": "https://old.example.vn"}
        chat_id = new_chat_id()
        for update in (
            tg_update(chat_id, text="lịch học"),
            tg_update(chat_id, photo=PHOTO),
            tg_update(-chat_id, chat_type="group", text="xin chào"),
            tg_callback(chat_id, "/ask_schedule"),
            tg_update(chat_id, text="/start abcd-2345"),
        ):
            fake.push_update(update)
        stop = asyncio.Event()
        task = asyncio.create_task(poll(config(fake), rasa_server.url, stop, timeout=1))
        for _ in range(100):
            if len(fake.sent_texts()) >= 4:
                break
            await asyncio.sleep(0.1)
        stop.set()
        await asyncio.wait_for(task, timeout=10)

    assert fake.webhook is None
    assert fake.sent_texts(chat_id) == [
        "Dạ, đây là lịch học.",
        reply_text(TEXT_ONLY),
        "Dạ, đây là lịch học.",
        "Dạ, trợ lý đã nhận mã ABCD2345.",
    ]
    assert fake.sent_texts(-chat_id) == []
    assert fake.counts["answerCallbackQuery"] == 1
    tracker = rasa_server.tracker(f"telegram:{chat_id}")
    users = [e for e in tracker["events"] if e["event"] == "user"]
    assert [e["text"] for e in users] == [
        "lịch học",
        "/ask_schedule",
        '/link_account{"invite_code":"ABCD2345"}',
    ]
    assert {e["input_channel"] for e in users} == {"telegram"}
    offsets = [int(c.params.get("offset") or 0) for c in fake.calls("getUpdates")]
    assert offsets == sorted(offsets)  # never re-reads an update it handled


async def test_polling_without_rasa_tells_the_user_to_try_later(db: str) -> None:
    with FakeTelegramAPI(token=TELEGRAM_TOKEN) as fake:
        chat_id = new_chat_id()
        fake.push_update(tg_update(chat_id, text="xin chào"))
        stop = asyncio.Event()
        task = asyncio.create_task(poll(config(fake), f"http://127.0.0.1:{free_port()}", stop, timeout=1))
        for _ in range(150):
            if fake.sent_texts(chat_id):
                break
            await asyncio.sleep(0.1)
        stop.set()
        await asyncio.wait_for(task, timeout=10)
    assert fake.sent_texts(chat_id) == [reply_text(ASSISTANT_BUSY, "telegram")]
    assert fake.sent_texts(chat_id)[0].startswith("Dạ, hệ thống đang bận")


async def test_set_webhook_registers_url_with_secret() -> None:
    with FakeTelegramAPI(token=TELEGRAM_TOKEN) as fake:
        target = await set_webhook(config(fake), "https://truong.example.vn/")
        assert target == "https://truong.example.vn/webhooks/telegram/webhook"
        assert fake.webhook is not None
        assert fake.webhook["url"] == target
        assert fake.webhook["secret_token"] == TELEGRAM_SECRET
        assert json.loads(fake.webhook["allowed_updates"]) == ["message", "edited_message", "callback_query"]
        for bad_secret in (None, "has space", "x" * 257):
            with pytest.raises(ValueError, match="TELEGRAM_WEBHOOK_SECRET"):
                await set_webhook(config(fake, secret=bad_secret), "https://truong.example.vn")


def test_cli_set_webhook(monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeTelegramAPI(token=TELEGRAM_TOKEN) as fake:
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TELEGRAM_TOKEN)
        monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", TELEGRAM_SECRET)
        monkeypatch.setenv("TELEGRAM_API_BASE_URL", fake.base_url)
        result = CliRunner().invoke(app, ["telegram", "set-webhook", "https://truong.example.vn/hook"])
        assert result.exit_code == 0, result.output
        assert "https://truong.example.vn/hook" in result.output
        assert fake.webhook is not None and fake.webhook["url"] == "https://truong.example.vn/hook"

        fake.fail("setWebhook", telegram_error(400, "Bad Request: bad webhook"))
        refused = CliRunner().invoke(app, ["telegram", "set-webhook", "https://truong.example.vn"])
        assert refused.exit_code == 1
        assert TELEGRAM_TOKEN not in refused.output


def test_cli_without_token_is_a_settings_error() -> None:
    result = CliRunner().invoke(app, ["telegram", "poll"])
    assert isinstance(result.exception, SettingsError)
    result = CliRunner().invoke(app, ["zalo-bot", "set-webhook", "https://truong.example.vn"])
    assert isinstance(result.exception, SettingsError)


def test_invite_deep_link(monkeypatch: pytest.MonkeyPatch) -> None:
    assert invite_deep_link("abcd-2345", "truong_bot") == "https://t.me/truong_bot?start=ABCD2345"
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TELEGRAM_TOKEN)
    monkeypatch.setenv("TELEGRAM_BOT_USERNAME", "@lop_hoc_bot")
    assert invite_deep_link("WXYZ-6789") == "https://t.me/lop_hoc_bot?start=WXYZ6789"
    with pytest.raises(ValueError):
        invite_deep_link('AB"}{', "truong_bot")
    monkeypatch.delenv("TELEGRAM_BOT_USERNAME")
    with pytest.raises(ValueError, match="TELEGRAM_BOT_USERNAME"):
        invite_deep_link("ABCD-2345")
