"""Zalo Bot webhook registration and polling (``getUpdates``) beside ``rasa run``.

Like Telegram polling, each update goes through :class:`~connectors.zalo_bot.ZaloBotEventHandler`
and the user's text goes to Rasa's REST channel (``RASA_URL``) as ``zalo_bot:<chat_id>``.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from connectors.config import ZaloBotConfig, rasa_url
from connectors.polling import sleep_or_stop
from connectors.rasa_rest import RasaRestClient, RasaUnavailable
from connectors.texts import ASSISTANT_BUSY
from connectors.zalo_bot import CHANNEL, WEBHOOK_PATH, ZaloBotEventHandler, ZaloBotOutput, unwrap
from connectors.zalo_bot_sender import ZaloBotError, ZaloBotSender

logger = logging.getLogger(__name__)

NO_UPDATES = frozenset({408})


def webhook_url(url: str) -> str:
    stripped = url.rstrip("/")
    return stripped + WEBHOOK_PATH if stripped.count("/") <= 2 else stripped


async def set_webhook(config: ZaloBotConfig, url: str) -> str:
    """Register ``url`` with the Zalo Bot platform, with the secret token."""
    secret = config.webhook_secret
    if not secret or len(secret) < 8:
        raise ValueError("ZALO_BOT_WEBHOOK_SECRET must be set (at least 8 characters)")
    target = webhook_url(url)
    if not target.startswith("https://"):
        raise ValueError("Zalo only calls HTTPS webhook addresses")
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
    client = RasaRestClient(rasa or rasa_url())

    async def deliver(sender_id: str, text: str, metadata: dict[str, Any]) -> None:
        output = ZaloBotOutput(sender)
        try:
            await client.relay(sender_id, text, CHANNEL, metadata, output)
        except RasaUnavailable:
            await output.send_text_message(sender_id, ASSISTANT_BUSY)

    handler = ZaloBotEventHandler(sender, deliver)
    try:
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
                try:
                    outcome = await handler.handle(event)
                    logger.debug("zalo_bot update handled: %s", outcome)
                except Exception as exc:  # noqa: BLE001 - one bad update must not stop polling
                    logger.error("zalo_bot update failed (%s)", type(exc).__name__)
    finally:
        await client.aclose()
        await sender.aclose()
