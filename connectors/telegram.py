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
from telegram import Chat, Message, MessageEntity, Update

from chatbot import relay_keys
from chatbot.channels import make_sender_id
from chatbot.delivery.outbound import OutboundMessage
from chatbot.replies import BUTTON_EXPIRED, PRIVATE_CHAT_ONLY, TEXT_ONLY, reply_message, reply_text
from chatbot.school.invites import normalize_code
from connectors.config import TelegramConfig, telegram_config
from connectors.groups import GROUP_POINTERS
from connectors.outputs import SenderOutputChannel
from connectors.telegram_sender import CALLBACK_PAYLOADS, TelegramSender
from connectors.webhook import (
    Deliver,
    SecretTokenInputChannel,
    bad_request,
    handle_once,
    not_configured,
    parse_json_object,
    record_inbound,
    refuse_long_message,
    too_long,
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


def _names_bot(entity: MessageEntity, text: str, config: TelegramConfig) -> bool:
    username = (config.bot_username or "").lower()
    if entity.type == MessageEntity.BOT_COMMAND:  # "/help" or "/help@this_bot", not another bot's
        _, _, target = text.partition("@")
        return entity.offset == 0 and (not target or target.lower() == username)
    if entity.type == MessageEntity.MENTION:
        return bool(username) and text.lower() == f"@{username}"
    if entity.type == MessageEntity.TEXT_MENTION:
        return entity.user is not None and entity.user.id == config.bot_id
    return False


def addressed_to_bot(message: Message, config: TelegramConfig) -> bool:
    """Whether a group message speaks to this bot: a command (not another bot's), a mention,
    or a reply to one of the bot's messages."""
    if any(_names_bot(e, text, config) for e, text in message.parse_entities().items()):
        return True
    replied = message.reply_to_message
    author = replied.from_user if replied is not None else None
    return author is not None and author.id == config.bot_id


def private_chat_pointer(config: TelegramConfig) -> OutboundMessage:
    """The reply in a group: talk to the bot privately (with a button opening that chat)."""
    if not config.bot_username:
        return reply_message(PRIVATE_CHAT_ONLY)
    return reply_message(PRIVATE_CHAT_ONLY, CHANNEL, bot_username=config.bot_username)


class TelegramUpdateHandler:
    """Turns one Telegram update into a message for Rasa, a direct reply, or nothing.

    Only private chats reach Rasa; see :mod:`connectors.groups` for group chats.
    """

    def __init__(self, sender: TelegramSender, deliver: Deliver) -> None:
        self.sender = sender
        self.config = sender.config
        self.deliver = deliver

    async def handle(self, update: Update) -> str:
        """Handle ``update``; returns what was done (for the webhook's answer and the logs)."""
        if update.callback_query is not None:
            return await self._callback(update)
        message = update.message or update.edited_message
        if message is None:
            return "ignored"
        if message.chat.type != Chat.PRIVATE:
            return await self._group_message(message)
        return await self._message(message, edited=update.edited_message is not None)

    async def _message(self, message: Message, edited: bool) -> str:
        chat_id = str(message.chat.id)
        await record_inbound(CHANNEL, chat_id)
        if message.text is not None:
            if too_long(message.text, self.config.max_message_chars):
                return await refuse_long_message(self.sender, chat_id, self.config.max_message_chars)
            metadata = {"telegram": {"chat_type": Chat.PRIVATE, "edited": edited}}
            thread_id = self._relay_thread(message)
            if thread_id is not None:  # a reply to a relayed message: passed on in its thread
                metadata["telegram"]["relay_text"] = message.text
                reply = relay_keys.payload(relay_keys.REPLY_INTENT, thread_id)
                await self.deliver(make_sender_id(CHANNEL, chat_id), reply, metadata)
                return "relay_reply"
            await self.deliver(make_sender_id(CHANNEL, chat_id), translate_text(message.text), metadata)
            return "message"
        if any(getattr(message, f) for f in _MEDIA_FIELDS):
            await self.sender.send(chat_id, reply_message(TEXT_ONLY, CHANNEL))
            return "unsupported"
        return "ignored"

    def _relay_thread(self, message: Message) -> int | None:
        """The relay thread of the bot's message this one replies to (its ``[Trao đổi số N]`` tag)."""
        replied = message.reply_to_message
        author = replied.from_user if replied is not None else None
        if replied is None or author is None or not replied.text:
            return None
        from_bot = author.id == self.config.bot_id if self.config.bot_id else author.is_bot
        return relay_keys.thread_in(replied.text) if from_bot else None

    async def _group_message(self, message: Message) -> str:
        person = message.from_user.id if message.from_user is not None else 0
        if not addressed_to_bot(message, self.config):
            return "group_ignored"
        if not GROUP_POINTERS.allow((CHANNEL, message.chat.id, person)):
            return "group_ignored"
        await self.sender.send(str(message.chat.id), private_chat_pointer(self.config))
        return "group_pointer"

    async def _callback(self, update: Update) -> str:
        query = update.callback_query
        assert query is not None
        chat = query.message.chat if query.message is not None else None
        if chat is not None and chat.type != Chat.PRIVATE:
            await self.sender.answer_callback(query.id, text=reply_text(PRIVATE_CHAT_ONLY))
            return "group_pointer"
        await self.sender.answer_callback(query.id)
        chat_id = str(chat.id if chat is not None else query.from_user.id)
        await record_inbound(CHANNEL, chat_id)
        if not query.data:
            return "ignored"
        payload = await CALLBACK_PAYLOADS.decode(query.data)
        if payload is None:
            await self.sender.send(chat_id, reply_message(BUTTON_EXPIRED, CHANNEL))
            return "expired_button"
        metadata = {"telegram": {"chat_type": Chat.PRIVATE, "button": True}}
        await self.deliver(make_sender_id(CHANNEL, chat_id), payload, metadata)
        return "callback"


class TelegramInput(SecretTokenInputChannel[TelegramConfig, TelegramSender]):
    """The Rasa input channel; without ``TELEGRAM_BOT_TOKEN`` and ``TELEGRAM_WEBHOOK_SECRET``
    its webhook answers 503 "channel not configured".

    An update counts as processed only once it was handled: if handling fails the webhook
    answers 500, Telegram sends the update again, and that retry is handled (once).
    """

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
        handler = TelegramUpdateHandler(self.sender, deliver)
        try:
            outcome = await handle_once(CHANNEL, str(update.update_id), lambda: handler.handle(update))
        except Exception as exc:  # noqa: BLE001 - the update was given back: Telegram resends it
            logger.error("telegram update failed (%s); Telegram will resend it", type(exc).__name__)
            return response.json({"status": "error"}, status=500)
        logger.debug("telegram update handled: %s", outcome)
        if outcome == "in_progress":  # another request is handling it: Telegram asks again later
            return response.json({"status": outcome}, status=409)
        return response.json({"status": outcome})
