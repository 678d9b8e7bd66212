"""Telegram sender against the fake Bot API: keyboards, splitting, error mapping, no token leaks."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from chatbot.delivery.outbound import Button, OutboundMessage
from connectors.config import TelegramConfig
from connectors.telegram_sender import CALLBACK_PAYLOADS, TelegramSender
from tests.connectors.conftest import TELEGRAM_TOKEN
from tests.fakes.telegram_api import FakeTelegramAPI, telegram_error
from tests.ports import free_port


@pytest.fixture
def fake() -> Iterator[FakeTelegramAPI]:
    with FakeTelegramAPI(token=TELEGRAM_TOKEN) as server:
        yield server


def sender_for(base_url: str, timeout: float = 5.0) -> TelegramSender:
    return TelegramSender(
        TelegramConfig(token=TELEGRAM_TOKEN, webhook_secret=None, api_base_url=base_url), timeout=timeout
    )


async def test_buttons_become_an_inline_keyboard(fake: FakeTelegramAPI, db: str) -> None:
    sender = sender_for(fake.base_url)
    long_payload = '/link_account{"invite_code":"' + "A" * 60 + '"}'
    buttons = (
        Button("Lịch học", "/ask_schedule"),
        Button("Liên kết", long_payload),
        Button("Trang trường", "https://example.edu.vn/lich"),
    )
    result = await sender.send("42", OutboundMessage("Dạ, mời chọn:", buttons))
    await sender.aclose()
    assert result.ok
    keyboard = fake.calls("sendMessage")[0].params["reply_markup"]["inline_keyboard"]
    assert keyboard[0] == [{"text": "Lịch học", "callback_data": "/ask_schedule"}]
    key = keyboard[1][0]["callback_data"]
    assert len(key.encode()) <= 64 and await CALLBACK_PAYLOADS.decode(key) == long_payload
    assert keyboard[2] == [{"text": "Trang trường", "url": "https://example.edu.vn/lich"}]


async def test_long_text_is_split_and_buttons_go_on_the_last_part(fake: FakeTelegramAPI) -> None:
    sender = sender_for(fake.base_url)
    text = "\n".join(f"Dòng {n} 😀 " + " ".join(["nội dung"] * 10) for n in range(200))
    result = await sender.send("42", OutboundMessage(text, (Button("OK", "/affirm"),)))
    await sender.aclose()
    assert result.ok
    calls = fake.calls("sendMessage")
    assert len(calls) > 2
    assert all(len(c.params["text"].encode("utf-16-le")) // 2 <= 4096 for c in calls)
    assert ["reply_markup" in c.params for c in calls] == [False] * (len(calls) - 1) + [True]
    assert "\n".join(c.params["text"] for c in calls) == text


@pytest.mark.parametrize(
    ("failure", "permanent", "undeliverable", "retry_after"),
    [
        (telegram_error(429, "Too Many Requests: retry after 7", retry_after=7), False, False, 7.0),
        (telegram_error(403, "Forbidden: bot was blocked by the user"), False, True, None),
        (telegram_error(400, "Bad Request: chat not found"), True, False, None),
        (telegram_error(400, "Bad Request: message is too long"), False, False, None),
        (telegram_error(502, "Bad Gateway"), False, False, None),
        (telegram_error(500, "Internal Server Error"), False, False, None),
    ],
    ids=["429", "blocked", "chat-not-found", "bad-request", "502", "500"],
)
async def test_errors_map_to_send_results(
    fake: FakeTelegramAPI, failure, permanent: bool, undeliverable: bool, retry_after: float | None
) -> None:
    sender = sender_for(fake.base_url)
    fake.fail("sendMessage", failure)
    result = await sender.send("42", OutboundMessage("x"))
    await sender.aclose()
    assert (result.ok, result.permanent, result.undeliverable, result.retry_after) == (
        False, permanent, undeliverable, retry_after
    )
    assert not result.recipient_only


async def test_timeouts_and_unreachable_api_are_transient_and_leak_no_token(
    fake: FakeTelegramAPI, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    slow = sender_for(fake.base_url, timeout=0.3)
    fake.delay = 1.0
    timed_out = await slow.send("42", OutboundMessage("Tin nhắn riêng"))
    await slow.aclose()
    gone = sender_for(f"http://127.0.0.1:{free_port()}/bot")
    unreachable = await gone.send("42", OutboundMessage("Tin nhắn riêng"))
    await gone.aclose()
    wrong = sender_for(fake.url + "/wrong/bot")
    invalid = await wrong.send("42", OutboundMessage("x"))
    await wrong.aclose()

    assert (timed_out.ok, timed_out.permanent, timed_out.error) == (False, False, "timed out")
    assert (unreachable.ok, unreachable.permanent) == (False, False)
    assert (invalid.ok, invalid.permanent) == (False, False)
    for result in (timed_out, unreachable, invalid):
        assert TELEGRAM_TOKEN not in (result.error or "")
    assert TELEGRAM_TOKEN not in caplog.text
    assert "Tin nhắn riêng" not in caplog.text


async def test_global_rate_limit_of_the_fake_answers_429(fake: FakeTelegramAPI) -> None:
    fake.set_rate_limit(5, retry_after=2)
    sender = sender_for(fake.base_url)
    results = [await sender.send(str(n), OutboundMessage("x")) for n in range(8)]
    await sender.aclose()
    assert sum(r.ok for r in results) == 5
    assert [r.retry_after for r in results if not r.ok] == [2.0, 2.0, 2.0]
    assert fake.rate_limited == 3 and fake.counts["sendMessage"] == 8
