"""Channel settings: the channels' typed sections of the settings.

Their variables are read through :mod:`chatbot.settings`, the one module that reads the
environment.

``credentials.yml`` only names the channels; every secret comes from the environment. A channel
whose required variables are unset is *off*: its loader returns ``None`` and its webhook answers
503 "channel not configured", so ``rasa run`` still starts.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from chatbot.settings import env, env_positive_int

DEFAULT_TELEGRAM_API_BASE_URL = "https://api.telegram.org/bot"
DEFAULT_ZALO_API_BASE_URL = "https://openapi.zalo.me"
DEFAULT_ZALO_OAUTH_BASE_URL = "https://oauth.zaloapp.com"
DEFAULT_ZALO_BOT_API_BASE_URL = "https://bot-api.zaloplatforms.com/bot"
DEFAULT_RASA_URL = "http://127.0.0.1:5005"
# The longest user message each channel hands to Rasa (characters); longer ones get a polite reply.
DEFAULT_MAX_MESSAGE_CHARS = {"telegram": 4096, "zalo": 2000, "zalo_bot": 2000, "rest": 2000}
MAX_MESSAGE_VARIABLES = {
    "telegram": "TELEGRAM_MAX_MESSAGE_CHARS",
    "zalo": "ZALO_MAX_MESSAGE_CHARS",
    "zalo_bot": "ZALO_BOT_MAX_MESSAGE_CHARS",
    "rest": "REST_MAX_MESSAGE_CHARS",
}
DEFAULT_ZALO_EVENT_MAX_AGE_SECONDS = 300

logger = logging.getLogger(__name__)


def _env(name: str) -> str | None:
    return env(name)


def _env_positive_int(name: str, default: int) -> int:
    return env_positive_int(name, default)


def max_message_chars(channel: str) -> int:
    """The inbound message length cap of ``channel`` (``TELEGRAM_MAX_MESSAGE_CHARS`` and the like)."""
    return _env_positive_int(MAX_MESSAGE_VARIABLES[channel], DEFAULT_MAX_MESSAGE_CHARS[channel])


def missing(*names: str) -> list[str]:
    """The names among ``names`` whose environment variables are unset or empty."""
    return [name for name in names if _env(name) is None]


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
    zns_base_url: str = "https://business.openapi.zalo.me"  # connectors.zalo_api.DEFAULT_ZNS_BASE_URL
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


TELEGRAM_REQUIRED = ("TELEGRAM_BOT_TOKEN",)
ZALO_REQUIRED = ("ZALO_APP_ID", "ZALO_APP_SECRET", "ZALO_OA_SECRET_KEY")
ZALO_BOT_REQUIRED = ("ZALO_BOT_TOKEN",)


def telegram_config() -> TelegramConfig | None:
    """Telegram settings, or ``None`` when ``TELEGRAM_BOT_TOKEN`` is unset."""
    token = _env("TELEGRAM_BOT_TOKEN")
    if token is None:
        return None
    if _env("TELEGRAM_ALLOW_GROUPS") is not None:
        logger.warning(
            "TELEGRAM_ALLOW_GROUPS is no longer used: group chats only get a pointer to a private chat"
        )
    return TelegramConfig(
        token=token,
        webhook_secret=_env("TELEGRAM_WEBHOOK_SECRET"),
        api_base_url=_env("TELEGRAM_API_BASE_URL") or DEFAULT_TELEGRAM_API_BASE_URL,
        bot_username=(_env("TELEGRAM_BOT_USERNAME") or "").lstrip("@") or None,
        max_message_chars=max_message_chars("telegram"),
    )


def zalo_config() -> ZaloConfig | None:
    """Zalo OA settings, or ``None`` when the app id, app secret or OA secret key is unset."""
    if missing(*ZALO_REQUIRED):
        return None
    return ZaloConfig(
        app_id=_env("ZALO_APP_ID") or "",
        app_secret=_env("ZALO_APP_SECRET") or "",
        oa_secret_key=_env("ZALO_OA_SECRET_KEY") or "",
        access_token=_env("ZALO_ACCESS_TOKEN"),
        refresh_token=_env("ZALO_REFRESH_TOKEN"),
        api_base_url=(_env("ZALO_API_BASE_URL") or DEFAULT_ZALO_API_BASE_URL).rstrip("/"),
        oauth_base_url=(_env("ZALO_OAUTH_BASE_URL") or DEFAULT_ZALO_OAUTH_BASE_URL).rstrip("/"),
        zns_base_url=(_env("ZALO_ZNS_BASE_URL") or ZaloConfig.zns_base_url).rstrip("/"),
        max_message_chars=max_message_chars("zalo"),
        event_max_age_seconds=_env_positive_int(
            "ZALO_EVENT_MAX_AGE_SECONDS", DEFAULT_ZALO_EVENT_MAX_AGE_SECONDS
        ),
    )


def zalo_bot_config() -> ZaloBotConfig | None:
    """Zalo Bot settings, or ``None`` when ``ZALO_BOT_TOKEN`` is unset."""
    token = _env("ZALO_BOT_TOKEN")
    if token is None:
        return None
    return ZaloBotConfig(
        token=token,
        webhook_secret=_env("ZALO_BOT_WEBHOOK_SECRET"),
        api_base_url=_env("ZALO_BOT_API_BASE_URL") or DEFAULT_ZALO_BOT_API_BASE_URL,
        max_message_chars=max_message_chars("zalo_bot"),
    )


def rasa_url() -> str:
    """Where the polling commands reach Rasa's REST channel."""
    return (_env("RASA_URL") or DEFAULT_RASA_URL).rstrip("/")


_NOISY_LOGGERS = {"httpx": logging.WARNING, "httpcore": logging.WARNING, "telegram": logging.INFO}


def quiet_http_loggers() -> None:
    """Keep request URLs (which hold bot tokens) and message bodies out of the logs.

    httpx logs every request URL at INFO and python-telegram-bot logs call parameters at DEBUG.
    """
    for name, level in _NOISY_LOGGERS.items():
        target = logging.getLogger(name)
        if target.getEffectiveLevel() < level or target.level < level:
            target.setLevel(level)
