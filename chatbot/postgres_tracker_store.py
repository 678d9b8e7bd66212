"""A Rasa tracker store on PostgreSQL that never blocks the event loop and appends, never recounts.

It keeps Rasa's own ``events`` table (same table, same columns as ``SQLTrackerStore``), so a
school that ran Rasa's store switches without a migration, either store reads what the other
wrote, and deletion or retention code works on both. What changes is the work per message:

- **Load once.** ``retrieve`` runs one ``SELECT`` (through asyncpg, awaited, so other
  conversations go on meanwhile) of the events since the conversation's last
  ``session_started``, found through the index on ``(sender_id, id)``.
- **Append only what is new.** The tracker that ``retrieve`` returned remembers how many of
  its events are stored (and which was the last). ``save`` inserts the events after those in
  one ``INSERT ... SELECT FROM unnest(...)``, in the tracker's order; there is no per-save
  ``count(*)`` and no re-read. A tracker this store did not load (e.g. built by Rasa's HTTP
  API) falls back to Rasa's rule: the events beyond those stored for the latest session.
- **One block per save.** The ``INSERT`` first takes a transaction-level advisory lock on the
  conversation, so even two replicas saving one conversation at the same moment (which the
  conversation lock store should prevent) get consecutive ids for each save's events.

The latest session is "the last ``session_started`` event and everything stored after it".
Rasa's store compares timestamps instead, and so also returns the ``action_session_start``
event stored just before it; the dialogue state is the same, because Rasa resets it at
``session_started``.

``erase_sender`` and ``purge_before`` delete a family's conversation ("delete my data") and
events older than a retention cut-off.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterable
from typing import Any

import asyncpg
import sqlalchemy as sa
import sqlalchemy.exc
from rasa.core.brokers.broker import EventBroker
from rasa.core.constants import POSTGRESQL_MAX_OVERFLOW, POSTGRESQL_POOL_SIZE
from rasa.core.tracker_store import SerializedTrackerAsText, SQLTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool
from tenacity import before_sleep_log, retry, retry_if_exception_type, stop_after_delay, wait_fixed

from chatbot.settings import env_int, store_settings

logger = logging.getLogger(__name__)

TABLE = SQLTrackerStore.SQLEvent.__table__  # Rasa's own definition: same table, same columns
INDEX_NAME = "ix_events_sender_id_id"
NAME_COLUMN_LENGTH = 255  # type_name, intent_name, action_name are VARCHAR(255) in Rasa's table
DEFAULT_POOL_SIZE = 2
DEFAULT_MAX_OVERFLOW = 2
COMMAND_TIMEOUT_SECONDS = 30.0
STARTUP_WAIT_SECONDS = 60
# First key of this store's advisory locks (second: hashtext(sender_id)); "rasa" in ASCII.
ADVISORY_LOCK_NAMESPACE = 0x72617361
SCHEMA_LOCK_KEY = 1  # second key of the lock held while creating the table and index

_SESSION_START = SessionStarted.type_name
_STATE_ATTRIBUTE = "_chatbot_stored_events"

# The events of the latest session as one JSON array text: one row, one json.loads.
_SELECT_SESSION = f"""
SELECT '[' || string_agg(data, ',' ORDER BY id) || ']' FROM events
WHERE sender_id = $1 AND id >= COALESCE(
  (SELECT max(id) FROM events WHERE sender_id = $1 AND type_name = '{_SESSION_START}'), 0)
"""
_SELECT_ALL = "SELECT '[' || string_agg(data, ',' ORDER BY id) || ']' FROM events WHERE sender_id = $1"
_COUNT_SESSION = f"""
SELECT count(*) FROM events
WHERE sender_id = $1 AND id >= COALESCE(
  (SELECT max(id) FROM events WHERE sender_id = $1 AND type_name = '{_SESSION_START}'), 0)
"""
_INSERT = f"""
INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data)
SELECT $1, e.type_name, e.timestamp, e.intent_name, e.action_name, e.data
FROM (SELECT pg_advisory_xact_lock({ADVISORY_LOCK_NAMESPACE}, hashtext($1))) AS turn,
     unnest($2::text[], $3::float8[], $4::text[], $5::text[], $6::text[])
       WITH ORDINALITY AS e(type_name, timestamp, intent_name, action_name, data, position)
