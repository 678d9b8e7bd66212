"""The limiters' arithmetic, on a fake clock (no real waiting)."""

from __future__ import annotations

import pytest

from chatbot.delivery.limits import ChannelLimiter, PerChatSpacer, Spacer, limiter_for
from chatbot.settings import get_settings


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_spacer_spaces_starts_evenly_and_never_bursts() -> None:
    clock = FakeClock()
    spacer = Spacer(30, clock)
    waits = [spacer.reserve() for _ in range(31)]
    assert waits[0] == 0
    assert waits[30] == pytest.approx(1.0)  # the 31st start is a full second after the 1st
    clock.now += 10  # an idle spell earns no burst
    assert spacer.reserve() == 0
    assert spacer.reserve() == pytest.approx(1 / 30)


def test_pause_delays_every_later_start() -> None:
    clock = FakeClock()
    spacer = Spacer(10, clock)
    spacer.reserve()
    spacer.hold_off(3)
    assert spacer.paused
    assert spacer.reserve() == pytest.approx(3)
    clock.now += 3
    assert not spacer.paused


async def test_channel_pause_is_capped() -> None:
    clock = FakeClock()
    spacer = Spacer(10, clock)
    await ChannelLimiter(spacer, max_pause=5).pause(3600)
    assert spacer.reserve() == pytest.approx(5)


async def test_per_chat_spacers_are_independent_and_pruned() -> None:
    clock = FakeClock()
    per_chat = PerChatSpacer(1, clock)
    await per_chat.acquire("a")
    await per_chat.acquire("b")  # another chat does not wait for "a"
    assert len(per_chat) == 2
    assert per_chat._spacers["a"].reserve() == pytest.approx(1.0)  # noqa: SLF001
    clock.now += 120
    await per_chat.acquire("c")
    assert len(per_chat) == 1


def test_configured_limits(db: str) -> None:
    settings = get_settings()
    telegram = limiter_for("telegram", settings)
    assert isinstance(telegram.overall, Spacer) and isinstance(telegram.per_chat, PerChatSpacer)
    assert telegram.overall.interval == pytest.approx(1 / settings.telegram_rate_per_second)
    assert telegram.per_chat.rate == settings.telegram_per_chat_per_second
    zalo = limiter_for("zalo", settings)
    assert isinstance(zalo.overall, Spacer)
    assert zalo.overall.interval == pytest.approx(1 / settings.zalo_rate_per_second)
    assert zalo.per_chat is None
