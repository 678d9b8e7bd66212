"""Sending to Telegram with python-telegram-bot's :class:`telegram.Bot`.

Errors are mapped to :class:`SendResult` by exception type; exception messages are never
logged or returned because they can quote request URLs, and those hold the bot token.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.request import HTTPXRequest
from telegram.warnings import PTBDeprecationWarning

from chatbot.delivery.outbound import Button, OutboundMessage, SendResult
from connectors.button_store import CALLBACK_DATA_LIMIT as CALLBACK_DATA_LIMIT
from connectors.button_store import CallbackPayloads
from connectors.config import TelegramConfig, quiet_http_loggers
from connectors.text import split_text

logger = logging.getLogger(__name__)

CHANNEL = "telegram"
TEXT_LIMIT = 4096
_PERMANENT_BAD_REQUESTS = ("chat not found", "user is deactivated", "peer_id_invalid")


CALLBACK_PAYLOADS = CallbackPayloads()


async def inline_keyboard(buttons: Sequence[Button]) -> InlineKeyboardMarkup | None:
    """One button per row; a payload that is an http(s) URL becomes a link button."""
    if not buttons:
        return None
    rows = []
    for button in buttons:
        if button.payload.startswith(("https://", "http://")):
            rows.append([InlineKeyboardButton(button.title, url=button.payload)])
        else:
            data = await CALLBACK_PAYLOADS.encode(button.payload)
            rows.append([InlineKeyboardButton(button.title, callback_data=data)])
    return InlineKeyboardMarkup(rows)


def retry_seconds(error: RetryAfter) -> float:
    """Seconds to wait; works whether PTB returns an int or (``PTB_TIMEDELTA``) a timedelta."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value: int | timedelta = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def result_for(error: TelegramError) -> SendResult:
    """Map a python-telegram-bot error to a :class:`SendResult` (without the error message)."""
    if isinstance(error, RetryAfter):
        return SendResult(ok=False, retry_after=retry_seconds(error), error="rate limited")
    if isinstance(error, Forbidden):  # blocked: this message fails, the account stays
        return SendResult(ok=False, undeliverable=True, error="forbidden: bot blocked or kicked")
    if isinstance(error, InvalidToken):
        return SendResult(ok=False, error="invalid bot token or API address")
    if isinstance(error, ChatMigrated):
        return SendResult(ok=False, permanent=True, error="group chat migrated")
    if isinstance(error, BadRequest):
        lowered = error.message.lower()
        if any(marker in lowered for marker in _PERMANENT_BAD_REQUESTS):
            return SendResult(ok=False, permanent=True, error="bad request: chat not found")
        return SendResult(ok=False, error="bad request")
    if isinstance(error, TimedOut):
        return SendResult(ok=False, error="timed out")
    if isinstance(error, NetworkError):
        return SendResult(ok=False, error="network or server error")
    return SendResult(ok=False, error=f"telegram error {type(error).__name__}")


class TelegramSender:
    """Implements :class:`chatbot.delivery.outbound.Sender` for Telegram."""

    channel = CHANNEL

    def __init__(self, config: TelegramConfig, timeout: float = 15.0, pool_size: int = 64) -> None:
        quiet_http_loggers()
        self.config = config
        self._requests = (
            HTTPXRequest(
                connection_pool_size=pool_size,
                read_timeout=timeout,
                write_timeout=timeout,
                connect_timeout=timeout,
                pool_timeout=timeout,
            ),
            HTTPXRequest(read_timeout=timeout + 60, connect_timeout=timeout),
        )
        # The Bot is used without initialize(): that would call getMe, and its InvalidToken
        # message quotes the token. The request objects are ready once constructed.
        self.bot = Bot(
            config.token,
            base_url=config.api_base_url,
            request=self._requests[0],
            get_updates_request=self._requests[1],
        )

    async def send(self, external_id: str, message: OutboundMessage) -> SendResult:
        chunks = split_text(message.text, TEXT_LIMIT) or ["…"]
        markup = await inline_keyboard(message.buttons)
        for index in range(message.first_chunk, len(chunks)):
            last = index == len(chunks) - 1
            try:
                await self.bot.send_message(
                    chat_id=external_id, text=chunks[index], reply_markup=markup if last else None
                )
            except TelegramError as error:
                result = replace(result_for(error), chunks_sent=index)
                logger.info("telegram send failed: %s", result.error)
                return result
        return SendResult.delivered(len(chunks))

    async def answer_callback(self, callback_query_id: str, text: str | None = None) -> None:
        """Stop the button's spinner; a failure here is logged and otherwise ignored."""
        try:
            await self.bot.answer_callback_query(callback_query_id, text=text)
        except TelegramError as error:
            logger.info("telegram answerCallbackQuery failed: %s", result_for(error).error)

    async def aclose(self) -> None:
        for request in self._requests:
            await request.shutdown()
