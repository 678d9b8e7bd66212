"""A Redis ticket lock store whose every step is one atomic Lua script.

Rasa 3.6's ``RedisLockStore`` reads a conversation's ticket queue, changes it in Python and
writes it back, so two replicas can draw the same ticket and both hold the lock at once
(RasaHQ/rasa#9213). Here each conversation's queue is one Redis hash, changed only by Lua
scripts, so issuing, acquiring and releasing a ticket are atomic on the Redis server:

- ``seq`` holds the last ticket number; ticket numbers only grow, so the queue is FIFO.
  A new queue starts at a random number, so a late release from a replica whose ticket
  expired long ago cannot remove a later queue's ticket by accident.
- every other field is a live ticket: ticket number → expiry in Redis server milliseconds
  (one clock for all replicas). The lowest live ticket holds the lock.
- a ticket's expiry is pushed to ``now + lifetime`` whenever its owner shows a sign of life
  (issued, polled while waiting, acquired). A crashed replica's ticket, holder or waiter,
  therefore disappears ``lifetime`` after its last sign of life, and the queue moves on.
- the hash is deleted with its last ticket and carries a Redis TTL, so nothing is left behind.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections import deque
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from typing import Any

import redis
from rasa.core.lock import Ticket, TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, LockStore
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)

DEFAULT_KEY_PREFIX = "convlock:"
FIRST_POLL_SECONDS = 0.005
MAX_POLL_SECONDS = 0.05
SOCKET_TIMEOUT_SECONDS = 10.0

# Shared by every script: server time, and the removal of expired tickets.
_PRELUDE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function prune(key)
  local flat = redis.call('HGETALL', key)
  local head, latest, live = nil, 0, 0
  for i = 1, #flat, 2 do
    if flat[i] ~= 'seq' then
      local number, expires = tonumber(flat[i]), tonumber(flat[i + 1])
      if expires <= now then
        redis.call('HDEL', key, flat[i])
      else
        live = live + 1
        if head == nil or number < head then head = number end
        if expires > latest then latest = expires end
      end
    end
  end
  return head, latest, live
end
local function settle(key, latest, live)
  if live == 0 then
    redis.call('DEL', key)
  else
    redis.call('PEXPIRE', key, latest - now + 1000)
  end
end
"""

# KEYS[1] queue; ARGV[1] lifetime ms, ARGV[2] first number of a new queue
# → {ticket number, tickets ahead of it (0: it holds the lock), its expiry ms}.
_ISSUE = _PRELUDE + """
if redis.call('HEXISTS', KEYS[1], 'seq') == 0 then
  redis.call('HSET', KEYS[1], 'seq', ARGV[2])
end
local number = redis.call('HINCRBY', KEYS[1], 'seq', 1)
local expires = now + tonumber(ARGV[1])
redis.call('HSET', KEYS[1], string.format('%d', number), expires)
local _, latest, live = prune(KEYS[1])
settle(KEYS[1], latest, live)
return {number, live - 1, expires}
"""

# KEYS[1] queue; ARGV[1] ticket, ARGV[2] lifetime ms
# → 0 when the ticket holds the lock, n > 0 tickets ahead of it, -1 when the ticket is gone.
_ACQUIRE = _PRELUDE + """
local head, latest, live = prune(KEYS[1])
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then
  settle(KEYS[1], latest, live)
  return -1
end
local expires = now + tonumber(ARGV[2])
redis.call('HSET', KEYS[1], ARGV[1], expires)
if expires > latest then latest = expires end
settle(KEYS[1], latest, live)
if head == tonumber(ARGV[1]) then return 0 end
local ahead = 0
for _, field in ipairs(redis.call('HKEYS', KEYS[1])) do
  if field ~= 'seq' and tonumber(field) < tonumber(ARGV[1]) then ahead = ahead + 1 end
end
return ahead
"""

