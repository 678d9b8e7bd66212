"""The Zalo Bot platform API (``{ZALO_BOT_API_BASE_URL}<TOKEN>/<method>``) and its sender.

Request URLs contain the bot token, so errors carry status and error codes only: never an
httpx exception's text, which may quote the URL.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

import httpx

from chatbot.delivery.outbound import OutboundMessage, SendResult
from connectors.config import ZaloBotConfig, quiet_http_loggers
from connectors.text import NumberedChoices, numbered_text, split_text

logger = logging.getLogger(__name__)

CHANNEL = "zalo_bot"
TEXT_LIMIT = 2000

ZALO_BOT_CHOICES = NumberedChoices(CHANNEL)


class ZaloBotError(RuntimeError):
    """An API call failed; ``status`` is the HTTP status (0 for a network error)."""

    def __init__(self, status: int, error_code: int | None, retry_after: float | None = None):
        self.status = status
        self.error_code = error_code
        self.retry_after = retry_after
        super().__init__(f"zalo bot API error (HTTP {status}, code {error_code})")


def _number(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class ZaloBotApi:
    """A thin JSON client for the Bot API methods."""

    def __init__(self, config: ZaloBotConfig, timeout: float = 15.0) -> None:
        quiet_http_loggers()
        self._base = f"{config.api_base_url}{config.token}"
        self._client = httpx.AsyncClient(timeout=timeout)

    async def call(
        self, method: str, params: dict[str, Any] | None = None, timeout: float | None = None
    ) -> Any:
        """The ``result`` of ``method``; raises :class:`ZaloBotError` on any failure."""
        extra = {"timeout": timeout} if timeout is not None else {}
        try:
            reply = await self._client.post(f"{self._base}/{method}", json=params or {}, **extra)
        except httpx.HTTPError as exc:
            logger.info("zalo_bot %s failed: %s", method, type(exc).__name__)
            raise ZaloBotError(0, None) from None
        try:
            data = reply.json()
        except ValueError:
            data = {}
        if not isinstance(data, dict):
            data = {}
        if reply.status_code == 200 and data.get("ok") is True:
            return data.get("result")
        parameters = data.get("parameters") if isinstance(data.get("parameters"), dict) else {}
        retry_after = parameters.get("retry_after")
        raise ZaloBotError(reply.status_code, _number(data.get("error_code")), _number(retry_after))

    async def aclose(self) -> None:
        await self._client.aclose()


def result_for(error: ZaloBotError) -> SendResult:
    status = error.error_code if error.status == 200 and error.error_code else error.status
    if status == 429:
        return SendResult(ok=False, retry_after=error.retry_after or 1.0, error="rate limited")
    if status == 403:  # blocked: this message fails, the account stays
        return SendResult(ok=False, undeliverable=True, error="forbidden: bot blocked")
    if status in (401, 404):
        return SendResult(ok=False, error="invalid bot token or API address")
    if status == 0:
        return SendResult(ok=False, error="network error")
    if status >= 500:
        return SendResult(ok=False, error=f"HTTP {status}")
    return SendResult(ok=False, error=f"request refused (HTTP {error.status}, code {error.error_code})")


class ZaloBotSender:
    """Implements :class:`chatbot.delivery.outbound.Sender` for the Zalo Bot platform.

    The Bot API has no buttons: they become numbered options, resolved when the user answers
    with a number (see :class:`~connectors.text.NumberedChoices`).
    """

    channel = CHANNEL

    def __init__(self, config: ZaloBotConfig, api: ZaloBotApi | None = None) -> None:
        self.config = config
        self.api = api or ZaloBotApi(config)

    async def send(self, external_id: str, message: OutboundMessage) -> SendResult:
        text = message.text
        if message.buttons:
            text = numbered_text(text, message.buttons)
            await ZALO_BOT_CHOICES.remember(external_id, message.buttons)
        chunks = split_text(text, TEXT_LIMIT) or ["…"]
        for index in range(message.first_chunk, len(chunks)):
            try:
                await self.api.call("sendMessage", {"chat_id": external_id, "text": chunks[index]})
            except ZaloBotError as error:
                result = replace(result_for(error), chunks_sent=index)
                logger.warning("zalo_bot send failed: %s", result.error)
                return result
        return SendResult.delivered(len(chunks))

    async def aclose(self) -> None:
        await self.api.aclose()
