"""Telegram webhook registration and the polling mode for schools without public HTTPS.

Polling runs beside ``rasa run``: each update goes through the same
:class:`~connectors.telegram.TelegramUpdateHandler` as the webhook, and the user's text is handed
to Rasa's REST channel (``RASA_URL``) with the ``telegram:<chat_id>`` sender id; Rasa's responses
come back in the HTTP answer and are sent with :class:`~connectors.telegram_sender.TelegramSender`.
"""

from __future__ import annotations

import asyncio
import logging
import re

from telegram.error import Conflict, InvalidToken, RetryAfter, TelegramError

from connectors.config import TelegramConfig
from connectors.polling import RasaRelay, https_webhook_url, sleep_or_stop
from connectors.telegram import (
    ALLOWED_UPDATES,
    WEBHOOK_PATH,
    TelegramOutput,
    TelegramUpdateHandler,
)
from connectors.telegram_sender import TelegramSender, retry_seconds

logger = logging.getLogger(__name__)

_SECRET_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")


async def set_webhook(config: TelegramConfig, url: str, path: str = WEBHOOK_PATH) -> str:
    """Register ``url`` with Telegram, with the secret token; returns the registered URL."""
    secret = config.webhook_secret
    if not secret or not _SECRET_TOKEN_RE.fullmatch(secret):
        raise ValueError(
            "TELEGRAM_WEBHOOK_SECRET must be set: 1-256 characters of A-Z, a-z, 0-9, _ and -"
        )
    target = https_webhook_url(url, path, "Telegram")
    sender = TelegramSender(config)
    try:
        await sender.bot.set_webhook(
            url=target, secret_token=secret, allowed_updates=list(ALLOWED_UPDATES)
        )
    finally:
        await sender.aclose()
    return target


async def poll(
    config: TelegramConfig,
    rasa: str | None = None,
    stop: asyncio.Event | None = None,
    timeout: int = 25,
) -> None:
    """Long-poll ``getUpdates`` and relay each update to Rasa until ``stop`` is set.

    The webhook is removed first (Telegram refuses getUpdates while one is set). Updates are
    handled one at a time, in order; the offset moves past an update once it was handled.
    """
    stop = stop or asyncio.Event()
    sender = TelegramSender(config)
    async with RasaRelay(TelegramOutput, sender, rasa, logger) as relay:
        handler = TelegramUpdateHandler(sender, relay.deliver)
        offset: int | None = None
        await sender.bot.delete_webhook(drop_pending_updates=False)
        logger.info("telegram polling started")
        while not stop.is_set():
            try:
                updates = await sender.bot.get_updates(
                    offset=offset, timeout=timeout, allowed_updates=list(ALLOWED_UPDATES)
                )
            except RetryAfter as exc:
                await sleep_or_stop(stop, retry_seconds(exc))
                continue
            except InvalidToken:
                logger.error("telegram polling stopped: the bot token was rejected")
                raise
            except Conflict:
                logger.warning("telegram getUpdates conflict: another poller or webhook is active")
                await sleep_or_stop(stop, 5.0)
                continue
            except TelegramError as exc:
                logger.warning("telegram getUpdates failed (%s)", type(exc).__name__)
                await sleep_or_stop(stop, 3.0)
                continue
            for update in updates:
                offset = update.update_id + 1
                await relay.handle(handler.handle, update)
