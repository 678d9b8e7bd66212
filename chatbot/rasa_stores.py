"""Rasa tracker and lock stores chosen by environment variables.

``endpoints.yml`` names these classes, so one file serves every deployment:

- ``TRACKER_STORE_URL`` (e.g. ``postgresql://rasa@db:5432/rasa``) →
  :class:`chatbot.postgres_tracker_store.PostgresTrackerStore` (Rasa's ``events`` table, asyncpg);
  another database (e.g. ``sqlite:///rasa.db``) → Rasa's ``SQLTrackerStore``; unset → in memory.
  Each is extended with :class:`ConversationErasure`: a conversation whose action set the
  erasure slot is erased instead of saved, and events older than ``TRACKER_RETENTION_DAYS``
  can be purged (:mod:`chatbot.tracker_events`).
- ``LOCK_STORE_URL`` (e.g. ``redis://cache:6379/1``) → an atomic Redis lock store
  (:mod:`chatbot.locks`); unset → in memory.

Each class's constructor returns an instance of the store it chose (``__new__`` returns a
different class), so Rasa sees an ordinary store.
"""

from __future__ import annotations

import logging
import os
import time
from abc import ABC, abstractmethod
from typing import Any

from rasa.core.lock_store import InMemoryLockStore, LockStore
from rasa.core.tracker_store import InMemoryTrackerStore, SQLTrackerStore, TrackerStore
from rasa.shared.core.events import SlotSet
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.engine import make_url

from chatbot import tracker_events
from chatbot.locks import AtomicRedisLockStore
from chatbot.postgres_tracker_store import PostgresTrackerStore
from chatbot.settings import SettingsError, env, store_settings

logger = logging.getLogger(__name__)


def _url(name: str) -> str | None:
    return env(name)


def sql_tracker_store_kwargs(url: str) -> dict[str, Any]:
    """Translate a database URL into ``SQLTrackerStore`` keyword arguments."""
    try:
        parsed = make_url(url)
    except Exception as exc:  # noqa: BLE001 - SQLAlchemy raises several types here
        raise SettingsError("TRACKER_STORE_URL is not a valid database address") from exc
    return {
        "dialect": parsed.drivername,
        "host": parsed.host,
        "port": parsed.port,
        "db": parsed.database,
        "username": parsed.username,
        "password": parsed.password,
        "query": dict(parsed.query),
    }


# Rasa's own default pool is 50 + 100 connections per process; a few replicas would exhaust
# PostgreSQL's 100. Two steady and two burst connections carry a one-core replica
# (docs/deployment.md, "Connections"); SQL_POOL_SIZE / SQL_MAX_OVERFLOW still override.
DEFAULT_SQL_POOL = {"SQL_POOL_SIZE": "2", "SQL_MAX_OVERFLOW": "2"}


def erasure_requested(tracker: DialogueStateTracker) -> bool:
    """Whether an action of this conversation asked for its history to be erased."""
    return any(
        isinstance(event, SlotSet) and event.key == tracker_events.ERASE_SLOT for event in tracker.events
    )


class ConversationErasure(ABC):
    """What every tracker store of this project adds to Rasa's: erasure and retention.

    Put it first among the bases of a Rasa tracker store and implement the two methods; the
    store's ``save`` then erases a conversation whose action set
    :data:`chatbot.tracker_events.ERASE_SLOT` (every event of that sender, the current
    turn's included) instead of saving it.
    """

    async def save(self, tracker: DialogueStateTracker) -> None:
        if erasure_requested(tracker):
            count = await self.erase_sender(tracker.sender_id)
            logger.info("conversation history erased on request (%d events)", count)
            return
        await super().save(tracker)  # type: ignore[misc]

    @abstractmethod
    async def erase_sender(self, sender_id: str) -> int:
        """Delete every stored event of ``sender_id``; return how many."""

    @abstractmethod
    async def purge_before(self, cutoff_timestamp: float) -> int:
        """Delete every stored event older than ``cutoff_timestamp`` (Unix seconds)."""


class ErasableInMemoryTrackerStore(ConversationErasure, InMemoryTrackerStore):
    """Rasa's in-memory store; it also purges old events itself, at most once an hour."""

    PURGE_EVERY_SECONDS = 3600.0

    def __init__(self, domain: Any = None, event_broker: Any = None, **kwargs: Any) -> None:
        super().__init__(domain, event_broker, **kwargs)
        self._last_purge = time.monotonic()

    async def save(self, tracker: DialogueStateTracker) -> None:
        await super().save(tracker)
        if time.monotonic() - self._last_purge >= self.PURGE_EVERY_SECONDS:
            self._last_purge = time.monotonic()
            await self.purge_before(tracker_events.retention_cutoff())

    async def erase_sender(self, sender_id: str) -> int:
        stored = self.store.pop(sender_id, None)
        if stored is None:
            return 0
        return len(self.deserialise_tracker(sender_id, stored).events)

    async def purge_before(self, cutoff_timestamp: float) -> int:
        removed = 0
        for sender_id in list(self.store):
            tracker = self.deserialise_tracker(sender_id, self.store[sender_id])
            kept = [e for e in tracker.events if e.timestamp >= cutoff_timestamp]
            removed += len(tracker.events) - len(kept)
            if not kept:
                del self.store[sender_id]
            elif len(kept) < len(tracker.events):
                trimmed = DialogueStateTracker.from_events(sender_id, kept, self.domain.slots)
                self.store[sender_id] = self.serialise_tracker(trimmed)
        return removed


