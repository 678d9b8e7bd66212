"""Shared fixtures: a migrated database (SQLite by default, PostgreSQL where asked), the trained
model and an agent on it, and the assistant's servers (tests/assistant.py). Fixtures that cost
seconds are defined once, here, so each test process builds them once whichever modules use them.

PostgreSQL tests use a fresh database per test session on 127.0.0.1:5432 (override with
TEST_POSTGRES_URL). Under CI (``CI=true``) an unreachable PostgreSQL fails the run; on a
developer machine those tests are skipped with the reason.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from chatbot.db.engine import build_engine, reset_engine
from chatbot.db.migrate import upgrade_database
from chatbot.settings import reset_settings
from chatbot.training import train
from tests.assistant import Assistant, running_assistant
from tests.postgres import scratch_database

if TYPE_CHECKING:
    from rasa.core.agent import Agent

# Every process of the test session, servers included, hashes invite codes with one pepper.
os.environ.setdefault("INVITE_CODE_PEPPER", "pepper-of-the-test-session-4f1c2a")

POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.hookimpl(optionalhook=True, tryfirst=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object | None:
    """``--dist loadscope``: modules sharing a session server go together, slowest first
    (tests/scheduling.py)."""
    if config.getvalue("dist") != "loadscope":
        return None
    from tests.scheduling import SlowestFirstScheduling

    return SlowestFirstScheduling(config, log)


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
    """Drop everything in the session's database, whoever made it: other tests share it too
    (e.g. Rasa's tracker store leaves its ``events`` table), in whatever order they run."""
    reset_engine()  # no pooled connection may hold a lock on what is dropped
    engine = create_engine(url, future=True)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty SQLite database migrated to head once per test process; ``db`` copies it (the
    same file the migrations would give, in a millisecond instead of half a second)."""
    path = tmp_path_factory.mktemp("migrated") / "template.sqlite3"
    engine = build_engine(f"sqlite:///{path}")
    try:
        upgrade_database(engine)
    finally:
        engine.dispose()
    return path


def _migrated_copy(template: Path, folder: Path) -> str:
    target = folder / "chatbot.sqlite3"
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"


@pytest.fixture
def db(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, migrated_sqlite: Path) -> Iterator[str]:
    """A migrated SQLite database in a temporary folder; yields its URL."""
    url = _migrated_copy(migrated_sqlite, tmp_path)
    _use_database(monkeypatch, url)
    yield url
    reset_engine()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_db(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    """A migrated database, once on SQLite and once on PostgreSQL; yields its URL."""
    if request.param == "sqlite":
        url = _migrated_copy(request.getfixturevalue("migrated_sqlite"), tmp_path)
        _use_database(monkeypatch, url)
    else:
        url = request.getfixturevalue("postgres_url")
        _empty_postgres(url)
        _use_database(monkeypatch, url)
        upgrade_database()
    yield url
    reset_engine()


@pytest.fixture(scope="session")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    """The Rasa and action servers over the sample school, started once per test process and
    shared by every module that asks (tests/journeys, tests/chatbot/delivery/test_conversation.py)."""
    with running_assistant(tmp_path_factory.mktemp("assistant")) as running:
        yield running


@pytest.fixture(scope="session")
def trained_model() -> Path:
    """The model for the current config, domain and data; trained only if it changed."""
    return train()


@pytest.fixture(scope="session")
def agent(trained_model: Path) -> Agent:
    """An agent without an action server: enough for NLU and for responses of rules.

    The project's ``action_session_start`` runs on the action server, so here Rasa's own
    session start stands in for it: the ``role`` slot stays empty and rules answer with the
    unconditional (adult) variation of each response.
    """
    from rasa.core.agent import Agent  # TensorFlow: imported only by the processes that need it
    from rasa.shared.core.constants import ACTION_SESSION_START_NAME

    agent = Agent.load(str(trained_model))
    agent.domain.user_actions_and_forms.remove(ACTION_SESSION_START_NAME)  # a cached list
    return agent
