"""Button payloads and numbered choices kept in the database, so every replica sees them.

Telegram's callback_data holds 64 bytes: a longer payload travels as a short key whose payload
is stored here. Channels without buttons (Zalo Bot, and Zalo OA when its template cannot carry
the buttons) show numbered options; the options last offered in a chat are stored here, so "2"
is understood by whichever Rasa replica receives it, also after a restart. Rows expire and the
worker's housekeeping removes them (:func:`chatbot.db.housekeeping.purge_expired`).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, timezone

from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from chatbot.db.engine import session_scope
from chatbot.db.models import ButtonChoice
from chatbot.delivery.outbound import Button

logger = logging.getLogger(__name__)

CALLBACK_DATA_LIMIT = 64  # bytes, Telegram Bot API limit
HASHED_PREFIX = "#"
# A notice's button may be pressed days later; numbered options answer the latest message.
PAYLOAD_TTL = timedelta(days=30)
CHOICES_TTL = timedelta(hours=1)
MAX_KEY = 160  # ButtonChoice.key

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def save(key: str, payloads: Sequence[str], expires_at: datetime) -> None:
    """Store (or replace) ``payloads`` under ``key`` until ``expires_at``."""
    value = json.dumps(list(payloads), ensure_ascii=False)
    for attempt in range(2):  # two replicas may insert the same key at once
        try:
            with session_scope() as session:
                row = session.get(ButtonChoice, key)
                if row is None:
                    session.add(ButtonChoice(key=key, payloads=value, expires_at=expires_at))
                else:
                    row.payloads, row.expires_at = value, expires_at
            return
        except IntegrityError:
            if attempt:
                raise


def load(key: str, now: datetime) -> list[str] | None:
    """The payloads stored under ``key``, or ``None`` when there are none or they expired."""
    with session_scope() as session:
        row = session.get(ButtonChoice, key)
        if row is None or row.expires_at <= now:
            return None
        value = json.loads(row.payloads)
    return [str(item) for item in value] if isinstance(value, list) else None


class CallbackPayloads:
    """Telegram payloads longer than 64 bytes of callback_data, stored by a short key."""

    def __init__(self, ttl: timedelta = PAYLOAD_TTL, clock: Clock = utc_now) -> None:
        self.ttl = ttl
        self.clock = clock

    @staticmethod
    def fits(payload: str) -> bool:
        return len(payload.encode("utf-8")) <= CALLBACK_DATA_LIMIT and not payload.startswith(
            HASHED_PREFIX
        )

    async def encode(self, payload: str) -> str:
        """``payload`` itself when it fits, else a key (``#`` and 32 hex digits) stored for it."""
        if self.fits(payload):
            return payload
        key = HASHED_PREFIX + hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]
        try:
            await asyncio.to_thread(save, f"tg:{key}", [payload], self.clock() + self.ttl)
        except SQLAlchemyError as exc:
            logger.warning("telegram button payload not stored (%s)", type(exc).__name__)
        return key

    async def decode(self, data: str) -> str | None:
        """The payload behind ``data``; ``None`` for an unknown or expired key."""
        if not data.startswith(HASHED_PREFIX):
            return data
        if len(data) > MAX_KEY - 3:
            return None
        stored = await asyncio.to_thread(load, f"tg:{data}", self.clock())
        return stored[0] if stored else None


class NumberedChoices:
    """The numbered options last offered in each chat of a channel, so "2" maps to a payload."""

    def __init__(
        self, channel: str = "chat", ttl_seconds: float = CHOICES_TTL.total_seconds(),
        clock: Clock = utc_now,
    ) -> None:
        self.channel = channel
        self.ttl = timedelta(seconds=ttl_seconds)
        self.clock = clock

    def _key(self, chat_key: str) -> str:
        return f"{self.channel}:{chat_key}"[:MAX_KEY]

    async def remember(self, chat_key: str, buttons: Sequence[Button]) -> None:
        payloads = [button.payload for button in buttons]
        try:
            await asyncio.to_thread(save, self._key(chat_key), payloads, self.clock() + self.ttl)
        except SQLAlchemyError as exc:
            logger.warning("%s numbered options not stored (%s)", self.channel, type(exc).__name__)

    async def resolve(self, chat_key: str, text: str) -> str | None:
        """The payload chosen by ``text`` ("1", " 2 ") or ``None`` if it is not a choice."""
        choice = text.strip().rstrip(".")
        if not (choice.isascii() and choice.isdigit() and len(choice) <= 2):
            return None
        payloads = await asyncio.to_thread(load, self._key(chat_key), self.clock())
        number = int(choice)
        if payloads and 1 <= number <= len(payloads):
            return payloads[number - 1]
        return None
