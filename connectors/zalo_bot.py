"""Zalo Bot platform input channel for Rasa.

Webhook: ``POST /webhooks/zalo_bot/webhook`` with the ``secret_token`` given to setWebhook in
``X-Bot-Api-Secret-Token`` (403 otherwise). The event comes bare or wrapped in
``{"ok": true, "result": {...}}``; it is acknowledged at once and handled in the background,
once per ``message.message_id``. Only private chats reach Rasa: a text in a group chat
(``chat.chat_type`` ``GROUP``) gets a pointer to a private chat (see :mod:`connectors.groups`).
Polling and setWebhook live in :mod:`connectors.zalo_bot_polling`.
"""

from __future__ import annotations

import logging
from typing import Any

from sanic.request import Request
from sanic.response import HTTPResponse

from chatbot.channels import make_sender_id
from chatbot.replies import PRIVATE_CHAT_ONLY, TEXT_ONLY, reply_message
from connectors.config import ZaloBotConfig, zalo_bot_config
from connectors.groups import GROUP_POINTERS
from connectors.outputs import SenderOutputChannel
from connectors.webhook import (
    Deliver,
    SecretTokenInputChannel,
    bad_request,
    handle_once,
    parse_json_object,
    record_inbound,
    refuse_long_message,
    too_long,
)
from connectors.zalo_bot_sender import ZALO_BOT_CHOICES, ZaloBotSender

logger = logging.getLogger(__name__)

CHANNEL = "zalo_bot"
SECRET_HEADER = "X-Bot-Api-Secret-Token"
WEBHOOK_PATH = "/webhooks/zalo_bot/webhook"
TEXT_EVENT = "message.text.received"
PRIVATE_CHAT = "PRIVATE"


class ZaloBotOutput(SenderOutputChannel):
    """Rasa's replies to Zalo Bot chats: numbered options, 2,000-character chunks."""

    channel_name = CHANNEL


def unwrap(data: dict[str, Any]) -> dict[str, Any]:
    """The event itself, whether it came bare or as ``{"ok": true, "result": {...}}``."""
    result = data.get("result")
    if "event_name" not in data and isinstance(result, dict):
        return result
    return data


def _field_id(message: dict[str, Any], key: str) -> str | None:
    part = message.get(key)
    value = part.get("id") if isinstance(part, dict) else None
    return str(value) if value not in (None, "") else None


def is_group(message: dict[str, Any]) -> bool:
    """A chat that is not a private one (``chat_type`` other than ``PRIVATE``, e.g. ``GROUP``)."""
    chat = message.get("chat")
    kind = chat.get("chat_type") if isinstance(chat, dict) else None
    return kind is not None and str(kind).upper() != PRIVATE_CHAT


class ZaloBotEventHandler:
    """Handles one Zalo Bot event: to Rasa, a polite text-only reply, or nothing."""

    def __init__(self, sender: ZaloBotSender, deliver: Deliver, dedupe: bool = True) -> None:
        self.sender = sender
        self.deliver = deliver
        self.dedupe = dedupe
        self.max_chars = sender.config.max_message_chars

    async def handle(self, event: dict[str, Any]) -> str:
        name = str(event.get("event_name") or "")
        message = event.get("message")
        if not isinstance(message, dict):
            logger.debug("zalo_bot event without message ignored: %s", name or "unnamed")
            return "ignored"
        chat_id = _field_id(message, "chat") or _field_id(message, "from")
        if chat_id is None:
            return "ignored"
        message_id = message.get("message_id")
        if self.dedupe and message_id:
            return await handle_once(
                CHANNEL, str(message_id), lambda: self._message(name, message, chat_id)
            )
        return await self._message(name, message, chat_id)

    async def _message(self, name: str, message: dict[str, Any], chat_id: str) -> str:
        text = message.get("text")
        if is_group(message):
            return await self._group_message(message, chat_id, name == TEXT_EVENT)
        await record_inbound(CHANNEL, chat_id)
        if name != TEXT_EVENT or not isinstance(text, str):
            await self.sender.send(chat_id, reply_message(TEXT_ONLY, CHANNEL))
            return "unsupported"
        if not text.strip():
            return "ignored"
        if too_long(text, self.max_chars):
            return await refuse_long_message(self.sender, chat_id, self.max_chars)
        text = await ZALO_BOT_CHOICES.resolve(chat_id, text) or text
        metadata = {"zalo_bot": {"event": name, "from": _field_id(message, "from")}}
        await self.deliver(make_sender_id(CHANNEL, chat_id), text, metadata)
        return "message"

    async def _group_message(self, message: dict[str, Any], chat_id: str, is_text: bool) -> str:
        person = _field_id(message, "from") or ""
        if not is_text or not GROUP_POINTERS.allow((CHANNEL, chat_id, person)):
            return "group_ignored"
        await self.sender.send(chat_id, reply_message(PRIVATE_CHAT_ONLY, CHANNEL))
        return "group_pointer"


class ZaloBotInput(SecretTokenInputChannel[ZaloBotConfig, ZaloBotSender]):
    """The Rasa input channel; without ``ZALO_BOT_TOKEN`` and ``ZALO_BOT_WEBHOOK_SECRET`` its
    webhook answers 503 "channel not configured"."""

    channel = CHANNEL
    output_type = ZaloBotOutput
    sender_type = ZaloBotSender
    load_config = staticmethod(zalo_bot_config)
    webhook_variables = ("ZALO_BOT_TOKEN", "ZALO_BOT_WEBHOOK_SECRET")
    secret_header = SECRET_HEADER

    async def receive(self, request: Request, deliver: Deliver) -> HTTPResponse:
        refused = self.refuse(request)
        if refused is not None:
            return refused
        data = parse_json_object(request.body or b"")
        if data is None:
            return bad_request(CHANNEL)
        event = unwrap(data)
        return self.accept_in_background(
            lambda: ZaloBotEventHandler(self.sender, deliver).handle(event)
        )
