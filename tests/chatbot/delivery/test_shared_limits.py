"""Rate limits shared by several workers through Redis (127.0.0.1:6379 unless REDIS_URL)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from datetime import datetime

import pytest

from chatbot.delivery.limits import RedisPerChat, RedisScripts, RedisSpacer, limiter_for
from chatbot.delivery.worker import DeliveryWorker, Outcome, WorkerOptions
from chatbot.settings import TIMEZONE
from tests.chatbot.delivery.conftest import SchoolData, ScriptedSender
from tests.chatbot.delivery.helpers import Clock, queue

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
async def redis_client() -> AsyncIterator[object]:
    import redis.asyncio

    client = redis.asyncio.from_url(REDIS_URL)
    try:
        await client.ping()
    except Exception as exc:  # noqa: BLE001 - unreachable for any reason
        await client.close()
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"Redis at {REDIS_URL} unavailable: {exc}")
        pytest.skip(f"Redis at {REDIS_URL} unavailable: {exc}")
    yield client
    await client.close()


async def test_two_workers_book_slots_from_one_schedule(redis_client) -> None:  # noqa: ANN001
    key = f"test:rate:{uuid.uuid4().hex}"
    scripts = RedisScripts(redis_client)
    first, second = RedisSpacer(scripts, key, 1.0), RedisSpacer(RedisScripts(redis_client), key, 1.0)
    args = {"args": [first.interval_us]}
    waits = [
        int(await scripts.reserve(keys=[key, f"{key}:paused"], **args)),
        int(await second._scripts.reserve(keys=[key, f"{key}:paused"], **args)),  # noqa: SLF001
        int(await scripts.reserve(keys=[key, f"{key}:paused"], **args)),
    ]
    assert waits[0] == 0
    # each booking is one interval (1 s) after the previous one, whichever worker books it
    assert 900_000 < waits[1] <= 1_000_000 and 1_900_000 < waits[2] <= 2_000_000
    await first.pause(5)
    assert 4_000_000 < int(await scripts.paused_for(keys=[f"{key}:paused"])) <= 5_000_000
    await redis_client.delete(key, f"{key}:paused")


async def test_per_chat_keys_are_separate(redis_client) -> None:  # noqa: ANN001
    prefix = f"test:chat:{uuid.uuid4().hex}"
    per_chat = RedisPerChat(RedisScripts(redis_client), prefix, 1.0)
    await per_chat.acquire("a")
    await per_chat.acquire("b")  # another chat: no wait
    ttl = await redis_client.pttl(f"{prefix}:a")
    assert 0 < ttl <= 61_000  # forgotten about a minute after its last use
    await redis_client.delete(f"{prefix}:a", f"{prefix}:b")


async def test_worker_sends_with_shared_limits(school: SchoolData, redis_client) -> None:  # noqa: ANN001
    day = datetime(2026, 3, 10, 9, 0, tzinfo=TIMEZONE)
    queue([i for n, i in school.accounts.items() if n.startswith("p-")], now=day)
    sender = ScriptedSender()
    options = WorkerOptions(poll_interval=0.05, redis_url=REDIS_URL)
    worker = DeliveryWorker({"telegram": sender}, options, clock=Clock(day))
    assert isinstance(worker.limiters["telegram"].overall, RedisSpacer)
    assert (await worker.drain())[Outcome.SENT] == 9
    assert isinstance(limiter_for("zalo", redis=redis_client).overall, RedisSpacer)


async def test_each_school_bot_has_its_own_shared_limit(redis_client) -> None:  # noqa: ANN001
    school_a, school_b = (f"T{uuid.uuid4().hex[:8].upper()}" for _ in range(2))
    a = limiter_for(f"telegram:{school_a}", redis=redis_client)
    b = limiter_for(f"telegram:{school_b}", redis=redis_client)
    assert a.overall.key == f"delivery:rate:telegram:{school_a}"
    assert b.overall.key == f"delivery:rate:telegram:{school_b}"
    assert a.overall.interval_us == round(1_000_000 / 30)  # Telegram's 30/s, per bot
    assert a.per_chat is not None  # and Telegram's per-chat limit
    zalo = limiter_for(f"zalo:{school_a}", redis=redis_client)
    assert zalo.overall.key == f"delivery:rate:zalo:{school_a}" and zalo.per_chat is None
    await a.pause(5)  # school A's bot paused: school B's is not
    scripts = RedisScripts(redis_client)
    assert int(await scripts.paused_for(keys=[f"{b.overall.key}:paused"])) == 0
    assert int(await scripts.paused_for(keys=[f"{a.overall.key}:paused"])) > 4_000_000
    await redis_client.delete(f"{a.overall.key}:paused")
