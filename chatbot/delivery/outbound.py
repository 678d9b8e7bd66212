"""The contract between delivery (outbox, reminders, alerts) and the channels' senders.

The core does not import ``connectors``: whoever runs delivery (the ``cli`` package, which
stands above both, or a test) builds the senders, for instance with
:func:`connectors.senders.build_senders`, and passes them in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class Button:
    """A quick reply: ``title`` is shown, ``payload`` comes back as the user's message."""

    title: str
    payload: str


@dataclass(frozen=True)
class TemplateMessage:
    """A message on a templated Zalo route: the template and its parameters, in order."""

    template_id: str
    params: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class OutboundMessage:
    """A message to one chat. A text longer than the channel allows is sent as several chunks;
    ``first_chunk`` skips the chunks an earlier attempt already delivered. ``route`` names the
    Zalo route (``zalo_cs``, ``zalo_transaction``, ``zns``) when there is a choice, ``template``
    carries a templated route's parameters, ``tracking_id`` the delivery's id for Zalo."""

    text: str
    buttons: tuple[Button, ...] = field(default_factory=tuple)
    first_chunk: int = 0
    route: str | None = None
    template: TemplateMessage | None = None
    tracking_id: str | None = None


@dataclass(frozen=True)
class SendResult:
    """What a send attempt came to.

    - ``ok``: delivered.
    - ``permanent``: the account is gone for good (chat deleted, user deactivated or banned,
      no longer following); the account is deactivated until the person writes again.
    - ``undeliverable``: this message cannot reach the person now (outside Zalo's messaging
      window, bot blocked): the delivery fails, the account stays active.
    - ``retry_after``: seconds the API asked us to wait (HTTP 429, quota). The whole channel
      pauses, unless ``recipient_only`` says the limit concerns this recipient alone. Any other
      failure (5xx, timeout) is retried with backoff.
    - ``chunks_sent``: chunks of the message delivered so far, counting skipped ones; a retry
      starts from there.
    - ``error``: a short reason for logs and the delivery row, without message text or tokens.
    - ``fall_through``: this route cannot carry the message to this person; try the next route
      (never a deactivation). ``unfollowed``: the person no longer follows the Zalo OA.
    - ``give_up``: the request itself was refused (app or OA misconfigured): the delivery
      fails at once, without retries.
    - ``template_rejected``: Zalo refused the template; that kind of notice stops on the route.
    - ``paid_stop``: the paid route cannot be paid for (Zalo Cloud Account): staff are alerted.
    """

    ok: bool
    permanent: bool = False
    undeliverable: bool = False
    retry_after: float | None = None
    recipient_only: bool = False
    chunks_sent: int = 0
    error: str | None = None
    fall_through: bool = False
    give_up: bool = False
    unfollowed: bool = False
    template_rejected: bool = False
    paid_stop: bool = False

    @classmethod
    def delivered(cls, chunks: int = 1) -> SendResult:
        return cls(ok=True, chunks_sent=chunks)


class Sender(Protocol):
    """Sends one message to one chat account of one channel."""

    channel: str

    async def send(self, external_id: str, message: OutboundMessage) -> SendResult: ...

    async def aclose(self) -> None: ...
