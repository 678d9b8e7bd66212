"""Inbound messages on every channel: reactivation, last inbound time, length caps, bad JSON."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from chatbot.db.engine import build_engine
from chatbot.db.models import Channel, ChatAccount
from tests.connectors.conftest import (
    TELEGRAM_SECRET,
    ZALO_APP_ID,
    ZALO_BOT_SECRET,
    ZALO_OA_SECRET,
    RasaServer,
)
from tests.connectors.payloads import (
    new_chat_id,
    new_zalo_user,
    tg_callback,
    tg_update,
    zalo_bot_event,
    zalo_follow,
    zalo_signed,
    zalo_text,
)
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.fakes.zalo_api import FakeZaloAPI
from tests.fakes.zalo_bot_api import FakeZaloBotAPI

TELEGRAM = ("/webhooks/telegram/webhook", {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET})
ZALO_BOT = ("/webhooks/zalo_bot/webhook", {"X-Bot-Api-Secret-Token": ZALO_BOT_SECRET})
ZALO = "/webhooks/zalo/webhook"
REST = "/webhooks/rest/webhook"


def add_account(server: RasaServer, channel: Channel, external_id: str, **values: object) -> None:
    engine = build_engine(server.database_url)
    try:
        with Session(engine, future=True) as session, session.begin():
            session.add(ChatAccount(channel=channel, external_id=external_id, **values))
    finally:
        engine.dispose()


def account(server: RasaServer, channel: Channel, external_id: str) -> ChatAccount | None:
    engine = build_engine(server.database_url)
    try:
        with Session(engine, future=True, expire_on_commit=False) as session:
            return session.execute(
                select(ChatAccount).where(
                    ChatAccount.channel == channel, ChatAccount.external_id == external_id
                )
            ).scalar_one_or_none()
    finally:
        engine.dispose()


def eventually(check: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return check()


def post_zalo(server: RasaServer, event: dict):
    body, headers = zalo_signed(event, ZALO_APP_ID, ZALO_OA_SECRET)
    return server.post(ZALO, content=body, headers=headers)


def _send(server: RasaServer, channel: Channel, external_id: str, text: str = "lịch học", **kw):  # noqa: ANN202
    if channel is Channel.TELEGRAM:
        path, headers = TELEGRAM
        return server.post(path, json=tg_update(int(external_id), text=text), headers=headers)
    if channel is Channel.ZALO:
        return post_zalo(server, zalo_text(external_id, text))
    if channel is Channel.ZALO_BOT:
        path, headers = ZALO_BOT
        return server.post(path, json=zalo_bot_event(external_id, text), headers=headers)
    return server.post(REST, json={"sender": external_id, "message": text})


def _new_id(channel: Channel) -> str:
    if channel is Channel.TELEGRAM:
        return str(new_chat_id())
    if channel is Channel.ZALO:
        return new_zalo_user()
    return f"{channel.value}-{new_chat_id()}"


CHANNELS = [Channel.TELEGRAM, Channel.ZALO, Channel.ZALO_BOT, Channel.REST]


@pytest.mark.parametrize("channel", CHANNELS, ids=[c.value for c in CHANNELS])
def test_any_message_reactivates_the_account_and_times_it(
    rasa_server: RasaServer,
    telegram_api: FakeTelegramAPI,
    zalo_api: FakeZaloAPI,
    zalo_bot_api: FakeZaloBotAPI,
    channel: Channel,
) -> None:
    external_id = _new_id(channel)
    add_account(
        rasa_server, channel, external_id, active=False,
        deactivated_reason="zalo -230: outside the 7-day messaging window",
    )
    before = datetime.now(timezone.utc)
    assert _send(rasa_server, channel, external_id).status_code == 200

    def reactivated() -> bool:
        row = account(rasa_server, channel, external_id)
        return row is not None and row.active and row.last_inbound_at is not None

    assert eventually(reactivated)
    row = account(rasa_server, channel, external_id)
    assert row is not None and row.deactivated_reason is None
    assert before - timedelta(seconds=1) <= row.last_inbound_at <= datetime.now(timezone.utc)


def test_last_inbound_time_is_written_at_most_once_a_minute(
    rasa_server: RasaServer, telegram_api: FakeTelegramAPI
) -> None:
    chat_id = str(new_chat_id())
    add_account(rasa_server, Channel.TELEGRAM, chat_id, active=True)
    _send(rasa_server, Channel.TELEGRAM, chat_id)
    first = account(rasa_server, Channel.TELEGRAM, chat_id).last_inbound_at
    assert first is not None
    _send(rasa_server, Channel.TELEGRAM, chat_id, text="xin chào")
    assert account(rasa_server, Channel.TELEGRAM, chat_id).last_inbound_at == first


def test_button_presses_and_follows_count_as_inbound(
    rasa_server: RasaServer, telegram_api: FakeTelegramAPI, zalo_api: FakeZaloAPI
) -> None:
    chat_id, user = new_chat_id(), new_zalo_user()
    add_account(rasa_server, Channel.TELEGRAM, str(chat_id), active=False, deactivated_reason="x")
    add_account(rasa_server, Channel.ZALO, user, active=False, deactivated_reason="not following")
    path, headers = TELEGRAM
    rasa_server.post(path, json=tg_callback(chat_id, "/ask_schedule"), headers=headers)
    post_zalo(rasa_server, zalo_follow(user))
    assert eventually(lambda: account(rasa_server, Channel.TELEGRAM, str(chat_id)).active)
    assert eventually(lambda: account(rasa_server, Channel.ZALO, user).active)


def test_a_strangers_message_creates_no_account(
    rasa_server: RasaServer, telegram_api: FakeTelegramAPI
) -> None:
    chat_id = str(new_chat_id())
    assert _send(rasa_server, Channel.TELEGRAM, chat_id).json() == {"status": "message"}
    assert account(rasa_server, Channel.TELEGRAM, chat_id) is None


@pytest.mark.parametrize(
    ("channel", "cap"),
    [(Channel.ZALO, "2.000"), (Channel.ZALO_BOT, "2.000"), (Channel.REST, "2.000")],
    ids=["zalo", "zalo_bot", "rest"],
)
def test_a_message_over_the_cap_gets_a_polite_reply_and_skips_rasa(
    rasa_server: RasaServer,
    zalo_api: FakeZaloAPI,
    zalo_bot_api: FakeZaloBotAPI,
    channel: Channel,
    cap: str,
) -> None:
    external_id = _new_id(channel)
    reply = _send(rasa_server, channel, external_id, text="a" * 2001)
    assert reply.status_code == 200
    if channel is Channel.REST:
        [message] = reply.json()
        text = message["text"]
    elif channel is Channel.ZALO:
        assert zalo_api.wait_for(lambda: len(zalo_api.sent(external_id)) == 1)
        text = zalo_api.sent(external_id)[0]["text"]
    else:
        assert zalo_bot_api.wait_for(lambda: len(zalo_bot_api.sent_texts(external_id)) == 1)
        text = zalo_bot_api.sent_texts(external_id)[0]
    assert text.startswith("Dạ, tin nhắn dài quá") and f"{cap} ký tự" in text
    sender_id = external_id if channel is Channel.REST else f"{channel.value}:{external_id}"
    assert rasa_server.user_texts(sender_id) == []

    _send(rasa_server, channel, external_id, text="a" * 2000)  # exactly the cap goes through
    assert eventually(lambda: rasa_server.user_texts(sender_id) == ["a" * 2000])


def test_rest_cap_of_a_relayed_telegram_message_is_telegrams(rasa_server: RasaServer) -> None:
    """Polling relays Telegram messages through REST: they keep Telegram's 4,096 cap."""
    sender = f"telegram:{new_chat_id()}"
    reply = rasa_server.post(REST, json={"sender": sender, "message": "lịch học " * 300})
    assert reply.json()[0]["text"] == "Dạ, đây là lịch học."


