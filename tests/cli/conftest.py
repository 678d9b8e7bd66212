"""Fixtures for the staff tools: a database with a school, and the demo school loaded."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from chatbot.db.engine import session_scope
from chatbot.school.demo import load_demo
from tests.cli.helpers import make_school


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def school_db(db: str) -> Iterator[str]:
    """The migrated SQLite database with one school, THCS-TEST."""
    with session_scope() as session:
        make_school(session)
    yield db


@pytest.fixture
def demo_db(db: str) -> Iterator[str]:
    """The migrated SQLite database with the demo school loaded (no invite codes)."""
    with session_scope() as session:
        load_demo(session, with_invites=False)
    yield db
