"""Send-rate limits per channel: an overall rate, an optional rate per chat, and pauses.

Each limiter spaces sends evenly (a token bucket holding one token): at 30/s a send may start
every 33 ms, so no one-second window ever holds more than the limit, whatever algorithm the
API uses to count. After an HTTP 429 the whole channel pauses for ``retry_after`` seconds
(capped by ``max_pause``), as the Telegram Bot API asks.

By default the limits live in the worker process. Several workers sending for one bot share
them through Redis instead (:class:`RedisSpacer`: the same spacing, kept in Redis by atomic Lua
scripts on the Redis server's clock), so together they still stay within the limit.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from chatbot.channels import lane_channel
from chatbot.settings import Settings, get_settings


class Pacer(Protocol):
    """Something that lets sends start at a limited rate."""

    async def acquire(self) -> None: ...

    async def pause(self, seconds: float) -> None: ...


class ChatPacer(Protocol):
    async def acquire(self, chat: str) -> None: ...


class Spacer:
    """At most ``rate`` starts per second, evenly spaced; honours :meth:`pause`."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.interval = 1.0 / rate
        self._clock = clock
        self._next = 0.0
        self._paused_until = 0.0

    def reserve(self) -> float:
        """Book the next free slot and return how many seconds to wait for it."""
        now = self._clock()
        slot = max(now, self._next, self._paused_until)
        self._next = slot + self.interval
        return slot - now

    def hold_off(self, seconds: float) -> None:
        """Let nothing start for ``seconds`` from now (slots already booked wait too)."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    async def pause(self, seconds: float) -> None:
        self.hold_off(seconds)

    @property
    def paused(self) -> bool:
        return self._clock() < self._paused_until

    @property
    def free_at(self) -> float:
        """The clock reading from which a send could start without waiting."""
        return max(self._next, self._paused_until)

    async def acquire(self) -> None:
        """Wait for a slot; a pause that began meanwhile makes the caller book a new one."""
        while True:
            delay = self.reserve()
            if delay > 0:
                await asyncio.sleep(delay)
            if not self.paused:
                return


class PerChatSpacer:
    """A :class:`Spacer` per chat, forgotten once idle so memory stays bounded."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self._clock = clock
        self._spacers: dict[str, Spacer] = {}
        self._last_prune = clock()

    def _prune(self) -> None:
        now = self._clock()
        if now - self._last_prune < 60:
            return
        self._last_prune = now
        idle = [key for key, spacer in self._spacers.items() if spacer.free_at < now]
        for key in idle:
            del self._spacers[key]

    async def acquire(self, chat: str) -> None:
        self._prune()
        spacer = self._spacers.get(chat)
        if spacer is None:
            spacer = self._spacers[chat] = Spacer(self.rate, self._clock)
        await spacer.acquire()

    def __len__(self) -> int:
        return len(self._spacers)


_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local slot = math.max(now, tonumber(redis.call('GET', KEYS[1]) or '0'),
                      tonumber(redis.call('GET', KEYS[2]) or '0'))
local free = slot + tonumber(ARGV[1])
redis.call('SET', KEYS[1], string.format('%d', free), 'PX', math.floor((free - now) / 1000) + 60000)
return math.floor(slot - now)
"""
_PAUSE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local until_ = now + tonumber(ARGV[1])
if until_ > tonumber(redis.call('GET', KEYS[1]) or '0') then
  redis.call('SET', KEYS[1], string.format('%d', until_), 'PX', math.floor(tonumber(ARGV[1]) / 1000) + 60000)
end
return 0
"""
_PAUSED_FOR = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
return math.max(0, math.floor(tonumber(redis.call('GET', KEYS[1]) or '0') - now))
"""


class RedisScripts:
    """The limiter's Lua scripts, registered once on a ``redis.asyncio`` client."""

    def __init__(self, client: Any) -> None:
        self.reserve = client.register_script(_RESERVE)
        self.pause = client.register_script(_PAUSE)
        self.paused_for = client.register_script(_PAUSED_FOR)


class RedisSpacer:
    """A :class:`Spacer` whose next free slot and pause live in Redis, shared by all workers."""

    def __init__(self, scripts: RedisScripts, key: str, rate: float) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.key = key
        self.interval_us = round(1_000_000 / rate)
        self._scripts = scripts
        self._pause_key = f"{key}:paused"

    async def acquire(self) -> None:
        while True:
            keys = [self.key, self._pause_key]
            wait_us = int(await self._scripts.reserve(keys=keys, args=[self.interval_us]))
            if wait_us > 0:
                await asyncio.sleep(wait_us / 1_000_000)
            if int(await self._scripts.paused_for(keys=[self._pause_key])) <= 0:
                return

    async def pause(self, seconds: float) -> None:
        await self._scripts.pause(keys=[self._pause_key], args=[round(seconds * 1_000_000)])


class RedisPerChat:
    """A :class:`RedisSpacer` per chat (its keys expire a minute after their last use)."""

    def __init__(self, scripts: RedisScripts, prefix: str, rate: float) -> None:
        self._scripts = scripts
        self._prefix = prefix
        self.rate = rate

    async def acquire(self, chat: str) -> None:
        await RedisSpacer(self._scripts, f"{self._prefix}:{chat}", self.rate).acquire()


@dataclass
class ChannelLimiter:
    """The limits of one channel: overall, per chat (optional) and the 429 pause cap."""

    overall: Pacer
    per_chat: ChatPacer | None = None
    max_pause: float = 60.0

    async def acquire(self, chat: str) -> None:
        """Wait until one message to ``chat`` may be sent (per-chat slot first, then overall)."""
        if self.per_chat is not None:
            await self.per_chat.acquire(chat)
        await self.overall.acquire()

    async def pause(self, retry_after: float) -> None:
        await self.overall.pause(min(max(retry_after, 0.0), self.max_pause))


def limiter_for(
    channel: str,
    settings: Settings | None = None,
    max_pause: float = 60.0,
    redis: Any | None = None,
) -> ChannelLimiter:
    """The configured limits of ``channel``: Telegram overall and per chat, Zalo (OA, Bot) overall.

    With a ``redis.asyncio`` client the limits are shared by every worker using that Redis.
    ``channel`` may be a lane (``telegram:<SCHOOL>``, a school's own bot): it gets the channel's
    limits, counted apart from every other bot's.
    """
    settings = settings or get_settings()
    lane_key, channel = channel, lane_channel(channel)
    overall_rate = (
        settings.telegram_rate_per_second if channel == "telegram" else settings.zalo_rate_per_second
    )
    per_chat: ChatPacer | None = None
    per_chat_rate = settings.telegram_per_chat_per_second
    if redis is not None:
        scripts = RedisScripts(redis)
        overall: Pacer = RedisSpacer(scripts, f"delivery:rate:{lane_key}", overall_rate)
        if channel == "telegram":
            per_chat = RedisPerChat(scripts, f"delivery:rate:{lane_key}:chat", per_chat_rate)
    else:
        overall = Spacer(overall_rate)
        if channel == "telegram":
            per_chat = PerChatSpacer(per_chat_rate)
    return ChannelLimiter(overall=overall, per_chat=per_chat, max_pause=max_pause)


def limiters_for(
    channels: list[str] | set[str], max_pause: float = 60.0, redis: Any | None = None
) -> dict[str, ChannelLimiter]:
    """A limiter per channel; each channel counts its sends separately."""
    settings = get_settings()
    return {channel: limiter_for(channel, settings, max_pause, redis) for channel in channels}
