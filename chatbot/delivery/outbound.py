"""The contract between delivery (outbox, reminders, alerts) and the channels' senders.

``chatbot`` does not import ``connectors``; a process that sends (``chatbot worker``) loads the
senders through :func:`load_senders`, which imports the factory named by ``CHATBOT_SENDERS``
(default ``connectors.senders:build_senders``).
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class Button:
    """A quick reply: ``title`` is shown, ``payload`` comes back as the user's message."""

    title: str
    payload: str


@dataclass(frozen=True)
class OutboundMessage:
    text: str
    buttons: tuple[Button, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class SendResult:
    """What a send attempt came to.

    - ``ok``: delivered.
    - ``permanent``: will never succeed for this recipient (blocked the bot, not following,
      outside the messaging window); the account is deactivated.
    - ``retry_after``: seconds the API asked us to wait (HTTP 429); otherwise a transient
      failure (5xx, timeout) is retried with backoff.
    - ``error``: a short reason for logs and the delivery row, without message text or tokens.
    """

    ok: bool
    permanent: bool = False
    retry_after: float | None = None
    error: str | None = None

    @classmethod
    def delivered(cls) -> SendResult:
        return cls(ok=True)


class Sender(Protocol):
    """Sends one message to one chat account of one channel."""

    channel: str

    async def send(self, external_id: str, message: OutboundMessage) -> SendResult: ...

    async def aclose(self) -> None: ...


def load_senders() -> dict[str, Sender]:
    """Build the configured senders, keyed by channel name; channels without credentials are absent."""
    target = os.environ.get("CHATBOT_SENDERS", "connectors.senders:build_senders")
    module_name, _, attr = target.partition(":")
    factory = getattr(importlib.import_module(module_name), attr or "build_senders")
    return dict(factory())
