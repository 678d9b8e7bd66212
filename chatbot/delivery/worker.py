"""The delivery worker: claims due deliveries, sends them within the channels' limits, records.

One producer claims batches from the outbox into local queues; ``concurrency`` consumers each
wait for a send slot (per chat, then per channel), send, and record the result at once in its
own transaction, so a crash can repeat only the messages that were being sent at that moment.
A heartbeat renews the claims held; on stop, sends in progress finish and unsent claims are
released.

Senders are keyed by lane: a channel (``telegram``, the deployment's own bot) or a school's own
bot (``telegram:<SCHOOL>``). Every lane has its own queue, consumers and rate limits, and the
producer stops claiming for a lane whose queue is full, so a school whose bot is paused (HTTP
429, an empty quota) or failing never holds up another school's messages. Database calls run
on a small thread pool so the event loop keeps the send rate.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import fcntl
import logging
import os
import random
import socket
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy.exc import SQLAlchemyError

from chatbot.alert_keys import alert_buttons
from chatbot.channels import lane, lane_channel, split_address
from chatbot.db.engine import get_engine, session_scope
from chatbot.db.models import Broadcast, BroadcastKind
from chatbot.delivery import outbox
from chatbot.delivery.budget import BUDGET_HELD
from chatbot.delivery.limits import ChannelLimiter, limiter_for, limiters_for
from chatbot.delivery.outbound import Button, OutboundMessage, Sender, SendResult, TemplateMessage
from chatbot.delivery.paid_routes import PaidPrep, after_failure, fall_through, prepare_paid
from chatbot.delivery.quiet_hours import hold
from chatbot.delivery.receipts import receipt_button
from chatbot.settings import get_settings

logger = logging.getLogger(__name__)
T = TypeVar("T")


class Outcome(str, enum.Enum):
    SENT = "sent"
    RETRY = "retry"  # transient failure, backing off
    RATE_LIMITED = "rate_limited"  # HTTP 429 or a quota, retried after retry_after
    FAILED = "failed"  # gave up after max_attempts, or the account was already inactive
    UNDELIVERABLE = "undeliverable"  # cannot reach the person now (window, blocked): failed
    DEACTIVATED = "deactivated"  # the account is gone: failed and the account deactivated
    REROUTED = "rerouted"  # the route could not carry it: queued again on the next route
    HELD = "held"  # a paid route's daily budget is spent: waits for the next day


@dataclass(frozen=True)
class WorkerOptions:
    """How a worker works: batch size and sends in flight, claim lease, retries (times in s)."""

    batch_size: int = 60
    concurrency: int = 16
    lease_seconds: float = 60.0
    max_attempts: int = field(default_factory=lambda: get_settings().delivery_max_attempts)
    backoff_base: float = 5.0
    backoff_max: float = 900.0
    backoff_jitter: float = 0.2
    send_timeout: float = 30.0
    poll_interval: float = 1.0
    max_pause: float = 60.0
    redis_url: str | None = None  # share the rate limits with other workers through Redis

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.lease_seconds)


def new_worker_id() -> str:
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def message_for(claim: outbox.Claim, template: TemplateMessage | None = None) -> OutboundMessage:
    """The message of a delivery: its text, "Đã nhận" if asked, an alert's own buttons; its
    route and, on a templated route, the template's parameters."""
    buttons: list[Button] = []
    if claim.ask_receipt:
        buttons.append(receipt_button(claim.delivery_id))
    if claim.kind is BroadcastKind.ALERT:
        alert = Broadcast(idempotency_key=claim.key)  # transient: only its key is read
        buttons.extend(Button(title, payload) for title, payload in alert_buttons(alert.idempotency_key))
    return OutboundMessage(
        text=claim.text, buttons=tuple(buttons), first_chunk=claim.chunks_sent, route=claim.route,
        template=template, tracking_id=str(claim.delivery_id),
    )


