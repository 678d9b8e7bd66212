"""endpoints.yml's stores: in memory when unset, PostgreSQL and Redis when configured."""

import uuid

import pytest
from rasa.core.lock_store import InMemoryLockStore
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from chatbot.locks import AtomicRedisLockStore
from chatbot.postgres_tracker_store import PostgresTrackerStore
from chatbot.rasa_stores import EnvironmentLockStore, EnvironmentTrackerStore, ErasableSQLTrackerStore
from chatbot.settings import SettingsError

REDIS_URL = "redis://127.0.0.1:6379/15"


def test_unset_variables_give_in_memory_stores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRACKER_STORE_URL", raising=False)
    monkeypatch.delenv("LOCK_STORE_URL", raising=False)
    assert isinstance(EnvironmentTrackerStore(Domain.empty()), InMemoryTrackerStore)
    assert isinstance(EnvironmentLockStore(), InMemoryLockStore)


async def test_tracker_store_on_postgresql(monkeypatch: pytest.MonkeyPatch, postgres_url: str) -> None:
    monkeypatch.setenv("TRACKER_STORE_URL", postgres_url)
    store = EnvironmentTrackerStore(Domain.empty())
    assert isinstance(store, PostgresTrackerStore)
    tracker = DialogueStateTracker.from_events("parent-1", [UserUttered("xin chào")])
    await store.save(tracker)
    restored = await store.retrieve("parent-1")
    assert restored is not None
    assert [e.text for e in restored.events if isinstance(e, UserUttered)] == ["xin chào"]
    await store.close()


def test_other_databases_get_rasas_sql_store(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # noqa: ANN001
    monkeypatch.setenv("TRACKER_STORE_URL", f"sqlite:///{tmp_path / 'rasa.db'}")
    assert type(EnvironmentTrackerStore(Domain.empty())) is ErasableSQLTrackerStore


async def test_lock_store_on_redis(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOCK_STORE_URL", REDIS_URL)
    store = EnvironmentLockStore()
    assert isinstance(store, AtomicRedisLockStore)
    store.red.ping()  # fails loudly when Redis is down
    sender = f"parent-{uuid.uuid4().hex[:12]}"  # this run's own key on the shared Redis
    async with store.lock(sender):
        assert store.get_lock(sender) is not None
    store.red.delete(store.key_prefix + sender)


def test_malformed_lock_store_url_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOCK_STORE_URL", "http://example/0")
    with pytest.raises(SettingsError, match="LOCK_STORE_URL"):
        EnvironmentLockStore()


async def test_sql_pool_is_small_unless_configured(
    monkeypatch: pytest.MonkeyPatch, postgres_url: str
) -> None:
    monkeypatch.setenv("TRACKER_STORE_URL", postgres_url)
    monkeypatch.delenv("SQL_POOL_SIZE", raising=False)
    monkeypatch.delenv("SQL_MAX_OVERFLOW", raising=False)
    store = EnvironmentTrackerStore(Domain.empty())
    pool = await store._pool()
    assert (pool.get_min_size(), pool.get_max_size()) == (2, 4)
    await store.close()
    monkeypatch.setenv("SQL_POOL_SIZE", "7")
    store = EnvironmentTrackerStore(Domain.empty())
    pool = await store._pool()
    assert (pool.get_min_size(), pool.get_max_size()) == (7, 9)
    await store.close()
