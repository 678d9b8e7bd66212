"""Rasa tracker and lock stores chosen by environment variables.

``endpoints.yml`` names these classes, so one file serves every deployment:

- ``TRACKER_STORE_URL`` (e.g. ``postgresql://rasa@db:5432/rasa``) →
  :class:`chatbot.postgres_tracker_store.PostgresTrackerStore` (Rasa's ``events`` table, asyncpg);
  another database (e.g. ``sqlite:///rasa.db``) → Rasa's ``SQLTrackerStore``; unset → in memory.
- ``LOCK_STORE_URL`` (e.g. ``redis://cache:6379/1``) → an atomic Redis lock store
  (:mod:`chatbot.locks`); unset → in memory.

Each class's constructor returns an instance of the store it chose (``__new__`` returns a
different class), so Rasa sees an ordinary store.
"""

from __future__ import annotations

import os
from typing import Any

from rasa.core.lock_store import InMemoryLockStore, LockStore
from rasa.core.tracker_store import InMemoryTrackerStore, SQLTrackerStore, TrackerStore
from sqlalchemy.engine import make_url

from chatbot.locks import AtomicRedisLockStore
from chatbot.postgres_tracker_store import PostgresTrackerStore
from chatbot.settings import SettingsError


def _url(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or None


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


class EnvironmentTrackerStore(TrackerStore):
    """PostgreSQL (or another SQL) tracker store when ``TRACKER_STORE_URL`` is set, in-memory otherwise."""

    def __new__(cls, domain: Any = None, event_broker: Any = None, **_: Any) -> TrackerStore:  # type: ignore[misc]
        url = _url("TRACKER_STORE_URL")
        if url is None:
            return InMemoryTrackerStore(domain, event_broker)
        for name, value in DEFAULT_SQL_POOL.items():
            os.environ.setdefault(name, value)
        kwargs = sql_tracker_store_kwargs(url)
        if make_url(url).get_backend_name() == "postgresql":
            return PostgresTrackerStore(domain=domain, url=url, event_broker=event_broker)
        return SQLTrackerStore(domain=domain, event_broker=event_broker, **kwargs)


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
        "key_prefix": os.environ.get("LOCK_STORE_KEY_PREFIX") or None,
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
