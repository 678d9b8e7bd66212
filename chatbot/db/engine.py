"""Engine and session factory for the school data store, chosen by ``DATABASE_URL``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from chatbot.settings import SettingsError, get_settings


class DatabaseUnavailable(RuntimeError):
    """The database named by DATABASE_URL cannot be reached; the message is one line."""


def _enable_sqlite_foreign_keys(dbapi_connection, _record) -> None:  # noqa: ANN001
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def build_engine(url: str) -> Engine:
    """Create an engine for ``url``; a malformed address raises :class:`SettingsError`.

    Errors never repeat the statement's parameters (names, codes): see :mod:`chatbot.logs`.
    """
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise SettingsError("DATABASE_URL is not a valid database address") from exc
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            from pathlib import Path

            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            parsed, future=True, hide_parameters=True,
            connect_args={"check_same_thread": False, "timeout": 30},
        )
        event.listen(engine, "connect", _enable_sqlite_foreign_keys)
        return engine
    try:
        return create_engine(parsed, future=True, pool_pre_ping=True, hide_parameters=True)
    except (ArgumentError, ImportError, SQLAlchemyError) as exc:
        raise SettingsError(f"DATABASE_URL cannot be used: {type(exc).__name__}") from exc


@lru_cache(maxsize=1)
def get_engine() -> Engine:
    return build_engine(get_settings().database_url)


@lru_cache(maxsize=1)
def _session_factory() -> sessionmaker:
    return sessionmaker(bind=get_engine(), future=True, expire_on_commit=False)


def reset_engine() -> None:
    """Forget the cached engine (tests change DATABASE_URL between cases)."""
    if get_engine.cache_info().currsize:
        get_engine().dispose()
    get_engine.cache_clear()
    _session_factory.cache_clear()


@contextmanager
def session_scope() -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    session: Session = _session_factory()()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def check_connection(engine: Engine | None = None) -> None:
    """Raise :class:`DatabaseUnavailable` with a one-line reason if the database is unreachable."""
    engine = engine or get_engine()
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        raise DatabaseUnavailable(f"DATABASE_URL: cannot connect to the database ({reason})") from exc