# KEYS[1] queue; ARGV[1] ticket → number of live tickets left.
_RELEASE = _PRELUDE + """
redis.call('HDEL', KEYS[1], ARGV[1])
local _, latest, live = prune(KEYS[1])
settle(KEYS[1], latest, live)
return live
"""

# KEYS[1] queue → flat list of live tickets: number, expiry ms, number, expiry ms, ...
_SNAPSHOT = _PRELUDE + """
local _, latest, live = prune(KEYS[1])
settle(KEYS[1], latest, live)
local out = {}
local flat = redis.call('HGETALL', KEYS[1])
for i = 1, #flat, 2 do
  if flat[i] ~= 'seq' then
    out[#out + 1] = flat[i]
    out[#out + 1] = flat[i + 1]
  end
end
return out
"""

# KEYS[1] queue; ARGV: number, expiry ms, number, expiry ms, ... → replaces the live tickets.
_REPLACE = _PRELUDE + """
local seq = tonumber(redis.call('HGET', KEYS[1], 'seq') or '0')
redis.call('DEL', KEYS[1])
for i = 1, #ARGV, 2 do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
  if tonumber(ARGV[i]) > seq then seq = tonumber(ARGV[i]) end
end
redis.call('HSET', KEYS[1], 'seq', string.format('%d', seq))
local _, latest, live = prune(KEYS[1])
settle(KEYS[1], latest, live)
return live
"""


def _new_queue_start() -> int:
    """A random first ticket number, far below 2**53 so Lua numbers stay exact."""
    return secrets.randbelow(2**40)