ORDER BY e.position
"""
_EXISTS = "SELECT EXISTS (SELECT 1 FROM events WHERE sender_id = $1)"
_KEYS = "SELECT DISTINCT sender_id FROM events"
_ERASE = "DELETE FROM events WHERE sender_id = $1"
_PURGE = "DELETE FROM events WHERE timestamp < $1"


def _short(value: Any) -> str | None:
    """A name for a VARCHAR(255) column (the full value stays in ``data``)."""
    return None if value is None else str(value)[:NAME_COLUMN_LENGTH]


def event_row(event: Event) -> tuple[str | None, float | None, str | None, str | None, str]:
    """(type_name, timestamp, intent_name, action_name, data) as Rasa's SQL store writes them."""
    data = event.as_dict()
    parse_data = data.get("parse_data")
    intent = parse_data.get("intent") if isinstance(parse_data, dict) else None
    intent_name = intent.get("name") if isinstance(intent, dict) else None
    return (_short(event.type_name), data.get("timestamp"), _short(intent_name), _short(data.get("name")),
            json.dumps(data))


class PostgresTrackerStore(TrackerStore, SerializedTrackerAsText):
    """Rasa's ``events`` table on PostgreSQL through an asyncpg pool (see the module docstring)."""

    def __init__(
        self,
        domain: Domain | None = None,
        url: str | None = None,
        event_broker: EventBroker | None = None,
        pool_size: int | None = None,
        max_overflow: int | None = None,
        **kwargs: Any,
    ) -> None:
        """Connect to ``url`` (``postgresql://user:password@host:port/database``).

        Creates Rasa's ``events`` table and the ``(sender_id, id)`` index when missing,
        synchronously, so a wrong address fails at start-up. The pool holds ``pool_size``
        connections (``SQL_POOL_SIZE``, default 2) and up to ``max_overflow`` more
        (``SQL_MAX_OVERFLOW``, default 2); it is opened on first use, on the running loop.
        """
        if not url:
            raise ValueError("PostgresTrackerStore needs a postgresql:// url")
        parsed = make_url(url)
        if parsed.get_backend_name() != "postgresql":
            raise ValueError(f"PostgresTrackerStore needs a postgresql:// url, got {parsed.drivername}://")
        self._url = parsed.set(drivername="postgresql")
        self._dsn = self._url.render_as_string(hide_password=False)
        size = pool_size if pool_size is not None else env_int(POSTGRESQL_POOL_SIZE, DEFAULT_POOL_SIZE)
        overflow = (max_overflow if max_overflow is not None
                    else env_int(POSTGRESQL_MAX_OVERFLOW, DEFAULT_MAX_OVERFLOW))
        self._pool_min, self._pool_max = max(1, size), max(1, size) + max(0, overflow)
        self._schema = store_settings().postgresql_schema
        self._pools: dict[asyncio.AbstractEventLoop, asyncio.Task[asyncpg.Pool]] = {}
        ensure_events_table(self._url, self._schema)
        super().__init__(domain, event_broker, **kwargs)

    # --- connections ------------------------------------------------------------------------

    async def _pool(self) -> asyncpg.Pool:
        """The pool of the running event loop (each loop gets its own; tests run several)."""
        loop = asyncio.get_running_loop()
        task = self._pools.get(loop)
        if task is None or (task.done() and (task.cancelled() or task.exception() is not None)):
            task = self._pools[loop] = loop.create_task(self._create_pool())
        return await asyncio.shield(task)

    async def _create_pool(self) -> asyncpg.Pool:
        settings = {"search_path": self._schema} if self._schema else None
        return await asyncpg.create_pool(
            self._dsn, min_size=self._pool_min, max_size=self._pool_max,
            command_timeout=COMMAND_TIMEOUT_SECONDS, server_settings=settings, init=self._init_connection,
            reset=_keep_session,
        )

    async def _init_connection(self, connection: asyncpg.Connection) -> None:
        """Called for each new connection of the pool (a hook for tests)."""

    async def close(self) -> None:
        """Close the pool of the running loop."""
        task = self._pools.pop(asyncio.get_running_loop(), None)
        if task is not None and task.done() and task.exception() is None:
            await task.result().close()

    # --- reading ----------------------------------------------------------------------------

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        """The conversation since its last ``session_started`` event, or ``None``."""
        return await self._load(sender_id, _SELECT_SESSION)

    async def retrieve_full_tracker(self, conversation_id: str) -> DialogueStateTracker | None:
        """The whole conversation, every session."""
        return await self._load(conversation_id, _SELECT_ALL)

    async def _load(self, sender_id: str, query: str) -> DialogueStateTracker | None:
        pool = await self._pool()
        serialised = await pool.fetchval(query, sender_id)
        if serialised is None:
            return None
        tracker = DialogueStateTracker.from_dict(sender_id, json.loads(serialised), self.domain.slots)
        self._remember_stored(tracker)
        return tracker

    async def exists(self, conversation_id: str) -> bool:
        pool = await self._pool()
        return bool(await pool.fetchval(_EXISTS, conversation_id))

    async def keys(self) -> Iterable[str]:
        pool = await self._pool()
        return [row[0] for row in await pool.fetch(_KEYS)]

    # --- writing ----------------------------------------------------------------------------

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Append the tracker's events that are not stored yet, in one statement."""
        new_events = await self._unsaved_events(tracker)
        if new_events:
            rows = [event_row(event) for event in new_events]
            pool = await self._pool()
            columns = [list(column) for column in zip(*rows, strict=True)]
            await pool.execute(_INSERT, tracker.sender_id, *columns)
        self._remember_stored(tracker)
        if new_events and self.event_broker is not None:
            await self._stream_new_events(self.event_broker, new_events, tracker.sender_id)

    def _remember_stored(self, tracker: DialogueStateTracker) -> None:
        """Note on the tracker that all its events are stored (by this store)."""
        events = tracker.events
        setattr(tracker, _STATE_ATTRIBUTE, (id(self), len(events), events[-1] if events else None))

    async def _unsaved_events(self, tracker: DialogueStateTracker) -> list[Event]:
        events = list(tracker.events)
        if not events:  # e.g. the empty tracker Rasa saves when a conversation begins
            return events
        state = getattr(tracker, _STATE_ATTRIBUTE, None)
        if state is not None and state[0] == id(self):
            _, stored, last = state
            if stored == 0:
                return events
            if stored <= len(events) and events[stored - 1] is last:
                return events[stored:]
            for position in range(len(events) - 1, -1, -1):  # older events dropped (max history)
                if events[position] is last:
                    return events[position + 1:]
        # A tracker this store did not load: Rasa's rule, the events beyond the stored session.
        pool = await self._pool()
        stored = await pool.fetchval(_COUNT_SESSION, tracker.sender_id)
        return events[stored:]

    # --- deletion ---------------------------------------------------------------------------

    async def erase_sender(self, sender_id: str) -> int:
        """Delete every event of one conversation; returns how many were deleted."""
        pool = await self._pool()
        return _deleted(await pool.execute(_ERASE, sender_id))

    async def purge_before(self, cutoff_timestamp: float) -> int:
        """Delete every event older than ``cutoff_timestamp`` (Unix seconds); returns how many."""
        pool = await self._pool()
        return _deleted(await pool.execute(_PURGE, float(cutoff_timestamp)))


