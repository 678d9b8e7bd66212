"""Pure helpers: sender ids, text splitting, numbered options, payload translation, signatures."""

from __future__ import annotations

import pytest

from chatbot.channels import make_sender_id, split_sender_id
from chatbot.delivery.outbound import Button
from chatbot.replies import message_too_long
from chatbot.settings import max_message_chars
from chatbot.throttle import OncePer
from connectors.config import TelegramConfig, ZaloConfig
from connectors.telegram import start_command_text, translate_text
from connectors.text import NumberedChoices, numbered_text, split_text, utf16_len
from connectors.webhook import secrets_match
from connectors.zalo import signature, signature_valid, timestamp_fresh
from connectors.zalo_bot import unwrap


@pytest.mark.parametrize(
    ("channel", "external", "sender_id"),
    [
        ("telegram", 42, "telegram:42"),
        ("telegram", "-1001", "telegram:-1001"),
        ("zalo", "77", "zalo:77"),
        ("zalo_bot", "abc:def", "zalo_bot:abc:def"),
        ("rest", "web-1", "web-1"),
    ],
)
def test_sender_ids_round_trip(channel: str, external: str | int, sender_id: str) -> None:
    assert make_sender_id(channel, external) == sender_id
    assert split_sender_id(sender_id) == (channel, str(external))


@pytest.mark.parametrize("sender_id", ["default", "facebook:12", "telegram:", "a:b"])
def test_unprefixed_ids_belong_to_rest(sender_id: str) -> None:
    assert split_sender_id(sender_id) == ("rest", sender_id)


def test_make_sender_id_rejects_unknown_channels_and_empty_ids() -> None:
    with pytest.raises(ValueError):
        make_sender_id("facebook", "1")
    with pytest.raises(ValueError):
        make_sender_id("telegram", "")


def test_split_prefers_line_breaks_and_keeps_every_character() -> None:
    text = "\n".join(["a" * 30, "b" * 30, "c" * 30])
    assert split_text(text, 70) == ["a" * 30 + "\n" + "b" * 30, "c" * 30]
    assert split_text("short", 10) == ["short"]
    assert split_text("   ", 10) == []


def test_split_falls_back_to_spaces_then_hard_cuts() -> None:
    assert split_text("one two three four", 9) == ["one two", "three", "four"]
    assert split_text("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]


def test_split_counts_utf16_units_and_never_cuts_an_emoji() -> None:
    text = "😀" * 10  # 20 UTF-16 units
    parts = split_text(text, 5)
    assert all(utf16_len(p) <= 5 for p in parts)
    assert "".join(parts) == text
    assert parts[0] == "😀😀"


async def test_numbered_options_resolve_to_payloads(db: str) -> None:
    choices = NumberedChoices(ttl_seconds=60)
    buttons = (Button("Có", "/affirm"), Button("Không", "/deny"))
    text = numbered_text("Dạ, Quý phụ huynh đồng ý không?", buttons)
    assert "1. Có\n2. Không" in text
    await choices.remember("u1", buttons)
    assert await choices.resolve("u1", "2") == "/deny"
    assert await choices.resolve("u1", "2.") == "/deny"
    assert await choices.resolve("u1", "3") is None
    assert await choices.resolve("u1", "có") is None
    assert await choices.resolve("u2", "1") is None
    expired = NumberedChoices("other", ttl_seconds=0)
    await expired.remember("u1", buttons)
    assert await expired.resolve("u1", "1") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/start ABCD2345", '/link_account{"invite_code":"ABCD2345"}'),
        ("/start@truong_bot abcd-2345", '/link_account{"invite_code":"ABCD2345"}'),
        ("/start", "/greet"),
        ('/start AB"},"role":"teacher', "/greet"),
        ("/start ABCD2345/other_intent", "/greet"),
        ("xin chào", "xin chào"),
        ("/help", "/help"),
    ],
)
def test_telegram_text_translation(text: str, expected: str) -> None:
    assert translate_text(text) == expected


def test_start_payload_must_be_an_invite_code() -> None:
    assert start_command_text("WXYZ6789") == '/link_account{"invite_code":"WXYZ6789"}'
    for payload in ("WXYZ678", "WXYZ67899", "ABCD1234", "ABCDO234", "ĐĐĐĐ2345", ""):
        assert start_command_text(payload) == "/greet"


def test_secrets_match_in_constant_time_semantics() -> None:
    assert secrets_match("abc", "abc")
    assert not secrets_match("abc", "abd")
    assert not secrets_match(None, "abc")
    assert not secrets_match("", "")
    assert not secrets_match("abc", None)


def test_zalo_signature_accepts_both_header_forms() -> None:
    config = ZaloConfig(app_id="1", app_secret="s", oa_secret_key="k")
    body = b'{"timestamp":"5"}'
    mac = signature(config, body, "5")
    assert signature_valid(config, body, "5", f"mac={mac}")
    assert signature_valid(config, body, "5", mac)
    assert signature_valid(config, body, "5", f"MAC={mac.upper()}")
    assert not signature_valid(config, body, "6", mac)
    assert not signature_valid(config, body + b" ", "5", mac)
    assert not signature_valid(config, body, "5", None)


def test_zalo_bot_events_unwrap() -> None:
    event = {"event_name": "message.text.received", "message": {"text": "a"}}
    assert unwrap(event) is event
    assert unwrap({"ok": True, "result": event}) == event
    assert unwrap({"ok": True, "result": "x"}) == {"ok": True, "result": "x"}


def test_message_caps_default_per_channel_and_refuse_nonsense(monkeypatch: pytest.MonkeyPatch) -> None:
    channels = ("telegram", "zalo", "zalo_bot", "rest")
    assert [max_message_chars(c) for c in channels] == [4096, 2000, 2000, 2000]
    monkeypatch.setenv("REST_MAX_MESSAGE_CHARS", "500")
    assert max_message_chars("rest") == 500
    for bad in ("0", "-3", "lots"):
        monkeypatch.setenv("ZALO_MAX_MESSAGE_CHARS", bad)
        with pytest.raises(ValueError, match="ZALO_MAX_MESSAGE_CHARS"):
            max_message_chars("zalo")


def test_too_long_reply_names_the_cap_the_vietnamese_way() -> None:
    assert "tối đa 4.096 ký tự" in message_too_long(4096)
    assert "tối đa 500 ký tự" in message_too_long(500)


@pytest.mark.parametrize(
    ("offset", "fresh"), [(0, True), (-299, True), (299, True), (-301, False), (301, False)]
)
def test_zalo_event_time_window(offset: float, fresh: bool) -> None:
    now = 1_770_000_000.0
    assert timestamp_fresh(str(int((now + offset) * 1000)), 300, now=now) is fresh


@pytest.mark.parametrize("timestamp", ["", "soon", "1.5e12"])
def test_zalo_event_without_a_readable_time_is_not_fresh(timestamp: str) -> None:
    assert not timestamp_fresh(timestamp, 300)


def test_once_per_interval_per_key_in_bounded_memory() -> None:
    clock = [0.0]
    gate = OncePer(60, max_keys=2, clock=lambda: clock[0])
    assert gate.allow("a") and not gate.allow("a")
    clock[0] = 60
    assert gate.allow("a")
    assert gate.allow("b") and gate.allow("c")  # "a" is forgotten beyond two keys
    assert gate.allow("a")
    gate.forget("c")
    assert gate.allow("c")


def test_telegram_bot_id_is_the_token_prefix() -> None:
    assert TelegramConfig(token="123456:abc", webhook_secret=None).bot_id == 123456
    assert TelegramConfig(token="weird", webhook_secret=None).bot_id is None