class AtomicRedisLockStore(LockStore):
    """Rasa ticket lock store on Redis, safe for many replicas (FIFO per conversation)."""

    def __init__(
        self,
        endpoint_config: EndpointConfig | None = None,
        *,
        host: str = "localhost",
        port: int = 6379,
        db: int = 1,
        username: str | None = None,
        password: str | None = None,
        use_ssl: bool = False,
        key_prefix: str | None = None,
        socket_timeout: float = SOCKET_TIMEOUT_SECONDS,
    ) -> None:
        """Connect to Redis; from ``endpoints.yml`` (``url`` = host, other keys as here) or arguments."""
        if endpoint_config is not None:
            options: dict[str, Any] = dict(endpoint_config.kwargs)
            host = endpoint_config.url or options.pop("host", host)
            port = int(options.get("port", port))
            db = int(options.get("db", db))
            username = options.get("username", username)
            password = options.get("password", password)
            use_ssl = bool(options.get("use_ssl", use_ssl))
            key_prefix = options.get("key_prefix", key_prefix)
        self.red = redis.Redis(
            host=host,
            port=port,
            db=db,
            username=username,
            password=password,
            ssl=use_ssl,
            socket_timeout=socket_timeout,
        )
        key_prefix = str(key_prefix) if key_prefix not in (None, "") else None
        if key_prefix and not key_prefix.isalnum():
            raise ValueError(f"lock store key prefix must be alphanumeric, got {key_prefix!r}")
        self.key_prefix = f"{key_prefix}:{DEFAULT_KEY_PREFIX}" if key_prefix else DEFAULT_KEY_PREFIX
        self._issue = self.red.register_script(_ISSUE)
        self._acquire = self.red.register_script(_ACQUIRE)
        self._release = self.red.register_script(_RELEASE)
        self._snapshot = self.red.register_script(_SNAPSHOT)
        self._replace = self.red.register_script(_REPLACE)
        super().__init__()

    def _key(self, conversation_id: str) -> str:
        return self.key_prefix + conversation_id

    # --- Rasa's LockStore interface -------------------------------------------------------

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        """Append a ticket to the conversation's queue and return its number."""
        return self._issue_ticket(conversation_id, lock_lifetime)[0]

    def _issue_ticket(self, conversation_id: str, lock_lifetime: float) -> tuple[int, int, int]:
        """(ticket, tickets ahead of it, its expiry in ms): one round trip to Redis."""
        try:
            number, ahead, expires = self._issue(keys=[self._key(conversation_id)],
                                                 args=[_ms(lock_lifetime), _new_queue_start()])
        except redis.RedisError as exc:
            raise LockError(f"Error while acquiring lock. Error:\n{exc}") from exc
        return int(number), int(ahead), int(expires)

    def get_lock(self, conversation_id: str) -> TicketLock | None:
        """The conversation's live tickets in queue order, or ``None`` when nobody queues."""
        flat = self._snapshot(keys=[self._key(conversation_id)])
        if not flat:
            return None
        pairs = sorted((int(flat[i]), int(flat[i + 1]) / 1000) for i in range(0, len(flat), 2))
        return TicketLock(conversation_id, deque(Ticket(number, expires) for number, expires in pairs))

    def save_lock(self, lock: TicketLock) -> None:
        """Replace the conversation's tickets with ``lock``'s (expiries in epoch seconds)."""
        args: list[int] = []
        for ticket in lock.tickets:
            args.extend([ticket.number, _ms(ticket.expires)])
        self._replace(keys=[self._key(lock.conversation_id)], args=args)

    def delete_lock(self, conversation_id: str) -> None:
        """Drop the conversation's queue; its waiters get a ``LockError``."""
        self._log_deletion(conversation_id, bool(self.red.delete(self._key(conversation_id))))

    def update_lock(self, conversation_id: str) -> None:
        """Remove expired tickets (every script does this too)."""
        self._snapshot(keys=[self._key(conversation_id)])

    def is_someone_waiting(self, conversation_id: str) -> bool:
        return bool(self._snapshot(keys=[self._key(conversation_id)]))

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        """Remove the ticket; the queue disappears with its last ticket."""
        self._release(keys=[self._key(conversation_id)], args=[ticket_number])

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        self.finish_serving(conversation_id, ticket_number)

    def try_acquire(self, conversation_id: str, ticket: int, lock_lifetime: float = LOCK_LIFETIME) -> int:
        """Renew ``ticket``; 0 when it holds the lock, else tickets ahead (-1: ticket lost)."""
        return int(self._acquire(keys=[self._key(conversation_id)], args=[ticket, _ms(lock_lifetime)]))

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = 1,
    ) -> AsyncGenerator[TicketLock, None]:
        """Hold the conversation's lock for the ``async with`` body, after earlier tickets.

        Uncontended, this is two round trips to Redis (issue-and-check, release). Waiting
        polls from every 5 ms up to every ``min(wait_time_in_seconds, 50 ms)``; a
        ``LockError`` means the ticket expired or its queue was deleted. The lock yielded
        holds this ticket only (Rasa does not look at it).
        """
        ticket, ahead, expires = self._issue_ticket(conversation_id, lock_lifetime)
        try:
            if ahead:
                await self._wait_for_turn(conversation_id, ticket, lock_lifetime, wait_time_in_seconds)
            yield TicketLock(conversation_id, deque([Ticket(ticket, expires / 1000)]))
        finally:
            try:
                self.cleanup(conversation_id, ticket)
            except redis.RedisError as exc:  # the ticket expires by itself
                logger.warning("Could not release lock of %s: %s", conversation_id, exc)

    async def _wait_for_turn(self, conversation_id: str, ticket: int, lifetime: float, wait: float) -> None:
        delay, cap = FIRST_POLL_SECONDS, max(FIRST_POLL_SECONDS, min(wait, MAX_POLL_SECONDS))
        while True:
            try:
                ahead = self.try_acquire(conversation_id, ticket, lifetime)
            except redis.RedisError as exc:
                raise LockError(f"Error while acquiring lock. Error:\n{exc}") from exc
            if ahead == 0:
                logger.debug("Acquired lock for conversation '%s'.", conversation_id)
                return
            if ahead < 0:
                raise LockError(f"Could not acquire lock for conversation_id '{conversation_id}'.")
            await asyncio.sleep(delay)
            delay = min(cap, delay * 2)


def _ms(seconds: float) -> int:
    return max(1, round(seconds * 1000))
