from __future__ import annotations

from datetime import datetime, time, timezone

import pytest

from chatbot.delivery.quiet_hours import hold, in_window, is_quiet, release_time
from chatbot.settings import TIMEZONE, reset_settings


def local(hour: int, minute: int = 0, day: int = 10) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=TIMEZONE)


@pytest.mark.parametrize(
    ("clock", "quiet"),
    [(time(20, 59), False), (time(21, 0), True), (time(23, 59), True), (time(0, 0), True),
     (time(5, 59), True), (time(6, 0), False), (time(12, 0), False)],
)
def test_default_window_wraps_past_midnight(clock: time, quiet: bool) -> None:
    assert in_window(clock, time(21, 0), time(6, 0)) is quiet


def test_window_within_one_day_and_disabled_window() -> None:
    assert in_window(time(13, 0), time(12, 0), time(14, 0))
    assert not in_window(time(14, 0), time(12, 0), time(14, 0))
    assert not in_window(time(3, 0), time(0, 0), time(0, 0))


def test_release_time_is_the_end_of_quiet_hours() -> None:
    assert release_time(local(22, 30)) == local(6, 0, day=11).astimezone(timezone.utc)
    assert release_time(local(2, 15)) == local(6, 0).astimezone(timezone.utc)
    assert release_time(local(9, 0)) == local(9, 0).astimezone(timezone.utc)


def test_hold_lets_urgent_messages_through() -> None:
    night = local(23, 0)
    assert hold(night, urgent=True) == night
    assert hold(night, urgent=False) == local(6, 0, day=11)
    assert is_quiet(night) and not is_quiet(local(8, 0))


def test_quiet_hours_come_from_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QUIET_HOURS_START", "22:00")
    monkeypatch.setenv("QUIET_HOURS_END", "05:30")
    reset_settings()
    try:
        assert not is_quiet(local(21, 30))
        assert release_time(local(23, 0)) == local(5, 30, day=11)
    finally:
        monkeypatch.undo()
        reset_settings()


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError):
        release_time(datetime(2026, 3, 10, 22, 0))
