"""Quiet hours: the local night window in which non-urgent messages are held back.

The window is given as local wall-clock times in the school's time zone and may wrap past
midnight (the default 21:00–06:00 does). A window whose start equals its end is disabled.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from chatbot.settings import TIMEZONE, get_settings


def in_window(local: time, start: time, end: time) -> bool:
    """True when ``local`` lies in ``[start, end)``, a window that may wrap past midnight."""
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end


def release_time(
    when: datetime,
    start: time | None = None,
    end: time | None = None,
    tz: ZoneInfo = TIMEZONE,
) -> datetime:
    """The earliest moment at or after ``when`` (aware) that is outside quiet hours, in UTC."""
    if when.tzinfo is None:
        raise ValueError("release_time needs an aware datetime")
    settings = get_settings()
    start = settings.quiet_hours_start if start is None else start
    end = settings.quiet_hours_end if end is None else end
    local = when.astimezone(tz)
    if not in_window(local.time().replace(tzinfo=None), start, end):
        return when.astimezone(timezone.utc)
    release = datetime.combine(local.date(), end, tzinfo=tz)
    if release <= local:  # the window wrapped: it ends tomorrow morning
        release = datetime.combine(local.date() + timedelta(days=1), end, tzinfo=tz)
    return release.astimezone(timezone.utc)


def is_quiet(when: datetime, start: time | None = None, end: time | None = None) -> bool:
    """True when ``when`` (aware) falls in quiet hours."""
    return release_time(when, start, end) > when.astimezone(timezone.utc)


def hold(when: datetime, urgent: bool) -> datetime:
    """When a message wanted at ``when`` may go: urgent ones at once, others after quiet hours."""
    return when.astimezone(timezone.utc) if urgent else release_time(when)
