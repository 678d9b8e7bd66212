"""Pieces every webhook shares: the input channel base, secret checks, JSON parsing,
background work, deduplication, inbound activity."""

from __future__ import annotations

import asyncio
import enum
import hmac
import json
import logging
from collections.abc import Awaitable, Callable, Coroutine
from datetime import datetime, timedelta, timezone
from typing import Any, ClassVar, Generic, Protocol, TypeVar, cast

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from chatbot.db.engine import session_scope
from chatbot.db.models import ProcessedEvent
from chatbot.delivery.outbound import OutboundMessage, Sender
from chatbot.replies import message_too_long
from chatbot.school.activity import INBOUND
from chatbot.settings import missing_variables
from connectors.outputs import SenderOutputChannel
from connectors.school_bots import BOT_SCHOOL, SCHOOL_CONFIGS, own_sender_id, qualified

logger = logging.getLogger(__name__)

Deliver = Callable[[str, str, dict[str, Any]], Awaitable[None]]
"""``deliver(sender_id, text, metadata)``: hand one user message to Rasa."""

ConfigT = TypeVar("ConfigT")
SenderT = TypeVar("SenderT", bound=Sender)


class _HasWebhookSecret(Protocol):
    @property
    def webhook_secret(self) -> str | None: ...


SecretConfigT = TypeVar("SecretConfigT", bound=_HasWebhookSecret)

_background: set[asyncio.Task[Any]] = set()


