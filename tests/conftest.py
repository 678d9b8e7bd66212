"""Shared fixtures: a migrated database (SQLite by default, PostgreSQL where asked).

PostgreSQL tests use a fresh database per test session on 127.0.0.1:5432 (override with
TEST_POSTGRES_URL). Under CI (``CI=true``) an unreachable PostgreSQL fails the run; on a
developer machine those tests are skipped with the reason.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import NoReturn

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from chatbot.db.base import Base
from chatbot.db.engine import reset_engine
from chatbot.db.migrate import upgrade_database
from chatbot.settings import reset_settings
from tests.postgres import scratch_database

# Every process of the test session, servers included, hashes invite codes with one pepper.
os.environ.setdefault("INVITE_CODE_PEPPER", "pepper-of-the-test-session-4f1c2a")

POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() == "true"


def _use_database(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    reset_settings()
    reset_engine()


def unavailable(message: str) -> NoReturn:
    """A service the test needs is unreachable: fail under CI, skip elsewhere."""
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


@contextmanager
def fresh_postgres(prefix: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database ``<prefix>_<random>``, dropped afterwards; yields its URL."""
    with ExitStack() as stack:
        try:
            url = stack.enter_context(scratch_database(POSTGRES_ADMIN_URL, prefix))
        except Exception as exc:  # noqa: BLE001 - any failure to reach the server means the same
            unavailable(f"PostgreSQL at {make_url(POSTGRES_ADMIN_URL).render_as_string()} unavailable: {exc}")
        yield url


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for this test session."""
    with fresh_postgres("chatbot_test") as url:
        yield url
        reset_engine()


def _empty_postgres(url: str) -> None:
    engine = create_engine(url, future=True)
    with engine.begin() as connection:
        Base.metadata.drop_all(connection)
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    engine.dispose()


@pytest.fixture
def db(monkeypatch: pytest.MonkeyPatch, tmp_path) -> Iterator[str]:
    """A migrated SQLite database in a temporary folder; yields its URL."""
    url = f"sqlite:///{tmp_path / 'chatbot.sqlite3'}"
    _use_database(monkeypatch, url)
    upgrade_database()
    yield url
    reset_engine()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_db(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path) -> Iterator[str]:
    """A migrated database, once on SQLite and once on PostgreSQL; yields its URL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'chatbot.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres_url")
        _empty_postgres(url)
    _use_database(monkeypatch, url)
    upgrade_database()
    yield url
    reset_engine()
