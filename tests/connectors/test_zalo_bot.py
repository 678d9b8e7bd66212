"""Zalo Bot: webhook on a running Rasa server, sender errors, polling and setWebhook."""

from __future__ import annotations

import asyncio
import logging

import pytest

from chatbot.delivery.outbound import Button, OutboundMessage
from connectors.config import ZaloBotConfig
from connectors.zalo_bot_polling import poll, set_webhook
from connectors.zalo_bot_sender import ZaloBotSender
from tests.connectors.conftest import ZALO_BOT_SECRET, ZALO_BOT_TOKEN, RasaServer
from tests.connectors.payloads import new_chat_id, zalo_bot_event
from tests.fakes.zalo_bot_api import FakeZaloBotAPI, bot_error

WEBHOOK = "/webhooks/zalo_bot/webhook"
HEADERS = {"X-Bot-Api-Secret-Token": ZALO_BOT_SECRET}


def bot_config(fake: FakeZaloBotAPI, secret: str | None = ZALO_BOT_SECRET) -> ZaloBotConfig:
    return ZaloBotConfig(token=fake.token, webhook_secret=secret, api_base_url=fake.base_url)


def chat() -> str:
    return f"zb{new_chat_id()}"


@pytest.mark.parametrize("wrapped", [False, True], ids=["bare", "wrapped"])
def test_text_event_reaches_rasa(
    rasa_server: RasaServer, zalo_bot_api: FakeZaloBotAPI, wrapped: bool
) -> None:
    chat_id = chat()
    event = zalo_bot_event(chat_id, "lịch học")
    body = {"ok": True, "result": event} if wrapped else event
    reply = rasa_server.post(WEBHOOK, json=body, headers=HEADERS)
    assert reply.status_code == 200
    assert zalo_bot_api.wait_for(lambda: len(zalo_bot_api.sent_texts(chat_id)) == 1)
    assert zalo_bot_api.sent_texts(chat_id) == ["Dạ, đây là lịch học."]
    assert rasa_server.user_texts(f"zalo_bot:{chat_id}") == ["lịch học"]


@pytest.mark.parametrize("headers", [{}, {"X-Bot-Api-Secret-Token": "nope"}], ids=["missing", "wrong"])
def test_forged_secret_is_refused(
    rasa_server: RasaServer, zalo_bot_api: FakeZaloBotAPI, headers: dict
) -> None:
    chat_id = chat()
    reply = rasa_server.post(WEBHOOK, json=zalo_bot_event(chat_id, "lịch học"), headers=headers)
    assert reply.status_code == 403
    assert not zalo_bot_api.wait_for(lambda: zalo_bot_api.counts["sendMessage"] > 0, timeout=1)
    assert rasa_server.user_texts(f"zalo_bot:{chat_id}") == []


def test_malformed_json_is_a_400(rasa_server: RasaServer, zalo_bot_api: FakeZaloBotAPI) -> None:
    assert rasa_server.post(WEBHOOK, content=b"not json", headers=HEADERS).status_code == 400


def test_buttons_become_numbered_options_and_a_number_picks_one(
    rasa_server: RasaServer, zalo_bot_api: FakeZaloBotAPI
) -> None:
    chat_id = chat()
    rasa_server.post(WEBHOOK, json=zalo_bot_event(chat_id, "xin chào"), headers=HEADERS)
    assert zalo_bot_api.wait_for(lambda: len(zalo_bot_api.sent_texts(chat_id)) == 1)
    [greeting] = zalo_bot_api.sent_texts(chat_id)
    assert "1. Lịch học" in greeting and "2. Lịch cả tuần" in greeting

    rasa_server.post(WEBHOOK, json=zalo_bot_event(chat_id, "2"), headers=HEADERS)
    assert zalo_bot_api.wait_for(lambda: len(zalo_bot_api.sent_texts(chat_id)) == 2)
    assert zalo_bot_api.sent_texts(chat_id)[-1] == "Dạ, đây là lịch cả tuần."


def test_other_events_get_a_polite_reply(rasa_server: RasaServer, zalo_bot_api: FakeZaloBotAPI) -> None:
    chat_id = chat()
    for name in ("message.image.received", "message.sticker.received", "message.unsupported.received"):
        rasa_server.post(WEBHOOK, json=zalo_bot_event(chat_id, event_name=name), headers=HEADERS)
    assert zalo_bot_api.wait_for(lambda: len(zalo_bot_api.sent_texts(chat_id)) == 3)
    assert all(t.startswith("Dạ, hiện em chỉ đọc được") for t in zalo_bot_api.sent_texts(chat_id))
    assert rasa_server.user_texts(f"zalo_bot:{chat_id}") == []


def test_events_without_a_chat_are_ignored(rasa_server: RasaServer, zalo_bot_api: FakeZaloBotAPI) -> None:
    for body in ({"event_name": "bot.added"}, {"ok": True, "result": {}}, {"unexpected": [1, 2]}):
        assert rasa_server.post(WEBHOOK, json=body, headers=HEADERS).status_code == 200
    assert not zalo_bot_api.wait_for(lambda: zalo_bot_api.counts["sendMessage"] > 0, timeout=1)


def test_duplicate_message_id_is_answered_once(rasa_server: RasaServer, zalo_bot_api: FakeZaloBotAPI) -> None:
    chat_id = chat()
    event = zalo_bot_event(chat_id, "lịch học")
    for _ in range(2):
        assert rasa_server.post(WEBHOOK, json=event, headers=HEADERS).status_code == 200
    assert zalo_bot_api.wait_for(lambda: len(zalo_bot_api.sent_texts(chat_id)) == 1)
    assert not zalo_bot_api.wait_for(lambda: len(zalo_bot_api.sent_texts(chat_id)) > 1, timeout=1)