def secrets_match(given: str | None, expected: str | None) -> bool:
    """Constant-time comparison; a missing value on either side never matches."""
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def parse_json_object(body: bytes) -> dict[str, Any] | None:
    """The request body as a JSON object, or ``None`` if it is not one."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def forbidden(channel: str, reason: str) -> HTTPResponse:
    logger.warning("%s webhook rejected: %s", channel, reason)
    return response.json({"error": "forbidden"}, status=403)


def bad_request(channel: str) -> HTTPResponse:
    logger.warning("%s webhook rejected: body is not a JSON object", channel)
    return response.json({"error": "malformed JSON"}, status=400)


def not_configured(channel: str) -> HTTPResponse:
    return response.json({"error": "channel not configured", "channel": channel}, status=503)


def spawn(coro: Coroutine[Any, Any, Any], label: str) -> asyncio.Task[Any]:
    """Run ``coro`` in the background, keep a reference, and log (without details) if it fails."""
    task = asyncio.get_running_loop().create_task(coro)
    _background.add(task)

    def _done(finished: asyncio.Task[Any]) -> None:
        _background.discard(finished)
        if not finished.cancelled() and finished.exception() is not None:
            error = finished.exception()
            logger.error("%s: background handling failed (%s)", label, type(error).__name__)

    task.add_done_callback(_done)
    return task


async def drain_background(timeout: float = 10.0) -> None:
    """Wait for pending background handlers (graceful shutdown, tests)."""
    pending = [task for task in _background if not task.done()]
    if pending:
        await asyncio.wait(pending, timeout=timeout)


class EventClaim(str, enum.Enum):
    """What :func:`begin_event` found: a new event, one already handled, or one being handled."""

    NEW = "new"
    DONE = "done"
    BUSY = "busy"


EVENT_CLAIM_STALE = timedelta(minutes=5)
"""A claim this old belongs to a process that died while handling the event: take it over."""


def _begin_event(channel: str, event_id: str, now: datetime) -> EventClaim:
    for _ in range(2):  # a claim abandoned between the insert and the look-up: insert again
        try:
            with session_scope() as session:
                session.add(
                    ProcessedEvent(channel=channel, event_id=event_id, created_at=now, in_progress=True)
                )
            return EventClaim.NEW
        except IntegrityError:
            pass
        with session_scope() as session:
            mine = ProcessedEvent.channel == channel, ProcessedEvent.event_id == event_id
            taken_over = session.execute(
                update(ProcessedEvent)
                .where(*mine, ProcessedEvent.in_progress.is_(True),
                       ProcessedEvent.created_at < now - EVENT_CLAIM_STALE)
                .values(created_at=now)
                .execution_options(synchronize_session=False)
            ).rowcount
            if taken_over:
                return EventClaim.NEW
            in_progress = session.execute(select(ProcessedEvent.in_progress).where(*mine)).scalar()
        if in_progress is not None:
            return EventClaim.BUSY if in_progress else EventClaim.DONE
    return EventClaim.NEW


def _end_event(channel: str, event_id: str, handled: bool) -> None:
    mine = ProcessedEvent.channel == channel, ProcessedEvent.event_id == event_id
    with session_scope() as session:
        if handled:
            session.execute(update(ProcessedEvent).where(*mine).values(in_progress=False))
        else:
            session.execute(delete(ProcessedEvent).where(*mine, ProcessedEvent.in_progress.is_(True)))


async def begin_event(channel: str, event_id: str) -> EventClaim:
    """Claim ``event_id`` for handling; :func:`end_event` marks it handled or gives it back.

    The event counts as processed only once it was handled: a failure gives the claim back, so
    the platform's retry is handled (once), across replicas. If the database is unreachable the
    event is handled anyway (at-least-once).
    """
    event_id = qualified(event_id)[:128]  # update ids count per bot: a school's are its own
    try:
        return await asyncio.to_thread(_begin_event, channel, event_id, datetime.now(timezone.utc))
    except SQLAlchemyError as exc:
        logger.warning("%s: cannot claim event (%s)", channel, type(exc).__name__)
        return EventClaim.NEW


async def end_event(channel: str, event_id: str, handled: bool) -> None:
    """Mark a claimed event handled, or (``handled=False``) drop the claim so a retry runs."""
    try:
        await asyncio.to_thread(_end_event, channel, qualified(event_id)[:128], handled)
    except SQLAlchemyError as exc:
        logger.warning("%s: cannot record the event's outcome (%s)", channel, type(exc).__name__)


async def handle_once(
    channel: str, event_id: str, handle: Callable[[], Awaitable[str]]
) -> str:
    """``await handle()`` unless the event was handled already (``"duplicate"``) or is being
    handled elsewhere right now (``"in_progress"``). If ``handle`` fails the claim is given back
    and the error raised, so a retry of the event is handled."""
    claim = await begin_event(channel, event_id)
    if claim is EventClaim.DONE:
        return "duplicate"
    if claim is EventClaim.BUSY:
        return "in_progress"
    try:
        outcome = await handle()
    except BaseException:
        await end_event(channel, event_id, handled=False)
        raise
    await end_event(channel, event_id, handled=True)
    return outcome


def too_long(text: str, limit: int) -> bool:
    """Whether a user's message is over the channel's cap (counted in characters)."""
    return len(text) > limit


async def refuse_long_message(sender: Sender, external_id: str, limit: int) -> str:
    """Tell the person their message was too long (it is not passed to Rasa)."""
    await sender.send(external_id, OutboundMessage(text=message_too_long(limit)))
    return "too_long"


async def record_inbound(channel: str, external_id: str) -> None:
    """Any message from a private chat reactivates its account and times its last message."""
    await INBOUND.record(channel, qualified(external_id))


class SenderInputChannel(InputChannel, Generic[ConfigT, SenderT]):
    """A Rasa input channel that answers through a :class:`Sender` built from its config.

    Without a config (its variables unset) the channel is off: no output channel, and the
    webhook answers 503 "channel not configured". Subclasses set ``channel``, ``output_type``,
    ``sender_type``, ``load_config`` and ``webhook_variables`` and answer ``POST /webhook`` in
    :meth:`receive`.
    """

    channel: ClassVar[str]
    output_type: ClassVar[type[SenderOutputChannel]]
    sender_type: ClassVar[Callable[[Any], Sender]]
    load_config: ClassVar[Callable[[], Any]]
    webhook_variables: ClassVar[tuple[str, ...]]
    """The environment variables the webhook needs; a warning names those unset."""

    def __init__(self, config: ConfigT | None) -> None:
        self.config = config
        self._sender: SenderT | None = None
        self._school_bots: dict[str, SenderInputChannel[ConfigT, SenderT]] = {}
        self.log = logging.getLogger(type(self).__module__)

    @classmethod
    def name(cls) -> str:
        return cls.channel

    @classmethod
    def from_credentials(
        cls, credentials: dict[str, Any] | None
    ) -> SenderInputChannel[ConfigT, SenderT]:
        config = cls.load_config()
        absent = missing_variables(*cls.webhook_variables)
        if absent:
            logging.getLogger(cls.__module__).warning(
                "%s webhook is off: %s not set", cls.channel, ", ".join(absent)
            )
        return cls(config)

    @property
    def webhook_enabled(self) -> bool:
        return self.config is not None

    @property
    def sender(self) -> SenderT:
        if self.config is None:
            raise RuntimeError(f"{self.channel} channel is not configured")
        if self._sender is None:
            self._sender = cast(SenderT, self.sender_type(self.config))
        return self._sender

    def get_output_channel(self) -> SenderOutputChannel | None:
        return self.output_type(self.sender) if self.config is not None else None

    def accept_in_background(self, handle: Callable[[], Awaitable[str]]) -> HTTPResponse:
        """Acknowledge the event at once; ``handle()`` runs in the background, its outcome logged."""

        async def run() -> None:
            outcome = await handle()
            self.log.debug("%s event handled: %s", self.channel, outcome)

        spawn(run(), f"{self.channel} event")
        return response.json({"status": "accepted"})

    async def receive(self, request: Request, deliver: Deliver) -> HTTPResponse:
        """Answer one ``POST /webhook`` request; user messages go to Rasa through ``deliver``."""
        raise NotImplementedError

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = Blueprint(f"{self.channel}_webhook", type(self).__module__)

        async def deliver(sender_id: str, text: str, metadata: dict[str, Any]) -> None:
            output = self.output_type(self.sender)
            await on_new_message(
                UserMessage(text, output, sender_id, input_channel=self.channel, metadata=metadata)
            )

        @blueprint.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.webhook_enabled else "not configured"})

        @blueprint.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            return await self.receive(request, deliver)

        @blueprint.route("/<school>/webhook", methods=["POST"])
        async def receive_for_school(request: Request, school: str) -> HTTPResponse:
            return await self.receive_for_school(request, school, on_new_message)

        return blueprint

    async def school_bot(self, school: str) -> SenderInputChannel[ConfigT, SenderT] | None:
        """This channel as ``school``'s own bot (its config from the database), or None."""
        code = school.upper()
        config = await SCHOOL_CONFIGS.get(self.channel, code)
        if config is None:
            return None
        bot = self._school_bots.get(code)
        if bot is None or bot.config != config:
            if bot is not None and bot._sender is not None:  # settings changed: close the old client
                spawn(bot._sender.aclose(), f"{self.channel} sender")
            bot = self._school_bots[code] = type(self)(cast(ConfigT, config))
        return bot

    async def receive_for_school(
        self, request: Request, school: str, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> HTTPResponse:
        """``POST /<SCHOOL>/webhook``: the event of ``school``'s own bot, checked with that
        school's secret; its people become accounts of that school (``telegram:<SCHOOL>:42``)."""
        bot = await self.school_bot(school)
        if bot is None:
            return not_configured(self.channel)
        code = school.upper()

        async def deliver(sender_id: str, text: str, metadata: dict[str, Any]) -> None:
            own = own_sender_id(sender_id)
            output = self.output_type(bot.sender)
            tagged = {**metadata, "school": code}
            await on_new_message(UserMessage(text, output, own, input_channel=self.channel, metadata=tagged))

        token = BOT_SCHOOL.set(code)
        try:
            return await bot.receive(request, deliver)
        finally:
            BOT_SCHOOL.reset(token)


class SecretTokenInputChannel(SenderInputChannel[SecretConfigT, SenderT]):
    """A channel whose platform sends setWebhook's ``secret_token`` in ``secret_header``.

    The webhook is on only when the config has a ``webhook_secret``.
    """

    secret_header: ClassVar[str]

    @property
    def webhook_enabled(self) -> bool:
        return self.config is not None and bool(self.config.webhook_secret)

    def refuse(self, request: Request) -> HTTPResponse | None:
        """503 while the webhook is off, 403 without the right secret token, else ``None``."""
        if not self.webhook_enabled or self.config is None:
            return not_configured(self.channel)
        given = request.headers.get(self.secret_header)
        if not secrets_match(given, self.config.webhook_secret):
            return forbidden(self.channel, "missing secret token" if not given else "wrong secret")
        return None
