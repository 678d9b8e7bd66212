"""EnvironmentLockStore: the atomic Redis store from LOCK_STORE_URL, and no unsafe worker setup."""

from __future__ import annotations

import pytest
from rasa.core.lock_store import InMemoryLockStore

from chatbot.locks import AtomicRedisLockStore
from chatbot.rasa_stores import EnvironmentLockStore, redis_lock_store_kwargs
from chatbot.settings import SettingsError


def test_url_parts_reach_the_store(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOCK_STORE_URL", "rediss://locker:p%40ss@cache.internal:6380/3")
    monkeypatch.setenv("LOCK_STORE_KEY_PREFIX", "school7")
    store = EnvironmentLockStore()
    assert isinstance(store, AtomicRedisLockStore)
    options = store.red.connection_pool.connection_kwargs
    assert (options["host"], options["port"], options["db"]) == ("cache.internal", 6380, 3)
    assert (options["username"], options["password"]) == ("locker", "p@ss")
    assert store.key_prefix == "school7:convlock:"


def test_bad_key_prefix_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOCK_STORE_URL", "redis://127.0.0.1:6379/11")
    monkeypatch.setenv("LOCK_STORE_KEY_PREFIX", "school-7")
    with pytest.raises(SettingsError, match="LOCK_STORE_KEY_PREFIX"):
        EnvironmentLockStore()


def test_several_sanic_workers_need_a_shared_lock_store(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOCK_STORE_URL", raising=False)
    monkeypatch.setenv("SANIC_WORKERS", "4")
    with pytest.raises(SettingsError, match="SANIC_WORKERS"):
        EnvironmentLockStore()
    monkeypatch.setenv("SANIC_WORKERS", "1")
    assert isinstance(EnvironmentLockStore(), InMemoryLockStore)


def test_redis_url_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOCK_STORE_KEY_PREFIX", raising=False)
    assert redis_lock_store_kwargs("redis://cache") == {
        "host": "cache", "port": 6379, "db": 0, "username": None, "password": None,
        "use_ssl": False, "key_prefix": None,
    }
