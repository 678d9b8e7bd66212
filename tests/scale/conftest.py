"""Services for the scale tests.

Redis: database 11 on 127.0.0.1 (``TEST_REDIS_URL`` overrides); every test gets its own key
prefix, whose keys are deleted afterwards. PostgreSQL: a fresh ``chatbot_replica_<random>``
database for the Rasa tracker store, dropped afterwards. Under CI (``CI=true``) an
unreachable service fails the run; elsewhere the tests that need it are skipped.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import redis

from tests.conftest import fresh_postgres, unavailable

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/11")


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The URL of a reachable Redis database for lock tests."""
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=5)
    try:
        client.ping()
    except redis.RedisError as exc:
        unavailable(f"Redis at {REDIS_URL} unavailable: {exc}")
    finally:
        client.close()
    return REDIS_URL


@pytest.fixture
def key_prefix(redis_url: str) -> Iterator[str]:
    """An alphanumeric key prefix of this test; its keys are removed afterwards."""
    prefix = f"scale{uuid.uuid4().hex[:12]}"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture(scope="module")
def tracker_db_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for Rasa's tracker store."""
    with fresh_postgres("chatbot_replica") as url:
        yield url
