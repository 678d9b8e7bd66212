"""Each school's own bots: store, read and remove their sealed credentials.

A school's Telegram bot, Zalo OA and Zalo Bot are kept in ``school_channels`` sealed with
``CHANNEL_SECRETS_KEY`` (:mod:`chatbot.secretbox`). Nothing here logs or returns a secret
except :func:`channel_values`, which the connectors call to talk to the bot.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from chatbot.db.models import School, SchoolChannel
from chatbot.delivery.own_channels import accounts_without_channel as accounts_without_channel
from chatbot.secretbox import seal, unseal

CHANNELS = ("telegram", "zalo", "zalo_bot")
CHANNEL_LABELS = {"telegram": "Telegram", "zalo": "Zalo OA", "zalo_bot": "Zalo Bot"}
REQUIRED: dict[str, tuple[str, ...]] = {
    "telegram": ("token",),
    "zalo": ("app_id", "app_secret", "oa_secret_key"),
    "zalo_bot": ("token",),
}
OPTIONAL: dict[str, tuple[str, ...]] = {
    "telegram": ("webhook_secret", "bot_username", "api_base_url"),
    "zalo": ("access_token", "refresh_token", "api_base_url", "oauth_base_url", "oa_name"),
    "zalo_bot": ("webhook_secret", "api_base_url"),
}
MAX_VALUE = 2000
_WEBHOOK_SECRET = re.compile(r"^[A-Za-z0-9_-]{16,256}$")  # what Telegram accepts as secret_token
_URL = re.compile(r"^https?://[^\s]{1,300}$")
_PRINTABLE = re.compile(r"^[\x21-\x7e]{1,2000}$")


class ChannelSettingsError(ValueError):
    """A value staff gave cannot be stored (the message says which and why, never the value)."""


@dataclass(frozen=True)
class ChannelEntry:
    """What may be shown of a school's channel: no secret."""

    school_code: str
    school_name: str
    channel: str
    label: str | None
    updated_at: datetime


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _check(channel: str, values: dict[str, str]) -> dict[str, str]:
    if channel not in CHANNELS:
        raise ChannelSettingsError(f"kênh không hợp lệ: chọn một trong {', '.join(CHANNELS)}")
    allowed = set(REQUIRED[channel]) | set(OPTIONAL[channel])
    unknown = sorted(set(values) - allowed)
    if unknown:
        raise ChannelSettingsError(f"{channel} không có trường {', '.join(unknown)}")
    clean = {name: value.strip() for name, value in values.items() if value and value.strip()}
    absent = [name for name in REQUIRED[channel] if name not in clean]
    if absent:
        raise ChannelSettingsError(f"{channel} cần {', '.join(absent)}")
    for name, value in clean.items():
        if len(value) > MAX_VALUE or not _PRINTABLE.match(value):
            raise ChannelSettingsError(f"{name}: chỉ gồm ký tự in được, không dấu cách, tối đa {MAX_VALUE}")
        if name.endswith("base_url") and not _URL.match(value):
            raise ChannelSettingsError(f"{name} phải là một địa chỉ http(s)://")
    secret = clean.get("webhook_secret")
    if secret is not None and not _WEBHOOK_SECRET.match(secret):
        raise ChannelSettingsError("webhook_secret: 16–256 ký tự A-Z, a-z, 0-9, “_” hoặc “-”")
    if channel in ("telegram", "zalo_bot") and secret is None:
        clean["webhook_secret"] = secrets.token_urlsafe(32)
    if "bot_username" in clean:
        clean["bot_username"] = clean["bot_username"].lstrip("@")
    return clean


def _label(channel: str, values: dict[str, str]) -> str | None:
    if channel == "telegram" and values.get("bot_username"):
        return "@" + values["bot_username"]
    if channel == "zalo":
        return values.get("oa_name") or f"app {values['app_id']}"
    return None


def find_school(session: Session, code: str) -> School | None:
    return session.scalar(select(School).where(func.upper(School.code) == code.strip().upper()))


def set_channel(
    session: Session, school: School, channel: str, values: dict[str, str], *, merge: bool = True
) -> ChannelEntry:
    """Store (or update) ``school``'s ``channel``; with ``merge`` unnamed fields keep their value.

    A Telegram or Zalo Bot channel without a webhook secret gets a random one.
    """
    row = session.scalar(
        select(SchoolChannel).where(SchoolChannel.school_id == school.id, SchoolChannel.channel == channel)
    )
    current: dict[str, str] = unseal(row.secrets) if row is not None and merge else {}
    checked = _check(channel, {**current, **values})
    now = _utcnow()
    if row is None:
        row = SchoolChannel(school_id=school.id, channel=channel, created_at=now, secrets=b"")
        session.add(row)
    row.secrets = seal(checked)
    row.label = _label(channel, checked)
    row.updated_at = now
    session.flush()
    return ChannelEntry(school.code, school.name, channel, row.label, now)


def remove_channel(session: Session, school: School, channel: str) -> bool:
    result = session.execute(
        delete(SchoolChannel).where(SchoolChannel.school_id == school.id, SchoolChannel.channel == channel)
    )
    return bool(result.rowcount)


def list_channels(session: Session, school: School | None = None) -> list[ChannelEntry]:
    """The configured channels (of one school or of all), without secrets."""
    query = (
        select(School.code, School.name, SchoolChannel.channel, SchoolChannel.label, SchoolChannel.updated_at)
        .join(School, School.id == SchoolChannel.school_id)
        .order_by(School.code, SchoolChannel.channel)
    )
    if school is not None:
        query = query.where(SchoolChannel.school_id == school.id)
    return [ChannelEntry(*row) for row in session.execute(query)]


def channel_values(session: Session, school_code: str, channel: str) -> dict[str, Any] | None:
    """The unsealed settings of ``school_code``'s ``channel``, or ``None`` when it has none."""
    token = session.scalar(
        select(SchoolChannel.secrets)
        .join(School, School.id == SchoolChannel.school_id)
        .where(func.upper(School.code) == school_code.upper(), SchoolChannel.channel == channel)
    )
    return None if token is None else unseal(token)


def all_channel_values(session: Session, channel: str | None = None) -> list[tuple[str, str, dict[str, Any]]]:
    """``(school code, channel, settings)`` of every school's channel (for senders and polling)."""
    query = select(School.code, SchoolChannel.channel, SchoolChannel.secrets).join(
        School, School.id == SchoolChannel.school_id
    )
    if channel is not None:
        query = query.where(SchoolChannel.channel == channel)
    return [(code, name, unseal(token)) for code, name, token in session.execute(query.order_by(School.code))]


def schools_without_channels(session: Session) -> list[str]:
    """Codes of schools with no channel of their own."""
    configured = select(SchoolChannel.school_id)
    query = select(School.code).where(School.id.not_in(configured)).order_by(School.code)
    return list(session.scalars(query))

