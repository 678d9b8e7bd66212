"""The atomic Redis lock store under contention: one holder at a time, FIFO, crash expiry."""

from __future__ import annotations

import asyncio
import multiprocessing
import time

import pytest
import redis
from rasa.core.lock_store import LockError, LockStore
from rasa.utils.endpoints import EndpointConfig

from chatbot.locks import AtomicRedisLockStore
from tests.scale.lock_harness import (
    contend,
    contend_in_processes,
    hold_until_killed,
    make_store,
    read_record,
    wait_until_killed,
)

CONVERSATION = "telegram:4242"
BOUND_SECONDS = 30  # liveness bound only; never a speed assertion


def _store(redis_url: str, key_prefix: str) -> AtomicRedisLockStore:
    store = make_store("atomic", redis_url, key_prefix)
    assert isinstance(store, AtomicRedisLockStore)
    return store


def _server_ms(red: redis.Redis) -> int:
    seconds, micros = red.time()
    return seconds * 1000 + micros // 1000


def _spawn(target, *args: object) -> multiprocessing.process.BaseProcess:  # noqa: ANN001
    process = multiprocessing.get_context("spawn").Process(target=target, args=args, daemon=True)
    process.start()
    return process


async def _until(condition, what: str) -> None:  # noqa: ANN001
    deadline = time.monotonic() + BOUND_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        await asyncio.sleep(0.01)


async def test_many_tasks_hold_one_at_a_time_in_ticket_order(redis_url: str, key_prefix: str) -> None:
    record = f"{key_prefix}rec"
    await contend(lambda: make_store("atomic", redis_url, key_prefix), redis_url, CONVERSATION, record, 60)
    result = read_record(redis_url, record)
    assert result.violations == 0
    assert result.counter == 60  # no lost update
    assert len(result.order) == 60
    assert result.order == sorted(result.order) and len(set(result.order)) == 60  # FIFO, no shared ticket


async def test_checks_catch_a_store_that_does_not_lock(redis_url: str, key_prefix: str) -> None:
    record = f"{key_prefix}rec"
    await contend(lambda: make_store("none", redis_url, key_prefix), redis_url, CONVERSATION, record, 20)
    result = read_record(redis_url, record)
    assert result.violations > 0
    assert result.counter < 20


def test_many_processes_hold_one_at_a_time_in_ticket_order(redis_url: str, key_prefix: str) -> None:
    record = f"{key_prefix}rec"
    contend_in_processes("atomic", redis_url, key_prefix, CONVERSATION, record, processes=4,
                         tasks_per_process=15)
    result = read_record(redis_url, record)
    assert result.violations == 0
    assert result.counter == 60
    assert result.order == sorted(result.order) and len(set(result.order)) == 60


async def test_conversations_do_not_wait_for_each_other(redis_url: str, key_prefix: str) -> None:
    store = _store(redis_url, key_prefix)

    async def other_conversation() -> str:
        async with store.lock("parent-b") as lock:
            return lock.conversation_id

    async with store.lock("parent-a"):
        assert await asyncio.wait_for(other_conversation(), BOUND_SECONDS) == "parent-b"


async def test_crashed_holder_is_released_when_its_ticket_expires(redis_url: str, key_prefix: str) -> None:
    store = _store(redis_url, key_prefix)
    report = f"{key_prefix}report"
    process = _spawn(hold_until_killed, redis_url, key_prefix, CONVERSATION, 1.5, report)
    try:
        await _until(lambda: store.red.exists(report), "the holder process to take the lock")
    finally:
        process.kill()
        process.join()
    dead_ticket, dead_expiry = (int(x) for x in store.red.get(report).split(b":"))

    ticket, acquired_at = await asyncio.wait_for(_acquire_and_read_time(store), BOUND_SECONDS)
    assert ticket > dead_ticket
    assert acquired_at >= dead_expiry  # it waited for the dead holder's lease, not less
    assert store.get_lock(CONVERSATION) is None


async def _acquire_and_read_time(store: AtomicRedisLockStore) -> tuple[int, int]:
    async with store.lock(CONVERSATION, lock_lifetime=30, wait_time_in_seconds=0.05) as lock:
        return int(lock.now_serving or 0), _server_ms(store.red)


