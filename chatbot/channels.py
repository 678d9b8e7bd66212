"""Rasa sender ids that carry their channel, so ids never collide across channels.

A conversation from Telegram chat 42 is ``telegram:42``; from Zalo OA user 7 it is ``zalo:7``.
Sender ids without a known prefix come from the REST channel (tests, the web widget).
"""

from __future__ import annotations

CHANNEL_NAMES: tuple[str, ...] = ("telegram", "zalo", "zalo_bot")
REST_CHANNEL = "rest"
_SEPARATOR = ":"


def make_sender_id(channel: str, external_id: str | int) -> str:
    """The Rasa sender id of ``external_id`` on ``channel`` (``rest`` ids stay unprefixed)."""
    external = str(external_id)
    if not external:
        raise ValueError("external_id must not be empty")
    if channel == REST_CHANNEL:
        return external
    if channel not in CHANNEL_NAMES:
        raise ValueError(f"unknown channel {channel!r}")
    return f"{channel}{_SEPARATOR}{external}"


def split_sender_id(sender_id: str) -> tuple[str, str]:
    """``(channel, external_id)`` of a Rasa sender id; unprefixed ids belong to ``rest``."""
    channel, separator, external = sender_id.partition(_SEPARATOR)
    if separator and channel in CHANNEL_NAMES and external:
        return channel, external
    return REST_CHANNEL, sender_id
