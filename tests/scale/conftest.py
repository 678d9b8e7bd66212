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
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import IN_CI, POSTGRES_ADMIN_URL

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/11")


def _unavailable(message: str) -> None:
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The URL of a reachable Redis database for lock tests."""
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=5)
    try:
        client.ping()
    except redis.RedisError as exc:
        _unavailable(f"Redis at {REDIS_URL} unavailable: {exc}")
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
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT", future=True)
    name = f"chatbot_replica_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - any failure to reach the server means the same
        admin.dispose()
        _unavailable(f"PostgreSQL at {make_url(POSTGRES_ADMIN_URL).render_as_string()} unavailable: {exc}")
    yield make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
