"""Each school's own bots, read from the database: configs, senders, the school of a request.

The deployment's own bot (the channel's environment variables) stays as it was; a school with
channels stored by ``chatbot school channels set`` gets its webhook at
``/webhooks/<channel>/<SCHOOL>/webhook``, its own sender and its own rate limits. While a
request of a school's webhook is handled, :data:`BOT_SCHOOL` holds the school's code, so the
accounts, inbound activity and deduplicated events are that school's.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from contextvars import ContextVar
from typing import Any

from chatbot.channels import is_school_code, make_sender_id, school_address, split_sender_id
from chatbot.db.engine import session_scope
from chatbot.school.school_channels import all_channel_values, channel_values
from chatbot.secretbox import SecretsKeyError
from chatbot.settings import api_urls, max_message_chars
from connectors.config import TelegramConfig, ZaloBotConfig, ZaloConfig

logger = logging.getLogger(__name__)

BotConfig = TelegramConfig | ZaloConfig | ZaloBotConfig

BOT_SCHOOL: ContextVar[str | None] = ContextVar("bot_school", default=None)
"""The code of the school whose bot the current webhook request came to (None: the shared bot)."""

CACHE_SECONDS = 30.0


def qualified(external_id: str) -> str:
    """``external_id`` as the account id on the current request's bot (``<SCHOOL>:<chat>``)."""
    school = BOT_SCHOOL.get()
    return external_id if school is None else school_address(school, external_id)


def own_sender_id(sender_id: str) -> str:
    """``sender_id`` of a chat on the current request's bot (``telegram:42`` → ``telegram:<SCHOOL>:42``)."""
    school = BOT_SCHOOL.get()
    if school is None:
        return sender_id
    channel, chat = split_sender_id(sender_id)
    return make_sender_id(channel, school_address(school, chat))


def school_webhook_path(path: str, school: str | None) -> str:
    """``/webhooks/telegram/webhook`` of ``school``'s own bot: ``/webhooks/telegram/<SCHOOL>/webhook``."""
    if school is None:
        return path
    head, _, tail = path.rpartition("/")
    return f"{head}/{school.upper()}/{tail}"


def zalo_token_key(school: str) -> str:
    """The ``channel_tokens`` row of a school's OA (fits the 24-character column)."""
    return "zalo:" + hashlib.sha256(school.encode("utf-8")).hexdigest()[:16]


def config_from_values(channel: str, school: str, values: dict[str, Any]) -> BotConfig:
    """The connector config of a school's stored channel settings.

    An API base URL not stored falls back to the channel's variable (e.g. a test's fake API),
    then to the platform's address.
    """
    urls = api_urls()
    if channel == "telegram":
        return TelegramConfig(
            token=values["token"],
            webhook_secret=values.get("webhook_secret"),
            api_base_url=values.get("api_base_url") or urls.telegram,
            bot_username=values.get("bot_username"),
            max_message_chars=max_message_chars("telegram"),
        )
    if channel == "zalo_bot":
        return ZaloBotConfig(
            token=values["token"],
            webhook_secret=values.get("webhook_secret"),
            api_base_url=values.get("api_base_url") or urls.zalo_bot,
            max_message_chars=max_message_chars("zalo_bot"),
        )
    if channel == "zalo":
        return ZaloConfig(
            app_id=values["app_id"],
            app_secret=values["app_secret"],
            oa_secret_key=values["oa_secret_key"],
            access_token=values.get("access_token"),
            refresh_token=values.get("refresh_token"),
            api_base_url=(values.get("api_base_url") or urls.zalo).rstrip("/"),
            oauth_base_url=(values.get("oauth_base_url") or urls.zalo_oauth).rstrip("/"),
            max_message_chars=max_message_chars("zalo"),
            token_key=zalo_token_key(school),
        )
    raise ValueError(f"unknown channel {channel!r}")


def load_school_config(channel: str, school: str) -> BotConfig | None:
    """The config of ``school``'s bot on ``channel``, or None (no such school, no channel, or
    secrets that cannot be opened: logged without the school's data)."""
    if not is_school_code(school):
        return None
    try:
        with session_scope() as session:
            values = channel_values(session, school, channel)
    except SecretsKeyError as exc:
        logger.error("%s: a school's channel settings cannot be read (%s)", channel, exc)
        return None
    return None if values is None else config_from_values(channel, school, values)


def school_configs(channel: str | None = None) -> list[tuple[str, str, BotConfig]]:
    """``(school code, channel, config)`` of every school's own bot (optionally one channel)."""
    with session_scope() as session:
        rows = all_channel_values(session, channel)
    return [(school, name, config_from_values(name, school, values)) for school, name, values in rows]


class SchoolConfigCache:
    """School configs looked up at most every :data:`CACHE_SECONDS` per (channel, school), so a
    changed or removed token takes effect within that time."""

    def __init__(self, ttl: float = CACHE_SECONDS) -> None:
        self.ttl = ttl
        self._entries: dict[tuple[str, str], tuple[float, BotConfig | None]] = {}

    async def get(self, channel: str, school: str) -> BotConfig | None:
        key = (channel, school.upper())
        now = time.monotonic()
        cached = self._entries.get(key)
        if cached is not None and now - cached[0] < self.ttl:
            return cached[1]
        config = await asyncio.to_thread(load_school_config, channel, key[1])
        if len(self._entries) > 10_000:
            self._entries.clear()
        self._entries[key] = (now, config)
        return config

    def clear(self) -> None:
        self._entries.clear()


SCHOOL_CONFIGS = SchoolConfigCache()


async def check_bot(channel: str, config: BotConfig, timeout: float = 10.0) -> str | None:
    """Ask the platform whether ``config``'s token is accepted (Telegram and Zalo Bot ``getMe``);
    ``None`` when it is, else a short reason without the token. Zalo OA tokens rotate and are
    checked by the sender itself (a refused one is refreshed, then reported)."""
    import httpx

    if channel == "zalo" or not isinstance(config, TelegramConfig | ZaloBotConfig):
        return None
    url = f"{config.api_base_url}{config.token}/getMe"
    try:
        async with httpx.AsyncClient(timeout=timeout) as client:
            reply = await client.get(url)
    except httpx.HTTPError as exc:
        return f"không gọi được API ({type(exc).__name__})"
    if reply.status_code in (401, 404):
        return "mã bot (token) sai hoặc đã bị thu hồi"
    if reply.status_code >= 400:
        return f"API trả lỗi HTTP {reply.status_code}"
    return None
