"""Helpers for webhook registration and the long-polling loops."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any, TypeVar

from chatbot.delivery.outbound import Sender
from chatbot.replies import ASSISTANT_BUSY, reply_text
from chatbot.settings import rest_settings
from connectors.outputs import SenderOutputChannel
from connectors.rasa_rest import RasaRestClient, RasaUnavailable
from connectors.school_bots import own_sender_id

Update = TypeVar("Update")


def webhook_url(url: str, path: str) -> str:
    """``url`` itself, or with the webhook ``path`` appended when only a site address is given."""
    stripped = url.rstrip("/")
    if stripped.count("/") <= 2:  # "https://host" has no path
        return stripped + path
    return stripped


def https_webhook_url(url: str, path: str, platform: str) -> str:
    """:func:`webhook_url`, refused (``ValueError``) unless it is an HTTPS address."""
    target = webhook_url(url, path)
    if not target.startswith("https://"):
        raise ValueError(f"{platform} only calls HTTPS webhook addresses")
    return target


async def sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    """Sleep ``seconds`` unless ``stop`` is set first."""
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


def run_until_signalled(poller: Callable[[asyncio.Event], Awaitable[None]]) -> None:
    """Run ``poller(stop)`` in a new event loop; SIGINT and SIGTERM set ``stop``."""

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await poller(stop)

    asyncio.run(main())


class RasaRelay:
    """A polling loop's link to Rasa's REST channel (``RASA_URL`` by default).

    :meth:`deliver` hands a user's text to Rasa and sends the answers through ``output_type``
    (or the :data:`~chatbot.replies.ASSISTANT_BUSY` reply when Rasa does not answer). Used as an async
    context manager, it closes the REST client and then ``sender`` on exit.
    """

    def __init__(
        self,
        output_type: type[SenderOutputChannel],
        sender: Sender,
        rasa: str | None,
        log: logging.Logger,
    ) -> None:
        self.output_type = output_type
        self.sender = sender
        self.channel = output_type.channel_name
        self.client = RasaRestClient(rasa or rest_settings().rasa_url)
        self.log = log

    async def deliver(self, sender_id: str, text: str, metadata: dict[str, Any]) -> None:
        sender_id = own_sender_id(sender_id)  # polling a school's own bot: that school's chats
        output = self.output_type(self.sender)
        try:
            await self.client.relay(sender_id, text, self.channel, metadata, output)
        except RasaUnavailable:
            await output.send_text_message(sender_id, reply_text(ASSISTANT_BUSY, self.channel))

    async def handle(
        self,
        handler: Callable[[Update], Awaitable[str]],
        update: Update,
        attempts: int = 3,
        pause: float = 1.0,
    ) -> bool:
        """``handler(update)``, tried up to ``attempts`` times before polling moves past it.

        The update is confirmed to the platform (the next ``getUpdates``) only after this
        returns, so a passing failure does not drop the family's message; one that keeps
        failing is logged and skipped, so it cannot stop polling. Returns whether it was handled.
        """
        for attempt in range(1, attempts + 1):
            try:
                outcome = await handler(update)
            except Exception as exc:  # noqa: BLE001 - one bad update must not stop polling
                self.log.error(
                    "%s update failed (%s), attempt %d/%d",
                    self.channel, type(exc).__name__, attempt, attempts,
                )
                if attempt < attempts:
                    await asyncio.sleep(pause * attempt)
                continue
            self.log.debug("%s update handled: %s", self.channel, outcome)
            return True
        return False

    async def __aenter__(self) -> RasaRelay:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.client.aclose()
        await self.sender.aclose()
