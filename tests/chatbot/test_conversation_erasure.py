"""The project's tracker stores erase a conversation on request and purge old events
(issue 11, point 5): in memory, and in Rasa's SQL layout on SQLite and PostgreSQL."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from rasa.core.tracker_store import TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import create_engine, func, select

from chatbot.db.housekeeping import purge_expired
from chatbot.rasa_stores import (
    ConversationErasure,
    EnvironmentTrackerStore,
    ErasableInMemoryTrackerStore,
    ErasablePostgresTrackerStore,
    ErasableSQLTrackerStore,
)
from chatbot.tracker_events import ERASE_SLOT, ERASE_VALUE, events, purge_old_conversations

DOMAIN = Domain.from_dict({"slots": {ERASE_SLOT: {"type": "any", "influence_conversation": False,
                                                  "mappings": [{"type": "custom"}]}}})
NOW = datetime(2026, 12, 2, 3, 0, tzinfo=timezone.utc)
OLD = (NOW - timedelta(days=200)).timestamp()
RECENT = (NOW - timedelta(days=2)).timestamp()


def _conversation(sender: str, *texts: str, at: float | None = None) -> DialogueStateTracker:
    at = at or time.time()
    events = []
    for offset, text in enumerate(texts):
        events += [UserUttered(text, timestamp=at + offset), BotUttered(f"Dạ, {text}", timestamp=at + offset)]
    return DialogueStateTracker.from_events(sender, events, DOMAIN.slots)


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def store(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[TrackerStore]:
    if request.param == "memory":
        monkeypatch.delenv("TRACKER_STORE_URL", raising=False)
    elif request.param == "sqlite":
        monkeypatch.setenv("TRACKER_STORE_URL", f"sqlite:///{tmp_path / 'rasa.sqlite3'}")
    else:
        from tests.conftest import fresh_postgres

        with fresh_postgres("tracker_erasure") as url:
            monkeypatch.setenv("TRACKER_STORE_URL", url)
            made = EnvironmentTrackerStore(DOMAIN)
            yield made  # the asyncpg store's pool belongs to the test's loop; the database is dropped
        return
    yield EnvironmentTrackerStore(DOMAIN)


def _texts(tracker: DialogueStateTracker | None) -> list[str]:
    return [e.text for e in (tracker.events if tracker else []) if isinstance(e, (UserUttered, BotUttered))]


async def test_the_stores_are_the_erasable_ones(store: TrackerStore) -> None:
    assert isinstance(store, ConversationErasure)
    assert isinstance(
        store, (ErasableInMemoryTrackerStore, ErasableSQLTrackerStore, ErasablePostgresTrackerStore)
    )


async def test_an_erasure_request_deletes_the_conversation_and_nothing_else(store: TrackerStore) -> None:
    await store.save(_conversation("parent", "mã ABCD-2345", "mật khẩu lớp là gì"))
    await store.save(_conversation("neighbour", "xin chào"))
    tracker = await store.retrieve("parent")
    tracker.update(ActionExecuted("action_forget_account"))
    tracker.update(SlotSet(ERASE_SLOT, ERASE_VALUE))
    tracker.update(BotUttered("Dạ, em đã xóa liên kết với em Nguyễn Minh Anh"))
    await store.save(tracker)
    assert _texts(await store.retrieve("parent")) == []
    assert _texts(await store.retrieve("neighbour")) == ["xin chào", "Dạ, xin chào"]
    if isinstance(store, ErasableSQLTrackerStore):
        with store.engine.connect() as connection:
            senders = connection.execute(select(events.c.sender_id).distinct()).scalars().all()
        assert senders == ["neighbour"]
    # The conversation starts afresh and is stored as usual again.
    await store.save(_conversation("parent", "xin chào lại"))
    assert _texts(await store.retrieve("parent")) == ["xin chào lại", "Dạ, xin chào lại"]


async def test_the_two_methods(store: TrackerStore) -> None:
    await store.save(_conversation("old", "tin cũ", at=OLD))
    await store.save(_conversation("mixed", "tin cũ", at=OLD))
    tracker = await store.retrieve("mixed")
    for event in _conversation("x", "tin mới", at=RECENT).events:
        tracker.update(event)
    await store.save(tracker)
    assert await store.purge_before((NOW - timedelta(days=180)).timestamp()) == 4
    assert await store.retrieve("old") is None or _texts(await store.retrieve("old")) == []
    assert _texts(await store.retrieve("mixed")) == ["tin mới", "Dạ, tin mới"]
    assert await store.erase_sender("mixed") >= 2
    assert _texts(await store.retrieve("mixed")) == []
    assert await store.erase_sender("nobody") == 0


async def test_housekeeping_purges_the_sql_store_by_the_retention_setting(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, db: str
) -> None:
    url = f"sqlite:///{tmp_path / 'rasa.sqlite3'}"
    monkeypatch.setenv("TRACKER_STORE_URL", url)
    store = EnvironmentTrackerStore(DOMAIN)
    await store.save(_conversation("old", "tin cũ", at=OLD))
    await store.save(_conversation("recent", "tin mới", at=RECENT))
    assert purge_expired(NOW)["conversation_events"] == 2
    engine = create_engine(url)
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(events)).scalar_one() == 2
    monkeypatch.setenv("TRACKER_RETENTION_DAYS", "1")
    from chatbot.settings import reset_settings

    reset_settings()
    try:
        assert purge_old_conversations(NOW) == 2
    finally:
        monkeypatch.delenv("TRACKER_RETENTION_DAYS")
        reset_settings()
    engine.dispose()


async def test_the_in_memory_store_purges_itself_hourly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRACKER_STORE_URL", raising=False)
    store = EnvironmentTrackerStore(DOMAIN)
    await store.save(_conversation("old", "tin cũ", at=time.time() - 200 * 86400))
    store._last_purge -= ErasableInMemoryTrackerStore.PURGE_EVERY_SECONDS
    await store.save(_conversation("new", "tin mới"))
    assert await store.retrieve("old") is None
    assert _texts(await store.retrieve("new")) == ["tin mới", "Dạ, tin mới"]
