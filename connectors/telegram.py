"""Telegram input channel for Rasa: webhook, update handling, replies and invite deep links.

Webhook: ``POST /webhooks/telegram/webhook``; Telegram sends the ``secret_token`` given to
setWebhook in ``X-Telegram-Bot-Api-Secret-Token`` and anything without it is refused (403).
Polling and setWebhook live in :mod:`connectors.telegram_polling`.
"""

from __future__ import annotations

import json
import logging

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse
from telegram import Chat, Message, Update

from chatbot.channels import make_sender_id
from chatbot.delivery.outbound import OutboundMessage
from chatbot.school.invites import normalize_code
from connectors.config import TelegramConfig, telegram_config
from connectors.outputs import SenderOutputChannel
from connectors.telegram_sender import CALLBACK_PAYLOADS, TelegramSender
from connectors.texts import BUTTON_EXPIRED, TEXT_ONLY
from connectors.webhook import (
    Deliver,
    SecretTokenInputChannel,
    bad_request,
    claim_event,
    not_configured,
    parse_json_object,
)

logger = logging.getLogger(__name__)

CHANNEL = "telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
WEBHOOK_PATH = "/webhooks/telegram/webhook"
ALLOWED_UPDATES = ("message", "edited_message", "callback_query")
_MEDIA_FIELDS = (
    "photo", "sticker", "voice", "audio", "document", "video", "video_note", "animation",
    "location", "contact", "venue", "poll", "dice",
)


class TelegramOutput(SenderOutputChannel):
    """Rasa's replies to Telegram: inline keyboards, texts split at 4096 characters."""

    channel_name = CHANNEL


def invite_deep_link(code: str, bot_username: str | None = None) -> str:
    """``https://t.me/<bot>?start=<CODE>``: opening it starts the bot with the invite code."""
    username = bot_username
    if username is None:
        config = telegram_config()
        username = config.bot_username if config else None
    if not username:
        raise ValueError("TELEGRAM_BOT_USERNAME is not set")
    compact = normalize_code(code)
    if compact is None:
        raise ValueError("not an invite code")
    return f"https://t.me/{username.lstrip('@')}?start={compact}"


def start_command_text(argument: str) -> str:
    """What Rasa receives for ``/start <argument>``: a link request or a greeting.

    Only a payload that is a well-formed invite code (the invite alphabet, 8 characters)
    becomes an entity, so a crafted link cannot inject another intent or entity.
    """
    code = normalize_code(argument)
    if code is not None:
        return "/link_account" + json.dumps({"invite_code": code}, separators=(",", ":"))
    return "/greet"


def translate_text(text: str) -> str:
    command, _, argument = text.strip().partition(" ")
    if command.split("@", 1)[0].lower() == "/start":
        return start_command_text(argument.strip())
    return text


class TelegramUpdateHandler:
    """Turns one Telegram update into a message for Rasa, a direct reply, or nothing."""

    def __init__(self, sender: TelegramSender, allow_groups: bool, deliver: Deliver) -> None:
        self.sender = sender
        self.allow_groups = allow_groups
        self.deliver = deliver

    def _chat_allowed(self, chat: Chat | None) -> bool:
        return chat is not None and (chat.type == Chat.PRIVATE or self.allow_groups)

    async def handle(self, update: Update) -> str:
        """Handle ``update``; returns what was done (for the webhook's answer and the logs)."""
        if update.callback_query is not None:
            return await self._callback(update)
        message = update.message or update.edited_message
        if message is None:
            return "ignored"
        return await self._message(message, edited=update.edited_message is not None)

    async def _message(self, message: Message, edited: bool) -> str:
        chat = message.chat
        if not self._chat_allowed(chat):
            return "group_ignored"
        if message.text is not None:
            metadata = {"telegram": {"chat_type": chat.type, "edited": edited}}
            await self.deliver(make_sender_id(CHANNEL, chat.id), translate_text(message.text), metadata)
            return "message"
        if chat.type == Chat.PRIVATE and any(getattr(message, f) for f in _MEDIA_FIELDS):
            await self.sender.send(str(chat.id), OutboundMessage(text=TEXT_ONLY))
            return "unsupported"
        return "ignored"

    async def _callback(self, update: Update) -> str:
        query = update.callback_query
        assert query is not None
        await self.sender.answer_callback(query.id)
        chat = query.message.chat if query.message is not None else None
        chat_id = chat.id if chat is not None else query.from_user.id
        if chat is not None and not self._chat_allowed(chat):
            return "group_ignored"
        if not query.data:
            return "ignored"
        payload = CALLBACK_PAYLOADS.decode(query.data)
        if payload is None:
            await self.sender.send(str(chat_id), OutboundMessage(text=BUTTON_EXPIRED))
            return "expired_button"
        metadata = {"telegram": {"chat_type": chat.type if chat else Chat.PRIVATE, "button": True}}
        await self.deliver(make_sender_id(CHANNEL, chat_id), payload, metadata)
        return "callback"


class TelegramInput(SecretTokenInputChannel[TelegramConfig, TelegramSender]):
    """The Rasa input channel; without ``TELEGRAM_BOT_TOKEN`` and ``TELEGRAM_WEBHOOK_SECRET``
    its webhook answers 503 "channel not configured"."""

    channel = CHANNEL
    output_type = TelegramOutput
    sender_type = TelegramSender
    load_config = staticmethod(telegram_config)
    webhook_variables = ("TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET")
    secret_header = SECRET_HEADER

    async def receive(self, request: Request, deliver: Deliver) -> HTTPResponse:
        refused = self.refuse(request)
        if refused is not None or self.config is None:
            return refused or not_configured(CHANNEL)
        data = parse_json_object(request.body)
        if data is None:
            return bad_request(CHANNEL)
        try:
            update = Update.de_json(data, None)
        except (TypeError, ValueError, KeyError, AttributeError):
            return bad_request(CHANNEL)
        if not await claim_event(CHANNEL, str(update.update_id)):
            return response.json({"status": "duplicate"})
        handler = TelegramUpdateHandler(self.sender, self.config.allow_groups, deliver)
        try:
            outcome = await handler.handle(update)
        except Exception as exc:  # noqa: BLE001 - answer 200 so Telegram does not resend
            logger.error("telegram update failed (%s)", type(exc).__name__)
            outcome = "error"
        logger.debug("telegram update handled: %s", outcome)
        return response.json({"status": outcome})
