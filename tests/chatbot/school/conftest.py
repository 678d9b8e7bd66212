"""The sample school in a migrated database (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from chatbot.db.engine import session_scope
from tests.chatbot.school.sample import Sample, build_school


@pytest.fixture
def school(any_db: str) -> Sample:
    with session_scope() as session:
        return build_school(session)
