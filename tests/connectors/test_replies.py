"""The replies connectors send without Rasa come from the domain (chatbot/replies.py)."""

from __future__ import annotations

import pytest

from chatbot.delivery.outbound import Button
from chatbot.replies import (
    CHANNEL_REPLIES,
    CHOOSE_BY_NUMBER,
    PRIVATE_CHAT_ONLY,
    domain_responses,
    message_too_long,
    reply_message,
    reply_text,
    thousands,
)
from connectors.config import TelegramConfig
from connectors.telegram import private_chat_pointer
from connectors.text import numbered_text


@pytest.mark.parametrize("name", CHANNEL_REPLIES)
def test_each_connector_reply_is_a_domain_response_with_one_text_for_everyone(name: str) -> None:
    variations = domain_responses()[name]
    assert not any(v.get("condition") for v in variations), "a connector does not know the role"
    assert reply_text(name, limit="2.000") == variations[0]["text"].format(limit="2.000")


def test_the_private_chat_pointer_opens_the_bot_on_telegram_only() -> None:
    assert reply_message(PRIVATE_CHAT_ONLY, "zalo_bot").buttons == ()
    message = reply_message(PRIVATE_CHAT_ONLY, "telegram", bot_username="truong_bot")
    assert message.buttons == (Button("Nhắn riêng cho trợ lý", "https://t.me/truong_bot"),)
    assert message.text == reply_text(PRIVATE_CHAT_ONLY) and len(message.text) <= 200  # a popup
    config = TelegramConfig(token="t", webhook_secret=None, bot_username="")
    assert private_chat_pointer(config).buttons == ()


def test_a_missing_value_is_an_error_not_a_placeholder() -> None:
    with pytest.raises(KeyError):
        reply_message(PRIVATE_CHAT_ONLY, "telegram")


def test_the_cap_is_written_the_vietnamese_way() -> None:
    assert thousands(2000) == "2.000" and thousands(500) == "500" and thousands(12345) == "12.345"
    text = message_too_long(2000, "zalo")
    assert "tối đa 2.000 ký tự" in text and "{" not in text


def test_numbered_options_end_with_the_hint_from_the_domain() -> None:
    text = numbered_text("Chọn một mục:", (Button("Có", "/affirm"),))
    assert text.endswith("1. Có\n\n" + reply_text(CHOOSE_BY_NUMBER))