class ErasableSQLTrackerStore(ConversationErasure, SQLTrackerStore):
    """Rasa's SQL store (its ``events`` table); the delivery worker purges old events."""

    async def erase_sender(self, sender_id: str) -> int:
        return tracker_events.erase_sender(self.engine, sender_id)

    async def purge_before(self, cutoff_timestamp: float) -> int:
        return tracker_events.purge_before(self.engine, cutoff_timestamp)


class ErasablePostgresTrackerStore(ConversationErasure, PostgresTrackerStore):
    """The project's asyncpg store; it implements erasure and retention itself."""

    async def erase_sender(self, sender_id: str) -> int:
        return await PostgresTrackerStore.erase_sender(self, sender_id)

    async def purge_before(self, cutoff_timestamp: float) -> int:
        return await PostgresTrackerStore.purge_before(self, cutoff_timestamp)


class EnvironmentTrackerStore(TrackerStore):
    """PostgreSQL (or another SQL) tracker store when ``TRACKER_STORE_URL`` is set, in-memory otherwise."""

    def __new__(cls, domain: Any = None, event_broker: Any = None, **_: Any) -> TrackerStore:  # type: ignore[misc]
        url = _url("TRACKER_STORE_URL")
        if url is None:
            return ErasableInMemoryTrackerStore(domain, event_broker)
        for name, value in DEFAULT_SQL_POOL.items():
            os.environ.setdefault(name, value)
        kwargs = sql_tracker_store_kwargs(url)
        if make_url(url).get_backend_name() == "postgresql":
            return ErasablePostgresTrackerStore(domain=domain, url=url, event_broker=event_broker)
        return ErasableSQLTrackerStore(domain=domain, event_broker=event_broker, **kwargs)


def redis_lock_store_kwargs(url: str) -> dict[str, Any]:
    """Translate a ``redis://[user:password@]host[:port]/db`` address into lock store arguments."""
    from urllib.parse import unquote, urlparse

    parsed = urlparse(url)
    if parsed.scheme not in {"redis", "rediss"} or not parsed.hostname:
        raise SettingsError("LOCK_STORE_URL must look like redis://host:6379/0")
    database = parsed.path.lstrip("/") or "0"
    if not database.isdigit():
        raise SettingsError("LOCK_STORE_URL must end with a database number, e.g. /0")
    return {
        "host": parsed.hostname,
        "port": parsed.port or 6379,
        "db": int(database),
        "username": unquote(parsed.username) if parsed.username else None,
        "password": unquote(parsed.password) if parsed.password else None,
        "use_ssl": parsed.scheme == "rediss",
        "key_prefix": store_settings().lock_store_key_prefix,
    }


class EnvironmentLockStore(LockStore):
    """Atomic Redis lock store when ``LOCK_STORE_URL`` is set, in-memory otherwise.

    Rasa's own ``RedisLockStore`` lets two replicas hold one conversation's lock at once
    (RasaHQ/rasa#9213), so replicas share :class:`chatbot.locks.AtomicRedisLockStore`.
    Rasa builds the lock store once per server process, so this is also where the process
    gets :mod:`chatbot.rasa_speedups`.
    """

    def __new__(cls, endpoint_config: Any = None, **_: Any) -> LockStore:  # type: ignore[misc]
        from chatbot import rasa_speedups  # heavy Rasa imports: only in a server process

        rasa_speedups.install()
        url = _url("LOCK_STORE_URL")
        if url is None:
            if _url("SANIC_WORKERS") not in (None, "1"):
                # Rasa allows several workers for any custom lock store type, but in-memory
                # locks and trackers are per process: the workers would interleave turns.
                raise SettingsError("SANIC_WORKERS above 1 needs LOCK_STORE_URL (and TRACKER_STORE_URL)")
            return InMemoryLockStore()
        kwargs = redis_lock_store_kwargs(url)
        try:
            return AtomicRedisLockStore(**kwargs)
        except ValueError as exc:
            raise SettingsError(f"LOCK_STORE_KEY_PREFIX: {exc}") from exc
