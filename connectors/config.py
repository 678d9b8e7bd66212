"""The connection of one bot: the deployment's own (from the channels' sections of
:mod:`chatbot.settings`, the one module that reads the environment) or a school's own (from the
database, :mod:`connectors.school_bots`).

``credentials.yml`` only names the channels; every secret comes from the environment or the
sealed database rows. A channel whose required variables are unset is *off*: its loader returns
``None`` and its webhook answers 503 "channel not configured", so ``rasa run`` still starts.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from chatbot.settings import (
    DEFAULT_MAX_MESSAGE_CHARS,
    DEFAULT_TELEGRAM_API_BASE_URL,
    DEFAULT_ZALO_API_BASE_URL,
    DEFAULT_ZALO_BOT_API_BASE_URL,
    DEFAULT_ZALO_EVENT_MAX_AGE_SECONDS,
    DEFAULT_ZALO_OAUTH_BASE_URL,
    DEFAULT_ZALO_ZNS_BASE_URL,
    telegram_settings,
    zalo_bot_settings,
    zalo_oa_settings,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TelegramConfig:
    token: str
    webhook_secret: str | None
    api_base_url: str = DEFAULT_TELEGRAM_API_BASE_URL
    bot_username: str | None = None
    max_message_chars: int = DEFAULT_MAX_MESSAGE_CHARS["telegram"]

    def __repr__(self) -> str:  # keeps the token out of logs and tracebacks
        return f"TelegramConfig(api_base_url={self.api_base_url!r})"

    @property
    def bot_id(self) -> int | None:
        """The bot's own user id: the number before the colon of its token."""
        head = self.token.split(":", 1)[0]
        return int(head) if head.isdigit() else None


@dataclass(frozen=True)
class ZaloConfig:
    app_id: str
    app_secret: str
    oa_secret_key: str
    access_token: str | None = None
    refresh_token: str | None = None
    api_base_url: str = DEFAULT_ZALO_API_BASE_URL
    oauth_base_url: str = DEFAULT_ZALO_OAUTH_BASE_URL
    zns_base_url: str = DEFAULT_ZALO_ZNS_BASE_URL
    max_message_chars: int = DEFAULT_MAX_MESSAGE_CHARS["zalo"]
    event_max_age_seconds: int = DEFAULT_ZALO_EVENT_MAX_AGE_SECONDS
    token_key: str = "zalo"  # the channel_tokens row of this OA's rotating tokens

    def __repr__(self) -> str:
        return f"ZaloConfig(app_id={self.app_id!r}, api_base_url={self.api_base_url!r})"


@dataclass(frozen=True)
class ZaloBotConfig:
    token: str
    webhook_secret: str | None
    api_base_url: str = DEFAULT_ZALO_BOT_API_BASE_URL
    max_message_chars: int = DEFAULT_MAX_MESSAGE_CHARS["zalo_bot"]

    def __repr__(self) -> str:
        return f"ZaloBotConfig(api_base_url={self.api_base_url!r})"


def telegram_config() -> TelegramConfig | None:
    """The deployment's Telegram bot, or ``None`` when ``TELEGRAM_BOT_TOKEN`` is unset."""
    section = telegram_settings()
    if section is None:
        return None
    if section.allow_groups_set:
        logger.warning(
            "TELEGRAM_ALLOW_GROUPS is no longer used: group chats only get a pointer to a private chat"
        )
    return TelegramConfig(
        token=section.token,
        webhook_secret=section.webhook_secret,
        api_base_url=section.api_base_url,
        bot_username=section.bot_username,
        max_message_chars=section.max_message_chars,
    )


def zalo_config() -> ZaloConfig | None:
    """The deployment's Zalo OA, or ``None`` when the app id, app secret or OA secret key is unset."""
    section = zalo_oa_settings()
    if section is None:
        return None
    return ZaloConfig(
        app_id=section.app_id,
        app_secret=section.app_secret,
        oa_secret_key=section.oa_secret_key,
        access_token=section.access_token,
        refresh_token=section.refresh_token,
        api_base_url=section.api_base_url,
        oauth_base_url=section.oauth_base_url,
        zns_base_url=section.zns_base_url,
        max_message_chars=section.max_message_chars,
        event_max_age_seconds=section.event_max_age_seconds,
    )


def zalo_bot_config() -> ZaloBotConfig | None:
    """The deployment's Zalo Bot, or ``None`` when ``ZALO_BOT_TOKEN`` is unset."""
    section = zalo_bot_settings()
    if section is None:
        return None
    return ZaloBotConfig(
        token=section.token,
        webhook_secret=section.webhook_secret,
        api_base_url=section.api_base_url,
        max_message_chars=section.max_message_chars,
    )


_NOISY_LOGGERS = {"httpx": logging.WARNING, "httpcore": logging.WARNING, "telegram": logging.INFO}


def quiet_http_loggers() -> None:
    """Keep request URLs (which hold bot tokens) and message bodies out of the logs.

    httpx logs every request URL at INFO and python-telegram-bot logs call parameters at DEBUG.
    """
    for name, level in _NOISY_LOGGERS.items():
        target = logging.getLogger(name)
        if target.getEffectiveLevel() < level or target.level < level:
            target.setLevel(level)
