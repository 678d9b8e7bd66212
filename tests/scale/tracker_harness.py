"""Replica processes that append to the same conversations of one PostgreSQL tracker store.

Each process stands for a Rasa replica: its own :class:`PostgresTrackerStore` (its own pool)
and, when asked, its own :class:`AtomicRedisLockStore`. A *turn* loads the conversation,
appends a user message ``"<replica>:<turn>"`` and a bot reply that counts the user messages
so far (so a lost or doubled turn shows as a wrong count), and saves.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import random
from contextlib import AsyncExitStack

from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered

from chatbot.locks import AtomicRedisLockStore
from chatbot.postgres_tracker_store import PostgresTrackerStore
from chatbot.rasa_stores import redis_lock_store_kwargs

TIMEOUT_SECONDS = 120


async def take_turn(store: PostgresTrackerStore, sender: str, label: str) -> None:
    """One message and its reply, appended to ``sender``'s conversation."""
    tracker = await store.get_or_create_tracker(sender, append_action_listen=False)
    count = sum(1 for event in tracker.events if isinstance(event, UserUttered)) + 1
    tracker.update(UserUttered(label, {"name": "greet", "confidence": 1.0}))
    await asyncio.sleep(random.random() * 0.002)  # let the other replica interleave if it can
    tracker.update(ActionExecuted("utter_count"))
    tracker.update(BotUttered(f"count={count}"))
    tracker.update(ActionExecuted("action_listen"))
    await store.save(tracker)


async def _replica(url: str, replica: str, senders: list[str], turns: int, redis_url: str | None,
                   key_prefix: str | None, start: multiprocessing.synchronize.Barrier) -> None:
    store = PostgresTrackerStore(url=url, pool_size=2, max_overflow=2)
    lock_store = None
    if redis_url is not None:
        kwargs = redis_lock_store_kwargs(redis_url) | {"key_prefix": key_prefix}
        lock_store = AtomicRedisLockStore(**kwargs)

    async def conversation(sender: str) -> None:
        for turn in range(turns):
            async with AsyncExitStack() as stack:
                if lock_store is not None:
                    await stack.enter_async_context(lock_store.lock(sender, wait_time_in_seconds=0.005))
                await take_turn(store, sender, f"{replica}:{turn}")

    try:
        await store.exists(senders[0])  # pool open before the start
        start.wait(TIMEOUT_SECONDS)  # every replica starts at the same moment
        await asyncio.gather(*(conversation(sender) for sender in senders))
    finally:
        await store.close()


def _main(url: str, replica: str, senders: list[str], turns: int, redis_url: str | None,
          key_prefix: str | None, start: multiprocessing.synchronize.Barrier) -> None:
    asyncio.run(_replica(url, replica, senders, turns, redis_url, key_prefix, start))


def run_replicas(url: str, replicas: list[str], senders: list[str], turns: int,
                 redis_url: str | None = None, key_prefix: str | None = None) -> None:
    """Run one process per replica name, all on ``senders`` at once; raise if one fails."""
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(len(replicas))
    workers = [context.Process(target=_main, args=(url, name, senders, turns, redis_url, key_prefix, start))
               for name in replicas]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(TIMEOUT_SECONDS)
    stuck = [worker for worker in workers if worker.is_alive()]
    for worker in stuck:
        worker.kill()
        worker.join()
    if stuck or any(worker.exitcode != 0 for worker in workers):
        raise RuntimeError(f"replica processes failed: {[worker.exitcode for worker in workers]}")