BAD_BODIES = [b"{not json", b"[1, 2]", b"42", b'"text"', b"null", b""]
BAD_IDS = ["invalid", "list", "number", "string", "null", "empty"]


@pytest.mark.parametrize("body", BAD_BODIES, ids=BAD_IDS)
@pytest.mark.parametrize("target", ["telegram", "zalo", "zalo_bot", "rest"])
def test_a_body_that_is_not_a_json_object_is_a_400(
    rasa_server: RasaServer, target: str, body: bytes
) -> None:
    headers = {
        "telegram": TELEGRAM[1],
        "zalo_bot": ZALO_BOT[1],
        "zalo": {"X-ZEvent-Signature": "mac=" + "0" * 64},
        "rest": {},
    }[target]
    reply = rasa_server.post(f"/webhooks/{target}/webhook", content=body, headers=headers)
    assert reply.status_code == 400
    assert "error" in reply.json()


@pytest.mark.parametrize(
    "body",
    [
        {"message": "lịch học"},
        {"sender": 42, "message": "lịch học"},
        {"sender": "", "message": "lịch học"},
        {"sender": "x" * 129, "message": "lịch học"},
        {"sender": "web-1", "message": ["lịch học"]},
        {"sender": "web-1"},
        {"sender": "web-1", "message": "x", "metadata": [1]},
        {"sender": "web-1", "message": "x", "input_channel": 3},
    ],
    ids=["no-sender", "number-sender", "empty-sender", "long-sender", "list-message", "no-message",
         "list-metadata", "number-channel"],
)
def test_rest_fields_of_the_wrong_type_are_a_400(rasa_server: RasaServer, body: dict) -> None:
    reply = rasa_server.post(REST, json=body)
    assert reply.status_code == 400
    assert reply.json()["error"]


def test_rest_still_answers_like_rasas_own_channel(rasa_server: RasaServer) -> None:
    reply = rasa_server.post(REST, json={"sender": "web-42", "message": "xin chào"})
    assert reply.status_code == 200
    [message] = reply.json()
    assert message["recipient_id"] == "web-42" and message["text"] == "Dạ, xin chào Quý phụ huynh!"
    assert [b["payload"] for b in message["buttons"]][0] == "/ask_schedule"
