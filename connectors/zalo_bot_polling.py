"""Zalo Bot webhook registration and polling (``getUpdates``) beside ``rasa run``.

Like Telegram polling, each update goes through :class:`~connectors.zalo_bot.ZaloBotEventHandler`
and the user's text goes to Rasa's REST channel (``RASA_URL``) as ``zalo_bot:<chat_id>``.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from connectors.config import ZaloBotConfig
from connectors.polling import RasaRelay, https_webhook_url, sleep_or_stop
from connectors.zalo_bot import WEBHOOK_PATH, ZaloBotEventHandler, ZaloBotOutput, unwrap
from connectors.zalo_bot_sender import ZaloBotError, ZaloBotSender

logger = logging.getLogger(__name__)

NO_UPDATES = frozenset({408})


async def set_webhook(config: ZaloBotConfig, url: str, path: str = WEBHOOK_PATH) -> str:
    """Register ``url`` with the Zalo Bot platform, with the secret token."""
    secret = config.webhook_secret
    if not secret or len(secret) < 8:
        raise ValueError("ZALO_BOT_WEBHOOK_SECRET must be set (at least 8 characters)")
    target = https_webhook_url(url, path, "Zalo")
    sender = ZaloBotSender(config)
    try:
        await sender.api.call("setWebhook", {"url": target, "secret_token": secret})
    finally:
        await sender.aclose()
    return target


def _updates(result: Any) -> list[dict[str, Any]]:
    """``getUpdates`` answers one update or a list of them."""
    items = result if isinstance(result, list) else [result]
    return [unwrap(item) for item in items if isinstance(item, dict) and item]


async def poll(
    config: ZaloBotConfig,
    rasa: str | None = None,
    stop: asyncio.Event | None = None,
    timeout: int = 30,
) -> None:
    """Long-poll ``getUpdates`` and relay each update to Rasa until ``stop`` is set."""
    stop = stop or asyncio.Event()
    sender = ZaloBotSender(config)
    async with RasaRelay(ZaloBotOutput, sender, rasa, logger) as relay:
        handler = ZaloBotEventHandler(sender, relay.deliver)
        try:
            await sender.api.call("deleteWebhook")
        except ZaloBotError as exc:
            logger.warning("zalo_bot deleteWebhook failed (HTTP %s)", exc.status)
        logger.info("zalo_bot polling started")
        while not stop.is_set():
            try:
                result = await sender.api.call(
                    "getUpdates", {"timeout": timeout}, timeout=timeout + 15
                )
            except ZaloBotError as exc:
                if exc.status in NO_UPDATES or exc.error_code in NO_UPDATES:
                    await sleep_or_stop(stop, 0.1)  # the long poll ended without updates
                    continue
                if exc.status in (401, 404):
                    logger.error("zalo_bot polling stopped: the bot token was rejected")
                    raise
                logger.warning("zalo_bot getUpdates failed (HTTP %s)", exc.status)
                await sleep_or_stop(stop, exc.retry_after or 3.0)
                continue
            for event in _updates(result):
                await relay.handle(handler.handle, event)