def test_long_reply_is_split(rasa_server: RasaServer, zalo_bot_api: FakeZaloBotAPI) -> None:
    chat_id = chat()
    rasa_server.post(WEBHOOK, json=zalo_bot_event(chat_id, "trả lời dài"), headers=HEADERS)
    assert zalo_bot_api.wait_for(lambda: len(zalo_bot_api.sent_texts(chat_id)) == 4)
    assert all(0 < len(t) <= 2000 for t in zalo_bot_api.sent_texts(chat_id))


def group_event(group_id: str, person: str, text: str | None, event_name: str | None = None) -> dict:
    event = zalo_bot_event(group_id, text, event_name)
    event["message"]["chat"]["chat_type"] = "GROUP"
    event["message"]["from"]["id"] = person
    return event


def test_a_group_gets_a_pointer_to_a_private_chat_and_never_links(
    rasa_server: RasaServer, zalo_bot_api: FakeZaloBotAPI
) -> None:
    group, parent = chat(), chat()
    for text in ("mã ABCD2345", "lịch học"):  # the second within ten minutes: no second pointer
        rasa_server.post(WEBHOOK, json=group_event(group, parent, text), headers=HEADERS)
    sticker = group_event(group, parent, None, "message.sticker.received")
    rasa_server.post(WEBHOOK, json=sticker, headers=HEADERS)
    assert zalo_bot_api.wait_for(lambda: len(zalo_bot_api.sent_texts(group)) == 1)
    assert not zalo_bot_api.wait_for(lambda: len(zalo_bot_api.sent_texts(group)) > 1, timeout=1)
    assert zalo_bot_api.sent_texts(group)[0].startswith("Dạ, để giữ kín thông tin của học sinh")
    assert rasa_server.user_texts(f"zalo_bot:{group}") == []
    assert rasa_server.user_texts(f"zalo_bot:{parent}") == []


async def test_sender_maps_errors_without_leaking_the_token(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with FakeZaloBotAPI(token=ZALO_BOT_TOKEN) as fake:
        sender = ZaloBotSender(bot_config(fake))
        fake.fail("sendMessage", bot_error(429, "Too Many Requests", retry_after=5))
        limited = await sender.send("c1", OutboundMessage("x"))
        fake.blocked_chats.add("c2")
        blocked = await sender.send("c2", OutboundMessage("x"))
        fake.fail("sendMessage", bot_error(500, "boom"))
        broken = await sender.send("c1", OutboundMessage("x"))
        ok = await sender.send("c1", OutboundMessage("Dạ", (Button("Có", "/affirm"),)))
        await sender.aclose()
    gone = ZaloBotSender(ZaloBotConfig(token=ZALO_BOT_TOKEN, webhook_secret=None, api_base_url=fake.base_url))
    unreachable = await gone.send("c1", OutboundMessage("x"))
    await gone.aclose()

    assert (limited.retry_after, limited.permanent) == (5.0, False)
    assert (blocked.permanent, blocked.undeliverable) == (False, True)
    assert (broken.ok, broken.permanent, broken.error) == (False, False, "HTTP 500")
    assert ok.ok
    assert (unreachable.ok, unreachable.error) == (False, "network error")
    for result in (limited, blocked, broken, unreachable):
        assert ZALO_BOT_TOKEN not in (result.error or "")
    assert ZALO_BOT_TOKEN not in caplog.text


async def test_set_webhook_sends_url_and_secret() -> None:
    with FakeZaloBotAPI(token=ZALO_BOT_TOKEN) as fake:
        target = await set_webhook(bot_config(fake), "https://truong.example.vn")
        assert target == "https://truong.example.vn/webhooks/zalo_bot/webhook"
        assert fake.webhook == {"url": target, "secret_token": ZALO_BOT_SECRET}
        with pytest.raises(ValueError, match="ZALO_BOT_WEBHOOK_SECRET"):
            await set_webhook(bot_config(fake, secret=None), "https://truong.example.vn")
        with pytest.raises(ValueError, match="HTTPS"):
            await set_webhook(bot_config(fake), "http://truong.example.vn")


async def test_polling_relays_updates_through_rasa(rasa_server: RasaServer, db: str) -> None:
    with FakeZaloBotAPI(token=ZALO_BOT_TOKEN) as fake:
        fake.webhook = {"url": "https://old.example.vn"}
        chat_id = chat()
        fake.push_update({"ok": True, "result": zalo_bot_event(chat_id, "lịch học")})
        fake.push_update(zalo_bot_event(chat_id, event_name="message.sticker.received"))
        stop = asyncio.Event()
        task = asyncio.create_task(poll(bot_config(fake), rasa_server.url, stop, timeout=1))
        for _ in range(100):
            if len(fake.sent_texts(chat_id)) >= 2:
                break
            await asyncio.sleep(0.1)
        stop.set()
        await asyncio.wait_for(task, timeout=10)
    assert fake.webhook is None  # removed before polling
    texts = fake.sent_texts(chat_id)
    assert texts[0] == "Dạ, đây là lịch học."
    assert texts[1].startswith("Dạ, hiện em chỉ đọc được")
    assert rasa_server.user_texts(f"zalo_bot:{chat_id}") == ["lịch học"]