async def _keep_session(connection: asyncpg.Connection) -> None:
    """Pool release without asyncpg's default reset query (a round trip per statement).

    The store changes no session state: no ``SET``, ``LISTEN``, cursor or session-level
    advisory lock (its locks end with their transaction), and asyncpg still rolls back an
    open transaction itself.
    """


def _deleted(status: str) -> int:
    """The row count of a ``DELETE n`` command status."""
    return int(status.rsplit(" ", 1)[-1])


@retry(retry=retry_if_exception_type(sa.exc.OperationalError), stop=stop_after_delay(STARTUP_WAIT_SECONDS),
       wait=wait_fixed(2), reraise=True, before_sleep=before_sleep_log(logger, logging.WARNING))
def ensure_events_table(url: sa.engine.URL, schema: str | None = None) -> None:
    """Create Rasa's ``events`` table and the ``(sender_id, id)`` index if they are missing.

    Several replicas may start at once: an advisory lock lets one create while the others
    wait. On a table that already holds events the index is built ``CONCURRENTLY``, so a
    running Rasa keeps writing meanwhile. A database that is still starting is waited for
    (``STARTUP_WAIT_SECONDS``), as Rasa's own store does.
    """
    connect_args = {"options": f"-csearch_path={schema}"} if schema else {}
    engine = sa.create_engine(url, poolclass=NullPool, future=True, connect_args=connect_args)
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            lock_args = {"namespace": ADVISORY_LOCK_NAMESPACE, "key": SCHEMA_LOCK_KEY}
            connection.execute(sa.text("SELECT pg_advisory_lock(:namespace, :key)"), lock_args)
            try:
                _create_table_and_index(connection)
            finally:
                connection.execute(sa.text("SELECT pg_advisory_unlock(:namespace, :key)"), lock_args)
    finally:
        engine.dispose()


def _create_table_and_index(connection: sa.engine.Connection) -> None:
    TABLE.metadata.create_all(connection, tables=[TABLE])
    valid = connection.execute(sa.text(
        "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "WHERE c.relname = :name AND i.indrelid = 'events'::regclass"
    ), {"name": INDEX_NAME}).scalar()
    if valid:
        return
    if valid is not None:  # left invalid by an interrupted concurrent build
        connection.execute(sa.text(f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX_NAME}"))
    has_rows = connection.execute(sa.text("SELECT EXISTS (SELECT 1 FROM events)")).scalar()
    concurrently = "CONCURRENTLY " if has_rows else ""
    logger.info("Creating index %s on events (sender_id, id)%s.", INDEX_NAME,
                " concurrently" if has_rows else "")
    connection.execute(sa.text(
        f"CREATE INDEX {concurrently}IF NOT EXISTS {INDEX_NAME} ON events (sender_id, id)"))
