"""Rasa sender ids that carry their channel, so ids never collide across channels.

A conversation from Telegram chat 42 is ``telegram:42``; from Zalo OA user 7 it is ``zalo:7``.
Sender ids without a known prefix come from the REST channel (tests, the web widget). On a
school's own bot the chat also carries the school: ``telegram:<SCHOOL>:42`` (see below).
"""

from __future__ import annotations

import re

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


# -- one deployment, many schools' bots --------------------------------------------------------
# A chat on a school's own bot is addressed ``<SCHOOL>:<chat>`` (the school's code, then the
# chat id that bot sees), so the sender id is ``telegram:<SCHOOL>:42``. The same person writing
# to two schools' bots is two accounts, one per school. Chats on the deployment's own bot (the
# channel's environment variables) keep the plain ``telegram:42``.
_SCHOOL_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,31}$")


def is_school_code(value: str) -> bool:
    return bool(_SCHOOL_CODE.match(value))


def school_address(school: str | None, chat_id: str | int) -> str:
    """The account's external id of ``chat_id`` on ``school``'s bot (plain on the shared bot)."""
    chat = str(chat_id)
    if school is None:
        return chat
    if not is_school_code(school):
        raise ValueError("not a school code")
    return f"{school}{_SEPARATOR}{chat}"


def split_address(external_id: str) -> tuple[str | None, str]:
    """``(school code or None, chat id)`` of an account's external id on a chat channel."""
    school, separator, chat = external_id.partition(_SEPARATOR)
    if separator and chat and is_school_code(school):
        return school, chat
    return None, external_id


def lane(channel: str, external_id: str) -> str:
    """The bot a message to this account goes through: ``telegram`` or ``telegram:<SCHOOL>``;
    each has its own sender and its own rate limits."""
    school, _ = split_address(external_id)
    return school_lane(channel, school)


def school_lane(channel: str, school: str | None) -> str:
    """The lane of ``school``'s own bot on ``channel`` (the channel itself for the shared bot)."""
    return channel if school is None else f"{channel}{_SEPARATOR}{school}"


def lane_channel(lane_key: str) -> str:
    """The channel of a lane (``telegram:<SCHOOL>`` → ``telegram``)."""
    return lane_key.partition(_SEPARATOR)[0]
