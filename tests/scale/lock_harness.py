"""Many acquirers of one conversation's lock, with a shared record of what they did.

Each acquirer has its own lock store (its own Redis connection) and, while it holds the
lock, writes to Redis under ``record``:

- ``record:inside`` counts holders at this moment; a count above one is a violation,
  appended to ``record:violations``;
- ``record:order`` lists the ticket numbers in the order they were served;
- ``record:counter`` is incremented by a read, a pause and a write: a lost update shows
  that two holders overlapped even when the ``inside`` check happened to miss it.

Acquirers in other processes start together when ``record:go`` appears.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

import redis
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LockStore, RedisLockStore

from chatbot.locks import AtomicRedisLockStore
from chatbot.rasa_stores import redis_lock_store_kwargs

START_TIMEOUT_SECONDS = 30
HOLD_SECONDS = 0.002


@dataclass(frozen=True)
class Record:
    """What the acquirers of one run left in Redis."""

    violations: int
    order: list[int]
    counter: int


class NoLockStore(LockStore):
    """A store that excludes nobody: the control that proves the checks can fail."""

    def __init__(self) -> None:
        self.issued = 0

    @asynccontextmanager
    async def lock(self, conversation_id: str, *_: object, **__: object) -> AsyncIterator[TicketLock]:
        self.issued += 1
        lock = TicketLock(conversation_id)
        lock.issue_ticket(60)
        yield lock


def make_store(kind: str, redis_url: str, key_prefix: str) -> LockStore:
    """``atomic`` (ours), ``rasa`` (Rasa's RedisLockStore) or ``none`` (no exclusion)."""
    kwargs = redis_lock_store_kwargs(redis_url)
    kwargs["key_prefix"] = key_prefix
    if kind == "atomic":
        return AtomicRedisLockStore(**kwargs)
    if kind == "rasa":
        return RedisLockStore(**kwargs)
    if kind == "none":
        return NoLockStore()
    raise ValueError(f"unknown lock store kind {kind!r}")


async def _critical_section(red: redis.Redis, record: str, ticket: int) -> None:
    if red.incr(f"{record}:inside") != 1:
        red.rpush(f"{record}:violations", ticket)
    red.rpush(f"{record}:order", ticket)
    value = int(red.get(f"{record}:counter") or 0)
    await asyncio.sleep(HOLD_SECONDS)
    red.set(f"{record}:counter", value + 1)
    red.decr(f"{record}:inside")


async def _acquire_once(store: LockStore, red: redis.Redis, conversation_id: str, record: str) -> None:
    async with store.lock(conversation_id, wait_time_in_seconds=0.01) as lock:
        await _critical_section(red, record, lock.now_serving or 0)


async def contend(
    store_factory: Callable[[], LockStore], redis_url: str, conversation_id: str, record: str, tasks: int
) -> None:
    """Run ``tasks`` acquirers of one conversation at once, each with its own store."""
    stores = [store_factory() for _ in range(tasks)]
    reds = [redis.Redis.from_url(redis_url) for _ in range(tasks)]
    try:
        pairs = zip(stores, reds, strict=True)
        await asyncio.gather(*(_acquire_once(store, red, conversation_id, record) for store, red in pairs))
    finally:
        for red in reds:
            red.close()


def _process_main(kind: str, redis_url: str, key_prefix: str, conversation_id: str, record: str,
                  tasks: int) -> None:
    red = redis.Redis.from_url(redis_url)
    red.incr(f"{record}:ready")
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while not red.exists(f"{record}:go"):
        if time.monotonic() > deadline:
            raise TimeoutError("the start signal never came")
        time.sleep(0.002)
    asyncio.run(contend(lambda: make_store(kind, redis_url, key_prefix), redis_url, conversation_id,
                        record, tasks))


def contend_in_processes(kind: str, redis_url: str, key_prefix: str, conversation_id: str, record: str,
                         processes: int, tasks_per_process: int, timeout: float = 120) -> None:
    """Run ``processes`` processes of ``tasks_per_process`` acquirers; raise if one fails."""
    context = multiprocessing.get_context("spawn")
    workers = [
        context.Process(target=_process_main,
                        args=(kind, redis_url, key_prefix, conversation_id, record, tasks_per_process))
        for _ in range(processes)
    ]
    for worker in workers:
        worker.start()
    red = redis.Redis.from_url(redis_url)
    deadline = time.monotonic() + timeout
    while int(red.get(f"{record}:ready") or 0) < processes and time.monotonic() < deadline:
        time.sleep(0.01)
    red.set(f"{record}:go", 1, ex=600)
    for worker in workers:
        worker.join(max(0.1, deadline - time.monotonic()))
    stuck = [w for w in workers if w.is_alive()]
    for worker in stuck:
        worker.kill()
        worker.join()
    if stuck or any(w.exitcode != 0 for w in workers):
        raise RuntimeError(f"acquirer processes failed: {[w.exitcode for w in workers]}")


def read_record(redis_url: str, record: str) -> Record:
    red = redis.Redis.from_url(redis_url)
    return Record(
        violations=int(red.llen(f"{record}:violations")),
        order=[int(x) for x in red.lrange(f"{record}:order", 0, -1)],
        counter=int(red.get(f"{record}:counter") or 0),
    )


def hold_until_killed(redis_url: str, key_prefix: str, conversation_id: str, lifetime: float,
                      report_key: str) -> None:
    """Take the lock, report ``ticket:expiry_ms`` under ``report_key``, then hang until killed."""

    async def hold() -> None:
        store = make_store("atomic", redis_url, key_prefix)
        async with store.lock(conversation_id, lock_lifetime=lifetime) as lock:
            ticket = lock.now_serving
            expiry = int(store.red.hget(store.key_prefix + conversation_id, ticket))
            store.red.set(report_key, f"{ticket}:{expiry}", ex=600)
            await asyncio.sleep(3600)

    asyncio.run(hold())


def wait_until_killed(redis_url: str, key_prefix: str, conversation_id: str, lifetime: float) -> None:
    """Queue for the lock (someone else holds it) and wait until killed."""

    async def wait() -> None:
        store = make_store("atomic", redis_url, key_prefix)
        async with store.lock(conversation_id, lock_lifetime=lifetime):
            await asyncio.sleep(3600)

    asyncio.run(wait())