def backoff_seconds(attempt: int, options: WorkerOptions, rng: random.Random) -> float:
    """Delay before retry number ``attempt`` (1-based): exponential, capped, jittered."""
    base = min(options.backoff_max, options.backoff_base * 2 ** (attempt - 1))
    jitter = options.backoff_jitter
    return base * rng.uniform(1 - jitter, 1 + jitter)


class DeliveryWorker:
    """Sends the outbox through ``senders`` (keyed by channel name)."""

    def __init__(
        self,
        senders: Mapping[str, Sender],
        options: WorkerOptions | None = None,
        *,
        worker_id: str | None = None,
        limiters: Mapping[str, ChannelLimiter] | None = None,
        clock: Callable[[], datetime] = outbox.utcnow,
        broadcast_id: int | None = None,
        on_outcome: Callable[[Outcome, outbox.Claim], None] | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.senders = dict(senders)
        self.options = options or WorkerOptions()
        self.worker_id = worker_id or new_worker_id()
        self._redis = None
        if limiters is None and self.options.redis_url:
            import redis.asyncio

            self._redis = redis.asyncio.from_url(self.options.redis_url)
        self.limiters = dict(
            limiters or limiters_for(set(self.senders), self.options.max_pause, redis=self._redis)
        )
        self.clock = clock
        self.broadcast_id = broadcast_id
        self.on_outcome = on_outcome
        self.stats: Counter[Outcome] = Counter()
        self._rng = rng or random.Random()
        self._db_threads = 1 if get_engine().dialect.name == "sqlite" else 4
        self._db_pool: ThreadPoolExecutor | None = None
        self._lanes: dict[str, asyncio.Queue[outbox.Claim | None]] = {}
        self._consumers: list[asyncio.Task[None]] = []
        self._held: set[int] = set()
        self._stopping = asyncio.Event()

    # -- database on the thread pool --------------------------------------------------------
    async def _db(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        def run() -> T:
            with session_scope() as session:
                return fn(session, *args, **kwargs)

        assert self._db_pool is not None, "database calls happen inside run()"
        return await asyncio.get_running_loop().run_in_executor(self._db_pool, run)

    async def _db_retrying(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Like :meth:`_db`, retried a few times: a lost result record means a repeat send."""
        for attempt in range(5):
            try:
                return await self._db(fn, *args, **kwargs)
            except SQLAlchemyError:
                if attempt == 4:
                    raise
                logger.warning("database write failed, retrying", exc_info=True)
                await asyncio.sleep(0.2 * 2**attempt)
        raise AssertionError("unreachable")

    # -- running ----------------------------------------------------------------------------
    async def drain(self) -> Counter[Outcome]:
        """Send everything due now, then return (retries scheduled for later stay queued)."""
        return await self.run(asyncio.Event(), until="drained")

    async def run(self, stop: asyncio.Event, until: str | None = None) -> Counter[Outcome]:
        """Work until ``stop`` is set; or, with ``until``, until nothing is left:

        - ``"drained"``: nothing is due now (claims other live workers hold are theirs);
        - ``"idle"``: nothing pending or being sent at all (waits for retries, for other
          workers and for the claims of dead workers to expire and be taken over).
        """
        if not self.senders:
            raise ValueError("no senders configured: nothing can be sent")
        self._lanes = {}
        self._consumers = []
        self._held = set()
        self._stopping = asyncio.Event()
        self._db_pool = ThreadPoolExecutor(self._db_threads, thread_name_prefix="delivery-db")
        heartbeat = asyncio.create_task(self._heartbeat())
        watcher = asyncio.create_task(self._watch(stop))
        try:
            await self._produce(stop, until)
        finally:
            for queue in self._lanes.values():
                for _ in range(self.options.concurrency):
                    queue.put_nowait(None)
            await asyncio.gather(*self._consumers, return_exceptions=True)
            heartbeat.cancel()
            watcher.cancel()
            await self._release_held()
            self._db_pool.shutdown(wait=True)
            self._db_pool = None
            if self._redis is not None:
                await self._redis.close()
        return self.stats

    async def _watch(self, stop: asyncio.Event) -> None:
        await stop.wait()
        self._stopping.set()

    @property
    def channels(self) -> set[str]:
        """The channels the senders serve (a school's bot is one more sender of its channel)."""
        return {lane_channel(key) for key in self.senders}

    def _queue_of(self, lane_key: str) -> asyncio.Queue[outbox.Claim | None]:
        """The lane's queue, with its own consumers started the first time it is seen."""
        queue = self._lanes.get(lane_key)
        if queue is None:
            queue = self._lanes[lane_key] = asyncio.Queue()
            self._consumers.extend(
                asyncio.create_task(self._consume(queue)) for _ in range(self.options.concurrency)
            )
        return queue

    async def _produce(self, stop: asyncio.Event, until: str | None) -> None:
        capacity = max(self.options.batch_size, self.options.concurrency)
        while not stop.is_set():
            # A lane with enough queued is left out of the claim: let its consumers work.
            full = sorted(key for key, queue in self._lanes.items() if queue.qsize() * 2 >= capacity)
            room = capacity
            try:
                claims = await self._db(
                    outbox.claim,
                    self.worker_id,
                    limit=room,
                    channels=self.channels,
                    lease=self.options.lease,
                    now=self.clock(),
                    broadcast_id=self.broadcast_id,
                    exclude_lanes=full,
                )
            except SQLAlchemyError:
                logger.exception("claiming deliveries failed")
                claims = []
            for item in claims:
                self._held.add(item.delivery_id)
                self._queue_of(lane(item.channel, item.external_id)).put_nowait(item)
            if len(claims) == room:
                continue  # there may be more due right now
            if full and claims:  # other lanes still had work: look again soon
                await _wait(stop, 0.1)
                continue
            if not self._held and until is not None and await self._finished(until):
                return
            # Nothing more due for now: look again after the poll interval, or as soon as
            # the sends in progress finish when the run should end once drained.
            await _wait(stop, self.options.poll_interval if until is None or not self._held else 0.05)

    async def _finished(self, until: str) -> bool:
        try:
            left = await self._backlog()
        except SQLAlchemyError:
            logger.exception("reading the backlog failed")
            return False
        if until == "drained":
            return left.due == 0
        return left.empty

    async def _backlog(self) -> outbox.Backlog:
        return await self._db(
            outbox.backlog,
            self.channels,
            lease=self.options.lease,
            now=self.clock(),
            broadcast_id=self.broadcast_id,
        )

    async def _heartbeat(self) -> None:
        interval = max(self.options.lease_seconds / 3, 0.1)
        while True:
            await asyncio.sleep(interval)
            if self._held:
                try:
                    await self._db(outbox.renew, self.worker_id, list(self._held), self.clock())
                except SQLAlchemyError:
                    logger.warning("renewing claims failed", exc_info=True)

    async def _release_held(self) -> None:
        if not self._held:
            return
        held = list(self._held)
        try:
            released = await self._db(outbox.release, self.worker_id, held)
            logger.info("released %d unsent claims", released)
        except SQLAlchemyError:
            logger.warning("releasing claims failed; they expire after the lease", exc_info=True)
        self._held.clear()

    # -- sending ----------------------------------------------------------------------------
    async def _consume(self, queue: asyncio.Queue[outbox.Claim | None]) -> None:
        while True:
            item = await queue.get()
            if item is None:
                return
            if self._stopping.is_set():
                continue  # not started: released at the end
            try:
                await self._deliver(item)
            except Exception as exc:  # noqa: BLE001 - one bad delivery must not stop the worker
                logger.exception("delivery %d: unexpected error", item.delivery_id)
                if item.delivery_id in self._held:  # not recorded: retry it, a limited number of times
                    await self._retry_or_fail(item, f"worker error {type(exc).__name__}")

    async def _deliver(self, item: outbox.Claim) -> None:
        if not item.account_active:
            await self._record(item, Outcome.FAILED, "account inactive", count_attempt=False)
            return
        lane_key = lane(item.channel, item.external_id)
        if lane_key not in self.senders:
            # A school's own bot this worker has no credentials for (removed, or not readable).
            await self._retry_or_fail(item, "no channel configured for this school's bot")
            return
        limiter = self._limiter(lane_key)
        prep = PaidPrep()
        if item.route in PAID_CANDIDATES:
            prep = await self._db_retrying(prepare_paid, item, self.clock())
            if prep.misfit is not None:
                await self._fall_through(item, prep.misfit)
                return
            if prep.held_until is not None:
                await self._record(
                    item, Outcome.HELD, BUDGET_HELD, not_before=prep.held_until,
                    count_attempt=False,
                )
                return
        if not await self._slot(limiter, item.external_id):
            if prep.price:
                await self._db_retrying(after_failure, item, SendResult(ok=False), prep, self.clock())
            return  # stopping before the send began: the claim is released
        result = await self._send(item, lane_key, prep.template)
        chunks = max(item.chunks_sent, result.chunks_sent)
        flagged = result.unfollowed or result.template_rejected or result.paid_stop
        if not result.ok and (prep.price or flagged):
            await self._db_retrying(after_failure, item, result, prep, self.clock())
        if result.ok:
            await self._record(item, Outcome.SENT, cost_vnd=prep.price)
        elif result.fall_through or result.undeliverable or result.template_rejected:
            await self._fall_through(item, result.error or "undeliverable")
        elif result.give_up:
            await self._record(item, Outcome.FAILED, result.error or "refused")
        elif result.permanent:
            await self._record(item, Outcome.DEACTIVATED, result.error or "permanent failure")
        elif result.retry_after is not None and not result.recipient_only:
            # A channel-wide limit: the whole channel waits; the delivery loses no attempt.
            await limiter.pause(result.retry_after)
            when = hold(self.clock() + timedelta(seconds=result.retry_after), item.urgent)
            await self._record(
                item, Outcome.RATE_LIMITED, result.error or "rate limited", not_before=when,
                count_attempt=False, chunks_sent=chunks,
            )
        elif result.retry_after is not None:
            # This recipient's own limit: only this delivery waits, and it counts as an attempt.
            await self._retry_or_fail(
                item, result.error or "recipient rate limited", chunks_sent=chunks,
                delay=result.retry_after, outcome=Outcome.RATE_LIMITED,
            )
        else:
            await self._retry_or_fail(item, result.error or "send failed", chunks_sent=chunks)

    def _limiter(self, lane_key: str) -> ChannelLimiter:
        limiter = self.limiters.get(lane_key)
        if limiter is None:
            limiter = limiter_for(lane_key, max_pause=self.options.max_pause, redis=self._redis)
            self.limiters[lane_key] = limiter
        return limiter

    async def _fall_through(self, item: outbox.Claim, error: str) -> None:
        """Queue the delivery on the next route, or fail it when none is left."""
        try:
            step = await self._db_retrying(fall_through, item, self.worker_id, error, self.clock())
        except SQLAlchemyError:
            logger.error("delivery %d: next route not recorded; resent after the lease", item.delivery_id)
            self._held.discard(item.delivery_id)
            return
        self._held.discard(item.delivery_id)
        outcome = Outcome.REROUTED if step else Outcome.UNDELIVERABLE
        self.stats[outcome] += 1
        logger.info("delivery %d: %s (%s)", item.delivery_id, outcome.value, error)
        if self.on_outcome is not None:
            self.on_outcome(outcome, item)

    async def _retry_or_fail(
        self,
        item: outbox.Claim,
        error: str,
        *,
        chunks_sent: int | None = None,
        delay: float | None = None,
        outcome: Outcome = Outcome.RETRY,
    ) -> None:
        """Count an attempt: retry after ``delay`` (default: backoff), or fail after the last one."""
        if item.attempts + 1 >= self.options.max_attempts:
            await self._record(item, Outcome.FAILED, error, chunks_sent=chunks_sent)
            return
        if delay is None:
            delay = backoff_seconds(item.attempts + 1, self.options, self._rng)
        when = hold(self.clock() + timedelta(seconds=delay), item.urgent)
        await self._record(item, outcome, error, not_before=when, chunks_sent=chunks_sent)

    async def _slot(self, limiter: ChannelLimiter, chat: str) -> bool:
        """Wait for a send slot; False if the worker started stopping first."""
        acquire = asyncio.ensure_future(limiter.acquire(chat))
        stopping = asyncio.ensure_future(self._stopping.wait())
        await asyncio.wait({acquire, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if acquire.done():
            acquire.result()  # a failing limiter (Redis down) must not let the send through
            return True
        acquire.cancel()
        return False

    async def _send(
        self, item: outbox.Claim, lane_key: str, template: TemplateMessage | None = None
    ) -> SendResult:
        sender = self.senders[lane_key]
        _, chat_id = split_address(item.external_id)  # the chat as that bot knows it
        try:
            return await asyncio.wait_for(
                sender.send(chat_id, message_for(item, template)), self.options.send_timeout
            )
        except asyncio.TimeoutError:
            return SendResult(ok=False, error="timed out")
        except Exception as exc:  # noqa: BLE001 - a sender bug is treated as transient
            logger.warning("delivery %d: sender raised %s", item.delivery_id, type(exc).__name__)
            return SendResult(ok=False, error=f"sender error {type(exc).__name__}")

    async def _record(
        self,
        item: outbox.Claim,
        outcome: Outcome,
        error: str = "",
        *,
        not_before: datetime | None = None,
        count_attempt: bool = True,
        chunks_sent: int | None = None,
        cost_vnd: int = 0,
    ) -> None:
        now = self.clock()
        progress = chunks_sent if chunks_sent is not None and chunks_sent != item.chunks_sent else None
        if outcome is Outcome.SENT:
            call = partial(outbox.mark_sent, delivery_id=item.delivery_id, now=now, cost_vnd=cost_vnd)
        elif outcome in (Outcome.RETRY, Outcome.RATE_LIMITED, Outcome.HELD):
            assert not_before is not None
            call = partial(
                outbox.mark_retry, delivery_id=item.delivery_id, worker_id=self.worker_id,
                not_before=not_before, error=error, count_attempt=count_attempt,
                chunks_sent=progress,
            )
        else:
            call = partial(
                outbox.mark_failed, delivery_id=item.delivery_id, worker_id=self.worker_id,
                error=error, count_attempt=count_attempt, chunks_sent=progress,
            )
        try:
            await self._db_retrying(lambda session: _apply(session, call, outcome, item, error))
        except SQLAlchemyError:
            logger.error("delivery %d: result not recorded; resent after the lease", item.delivery_id)
            return
        finally:
            self._held.discard(item.delivery_id)
        self.stats[outcome] += 1
        if outcome is not Outcome.SENT:
            # The lane names the bot (and so the school) whose token, quota or API failed.
            lane_key = lane(item.channel, item.external_id)
            logger.info("delivery %d via %s: %s (%s)", item.delivery_id, lane_key, outcome.value, error)
        if self.on_outcome is not None:
            self.on_outcome(outcome, item)


def _apply(session: Any, call: Callable[..., None], outcome: Outcome, item: outbox.Claim, error: str) -> None:
    call(session)
    if outcome is Outcome.DEACTIVATED:
        outbox.deactivate_account(session, item.account_id, error)


PAID_CANDIDATES = frozenset({"zalo_transaction", "zns"})


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


@contextlib.contextmanager
def sole_sqlite_sender() -> Iterator[bool]:
    """On SQLite, hold a lock file so one process sends at a time; yields whether we hold it.

    PostgreSQL needs no lock (workers skip each other's rows), so it always yields True.
    """
    engine = get_engine()
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        yield True
        return
    with Path(f"{database}.worker.lock").open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
