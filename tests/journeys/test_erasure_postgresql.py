"""Deleting erases the conversation from Rasa's SQL tracker store on PostgreSQL, through the
running servers (the in-memory store is covered by test_verify_logs.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, select

from chatbot.db.models import Role
from chatbot.tracker_events import events
from tests.assistant import Assistant, running_assistant
from tests.chatbot.school.sample import SECRET_6A
from tests.conftest import fresh_postgres


@pytest.fixture(scope="module")
def sql_assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Assistant, str]]:
    with fresh_postgres("rasa_erasure") as url, running_assistant(
        tmp_path_factory.mktemp("sql-assistant"), tracker_store_url=url
    ) as running:
        yield running, url


def _stored(url: str, sender: str) -> list[str]:
    engine = create_engine(url, future=True)
    try:
        with engine.connect() as connection:
            query = select(events.c.data).where(events.c.sender_id == sender).order_by(events.c.id)
            return list(connection.execute(query).scalars())
    finally:
        engine.dispose()


def test_deleting_erases_every_stored_event_of_the_sender(sql_assistant: tuple[Assistant, str]) -> None:
    assistant, url = sql_assistant
    parent, neighbour = "sql-parent", "sql-neighbour"
    code = assistant.issue(Role.PARENT, student_id=assistant.school.minh_anh)
    assistant.say(parent, code)
    assistant.say(parent, "làm sao vào lớp")
    assistant.say(neighbour, "xin chào")
    assert any(SECRET_6A in data for data in _stored(url, parent))
    assistant.say(parent, "hủy liên kết")
    assert "toàn bộ lịch sử trò chuyện" in assistant.say(parent, "/affirm")[0]["text"]
    assert _stored(url, parent) == []
    assert _stored(url, neighbour)  # other conversations stay
    assistant.say(parent, "xin chào")
    stored = _stored(url, parent)
    assert stored and not any(code in data or SECRET_6A in data for data in stored)
