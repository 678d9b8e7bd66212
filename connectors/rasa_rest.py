"""Hands user messages to a running Rasa server through its REST channel (polling mode)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import httpx

from connectors.outputs import SenderOutputChannel

logger = logging.getLogger(__name__)


class RasaUnavailable(RuntimeError):
    """Rasa did not answer after the retries."""


class RasaRestClient:
    """POSTs to ``{rasa_url}/webhooks/rest/webhook`` and returns the bot's responses."""

    def __init__(self, rasa_url: str, timeout: float = 60.0, attempts: int = 3) -> None:
        self._url = f"{rasa_url.rstrip('/')}/webhooks/rest/webhook"
        self._client = httpx.AsyncClient(timeout=timeout)
        self._attempts = attempts

    async def ask(
        self, sender_id: str, text: str, input_channel: str, metadata: dict[str, Any]
    ) -> list[dict[str, Any]]:
        body = {
            "sender": sender_id,
            "message": text,
            "input_channel": input_channel,
            "metadata": metadata,
        }
        for attempt in range(1, self._attempts + 1):
            try:
                reply = await self._client.post(self._url, json=body)
                reply.raise_for_status()
                data = reply.json()
                return [item for item in data if isinstance(item, dict)]
            except (httpx.HTTPError, ValueError) as exc:
                logger.warning(
                    "rasa REST call failed (%s), attempt %d/%d",
                    type(exc).__name__,
                    attempt,
                    self._attempts,
                )
                if attempt < self._attempts:
                    await asyncio.sleep(0.5 * 2**attempt)
        raise RasaUnavailable("Rasa REST channel did not answer")

    async def relay(
        self,
        sender_id: str,
        text: str,
        input_channel: str,
        metadata: dict[str, Any],
        output: SenderOutputChannel,
    ) -> None:
        """Ask Rasa and send each response through ``output``."""
        for message in await self.ask(sender_id, text, input_channel, metadata):
            message.pop("recipient_id", None)
            await output.send_response(sender_id, message)

    async def aclose(self) -> None:
        await self._client.aclose()