async def test_crashed_waiter_does_not_block_the_queue_for_ever(redis_url: str, key_prefix: str) -> None:
    store = _store(redis_url, key_prefix)
    ticket = store.issue_ticket(CONVERSATION, 30)  # the live holder
    process = _spawn(wait_until_killed, redis_url, key_prefix, CONVERSATION, 1.0)
    try:
        await _until(lambda: len((store.get_lock(CONVERSATION) or _empty()).tickets) == 2,
                     "the waiter process to queue")
    finally:
        process.kill()
        process.join()
    dead_waiter = store.get_lock(CONVERSATION).tickets[1].number
    store.cleanup(CONVERSATION, ticket)

    late_ticket, _ = await asyncio.wait_for(_acquire_and_read_time(store), BOUND_SECONDS)
    assert late_ticket > dead_waiter > ticket


def _empty():  # noqa: ANN202
    from rasa.core.lock import TicketLock

    return TicketLock(CONVERSATION)


async def test_waiter_whose_queue_is_deleted_gets_lock_error(redis_url: str, key_prefix: str) -> None:
    store = _store(redis_url, key_prefix)
    store.issue_ticket(CONVERSATION, 30)

    async def wait() -> None:
        async with store.lock(CONVERSATION, wait_time_in_seconds=0.01):
            pass

    waiter = asyncio.create_task(wait())
    await _until(lambda: len((store.get_lock(CONVERSATION) or _empty()).tickets) == 2, "the waiter")
    store.delete_lock(CONVERSATION)
    with pytest.raises(LockError):
        await asyncio.wait_for(waiter, BOUND_SECONDS)


def test_ticket_interface_follows_rasa(redis_url: str, key_prefix: str) -> None:
    store = _store(redis_url, key_prefix)
    first = store.issue_ticket(CONVERSATION, 30)
    second = store.issue_ticket(CONVERSATION, 30)
    assert second == first + 1
    lock = store.get_lock(CONVERSATION)
    assert lock is not None
    assert [t.number for t in lock.tickets] == [first, second]
    assert lock.now_serving == first and not lock.is_locked(first) and lock.is_locked(second)
    assert 0 < store.red.pttl(store.key_prefix + CONVERSATION) <= 31_000

    store.cleanup(CONVERSATION, first)
    assert store.is_someone_waiting(CONVERSATION)
    assert store.try_acquire(CONVERSATION, second, 30) == 0
    store.cleanup(CONVERSATION, second)
    assert not store.is_someone_waiting(CONVERSATION)
    assert store.get_lock(CONVERSATION) is None
    assert not store.red.exists(store.key_prefix + CONVERSATION)


def test_waiting_ticket_reports_how_many_are_ahead(redis_url: str, key_prefix: str) -> None:
    store = _store(redis_url, key_prefix)
    tickets = [store.issue_ticket(CONVERSATION, 30) for _ in range(3)]
    assert [store.try_acquire(CONVERSATION, t, 30) for t in tickets] == [0, 1, 2]
    store.finish_serving(CONVERSATION, tickets[0])
    assert store.try_acquire(CONVERSATION, tickets[2], 30) == 1
    assert store.try_acquire(CONVERSATION, tickets[0], 30) == -1


def test_expired_tickets_disappear(redis_url: str, key_prefix: str) -> None:
    store = _store(redis_url, key_prefix)
    store.issue_ticket(CONVERSATION, 0.05)
    time.sleep(0.2)
    assert store.get_lock(CONVERSATION) is None
    assert not store.red.exists(store.key_prefix + CONVERSATION)


def test_save_lock_round_trips(redis_url: str, key_prefix: str) -> None:
    store = _store(redis_url, key_prefix)
    first = store.issue_ticket(CONVERSATION, 30)
    lock = store.get_lock(CONVERSATION)
    lock.issue_ticket(30)
    store.save_lock(lock)
    assert [t.number for t in store.get_lock(CONVERSATION).tickets] == [first, first + 1]
    assert store.issue_ticket(CONVERSATION, 30) == first + 2


def test_rasa_loads_the_store_from_endpoints(redis_url: str, key_prefix: str) -> None:
    client = redis.Redis.from_url(redis_url)
    db = client.connection_pool.connection_kwargs["db"]
    config = EndpointConfig(url="127.0.0.1", type="chatbot.locks.AtomicRedisLockStore", port=6379, db=db,
                            key_prefix=key_prefix)
    store = LockStore.create(config)
    assert isinstance(store, AtomicRedisLockStore)
    assert store.key_prefix.startswith(key_prefix)
    ticket = store.issue_ticket(CONVERSATION)
    assert client.exists(f"{key_prefix}:convlock:{CONVERSATION}")
    store.cleanup(CONVERSATION, ticket)


def test_non_alphanumeric_prefix_is_refused(redis_url: str) -> None:
    with pytest.raises(ValueError, match="alphanumeric"):
        make_store("atomic", redis_url, "bad prefix")
