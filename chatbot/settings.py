"""Every environment variable the project reads, in one place.

This is the only module that reads ``os.environ`` (``tests/house/test_settings_module.py``).
Typed sections:

- :class:`Settings` (:func:`get_settings`): school choices, invites, delivery, the web app and
  reports. Read when first asked for; tests call :func:`reset_settings` after changing the
  environment.
- :class:`StoreSettings` (:func:`store_settings`): Rasa's conversation and lock stores.
- :class:`ProcessSettings` (:func:`process_settings`): who runs the process.
- The channels' sections: :class:`TelegramSettings`, :class:`ZaloOASettings`,
  :class:`ZaloBotSettings` (None while a channel's required variables are unset),
  :class:`ApiUrls` and :class:`RestSettings` (message length caps, where Rasa's REST channel
  is). Read each time they are asked for; :mod:`connectors.config` builds each bot's connection
  from them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import time
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TIMEZONE = ZoneInfo("Asia/Ho_Chi_Minh")
RULES_VERSION = "PGDĐT-2020-05"  # bumps when the dispatch the rules come from changes


class SettingsError(ValueError):
    """A setting has a value that cannot be used; the message names the variable."""


def env(name: str, default: str | None = None) -> str | None:
    """Variable ``name`` without surrounding spaces; ``default`` when unset or blank."""
    value = os.environ.get(name, "").strip()
    return value or default


def env_int(name: str, default: int) -> int:
    raw = env(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from exc


def env_positive_int(name: str, default: int) -> int:
    value = env_int(name, default)
    if value < 1:
        raise SettingsError(f"{name} must be at least 1, got {value}")
    return value


def env_float(name: str, default: float) -> float:
    raw = env(name)
    if raw is None:
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from exc


def env_bool(name: str, default: bool) -> bool:
    raw = env(name)
    if raw is None:
        return default
    return raw.lower() in {"1", "true", "yes", "on"}


_env, _env_int, _env_positive_int, _env_float, _env_bool = env, env_int, env_positive_int, env_float, env_bool


def _env_time(name: str, default: str) -> time:
    raw = _env(name, default) or default
    try:
        hours, minutes = raw.split(":")
        return time(int(hours), int(minutes))
    except ValueError as exc:
        raise SettingsError(f"{name} must look like HH:MM, got {raw!r}") from exc


PRODUCTION = "production"
ENVIRONMENTS = ("development", PRODUCTION)


def _env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    raw = (_env(name, default) or default).strip().lower()
    if raw not in choices:
        raise SettingsError(f"{name} must be one of {', '.join(choices)}, got {raw!r}")
    return raw


def default_data_dir() -> Path:
    return Path(_env("CHATBOT_DATA_DIR", str(PROJECT_ROOT / "data")) or "data")


@dataclass(frozen=True)
class ZaloRouteSettings:
    """Prices (VND per message) of Zalo's routes, the daily budget of the paid ones, the
    consultation window and the follow QR code of the invite sheet."""

    transaction_price_vnd: int = 0
    zns_price_vnd: int = 300
    daily_budget_vnd: int = 200_000  # 0: paid routes off
    window_days: int = 7
    oa_follow_url: str | None = None


def _env_nonnegative(name: str, default: int) -> int:
    value = _env_int(name, default)
    if value < 0:
        raise SettingsError(f"{name} must be 0 or more, got {value}")
    return value


def _zalo_routes() -> ZaloRouteSettings:
    return ZaloRouteSettings(
        transaction_price_vnd=_env_nonnegative("ZALO_TRANSACTION_PRICE_VND", 0),
        zns_price_vnd=_env_nonnegative("ZNS_PRICE_VND", 300),
        daily_budget_vnd=_env_nonnegative("ZNS_DAILY_BUDGET_VND", 200_000),
        window_days=_env_positive_int("ZALO_WINDOW_DAYS", 7),
        oa_follow_url=_env("ZALO_OA_FOLLOW_URL"),
    )


@dataclass(frozen=True)
class Settings:
    """School-level choices and deployment configuration."""

    data_dir: Path = field(default_factory=default_data_dir)
    database_url: str = ""
    display_name_format: str = "{roll:02d} - {full_name}"
    invite_ttl_days: int = 14
    invite_max_failures: int = 5
    invite_failure_window_minutes: int = 10
    invite_lockout_minutes: int = 30
    reminder_lead_minutes: int = 15
    quiet_hours_start: time = time(21, 0)
    quiet_hours_end: time = time(6, 0)
    telegram_rate_per_second: float = 30.0
    telegram_per_chat_per_second: float = 1.0
    zalo_rate_per_second: float = 10.0
    delivery_max_attempts: int = 5
    telegram_bot_username: str | None = None
    zalo_oa_name: str | None = None
    delivery_redis_url: str | None = None
    environment: str = "development"
    invite_code_pepper: str | None = field(default=None, repr=False)
    action_server_host: str = "127.0.0.1"
    action_server_token: str | None = field(default=None, repr=False)
    invite_alarm_per_hour: int = 30
    incident_reports_per_account_per_hour: int = 3
    incident_alerts_per_class_per_hour: int = 5
    tracker_retention_days: int = 180
    web_host: str = "127.0.0.1"
    web_port: int = 8000
    web_public_url: str = "http://127.0.0.1:8000"
    web_cookie_secure: str = "auto"  # "auto": Secure when the request came over HTTPS
    web_session_hours: int = 12
    web_idle_minutes: int = 120
    web_max_upload_mb: int = 5
    web_sign_in_link_minutes: int = 10
    web_sign_in_max_failures: int = 5
    web_sign_in_window_minutes: int = 15
    web_forwarded_allow_ips: str = "127.0.0.1"
    report_superior_body: str = "PHÒNG GD&ĐT THÀNH PHỐ HẠ LONG"
    report_place: str = "Hạ Long"
    report_recipient: str = "Phòng Giáo dục và Đào tạo thành phố Hạ Long"
    channel_secrets_key: str | None = field(default=None, repr=False)
    zalo_routes: ZaloRouteSettings = field(default_factory=lambda: ZaloRouteSettings())

    @property
    def production(self) -> bool:
        return self.environment == PRODUCTION

    def pepper(self) -> str:
        """The invite code pepper: ``INVITE_CODE_PEPPER``, else this machine's own (see
        :func:`local_pepper`); only the processes that hash codes ask for it."""
        return self.invite_code_pepper or local_pepper(self.data_dir)


_env_positive = env_positive_int


PEPPER_FILE = "invite_code_pepper"
MIN_PEPPER_LENGTH = 16


def _pepper_from_env(environment: str) -> str | None:
    """``INVITE_CODE_PEPPER``; in production it must be set (at least 16 characters)."""
    pepper = _env("INVITE_CODE_PEPPER")
    if pepper is not None and len(pepper) < MIN_PEPPER_LENGTH:
        raise SettingsError(f"INVITE_CODE_PEPPER must be at least {MIN_PEPPER_LENGTH} characters")
    if pepper is None and environment == PRODUCTION:
        raise SettingsError(
            "INVITE_CODE_PEPPER must be set when CHATBOT_ENV=production "
            "(a long random secret, e.g. from `openssl rand -hex 32`); see docs/deployment.md"
        )
    return pepper


def local_pepper(data_dir: Path) -> str:
    """The pepper of a machine without ``INVITE_CODE_PEPPER`` (never production).

    Read from ``<data dir>/invite_code_pepper``, created once with a random value, so a fresh
    clone's demo and tests work, and codes keep working across restarts.
    """
    return _read_or_create_pepper(str(data_dir / PEPPER_FILE))


@lru_cache(maxsize=4)
def _read_or_create_pepper(name: str) -> str:
    import secrets
    import tempfile

    path = Path(name)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, draft = tempfile.mkstemp(dir=path.parent, prefix=".pepper-")  # mode 0600
        try:
            with os.fdopen(handle, "w") as out:
                out.write(secrets.token_hex(32))
            os.link(draft, path)  # atomic; fails if another process was first
        except FileExistsError:
            pass
        finally:
            os.unlink(draft)
    return path.read_text(encoding="ascii").strip()


def _cookie_mode(name: str) -> str:
    raw = (_env(name, "auto") or "auto").strip().lower()
    if raw in {"auto", "true", "false"}:
        return raw
    raise SettingsError(f"{name} must be auto, true or false, got {raw!r}")


def _build() -> Settings:
    data_dir = default_data_dir()
    environment = _env_choice("CHATBOT_ENV", "development", ENVIRONMENTS)
    return Settings(
        data_dir=data_dir,
        database_url=_env("DATABASE_URL", f"sqlite:///{data_dir / 'chatbot.sqlite3'}") or "",
        display_name_format=_env("DISPLAY_NAME_FORMAT", "{roll:02d} - {full_name}")
        or "{roll:02d} - {full_name}",
        invite_ttl_days=_env_int("INVITE_TTL_DAYS", 14),
        invite_max_failures=_env_int("INVITE_MAX_FAILURES", 5),
        invite_failure_window_minutes=_env_int("INVITE_FAILURE_WINDOW_MINUTES", 10),
        invite_lockout_minutes=_env_int("INVITE_LOCKOUT_MINUTES", 30),
        reminder_lead_minutes=_env_int("REMINDER_LEAD_MINUTES", 15),
        quiet_hours_start=_env_time("QUIET_HOURS_START", "21:00"),
        quiet_hours_end=_env_time("QUIET_HOURS_END", "06:00"),
        telegram_rate_per_second=_env_float("TELEGRAM_RATE_PER_SECOND", 30.0),
        telegram_per_chat_per_second=_env_float("TELEGRAM_PER_CHAT_PER_SECOND", 1.0),
        zalo_rate_per_second=_env_float("ZALO_RATE_PER_SECOND", 10.0),
        delivery_max_attempts=_env_positive_int("DELIVERY_MAX_ATTEMPTS", 5),
        telegram_bot_username=_env("TELEGRAM_BOT_USERNAME"),
        zalo_oa_name=_env("ZALO_OA_NAME"),
        delivery_redis_url=_env("DELIVERY_REDIS_URL"),
        environment=environment,
        invite_code_pepper=_pepper_from_env(environment),
        action_server_host=_env("ACTION_SERVER_HOST", "127.0.0.1") or "127.0.0.1",
        action_server_token=_env("ACTION_SERVER_TOKEN"),
        invite_alarm_per_hour=_env_positive("INVITE_ALARM_PER_HOUR", 30),
        incident_reports_per_account_per_hour=_env_positive("INCIDENT_REPORTS_PER_ACCOUNT_PER_HOUR", 3),
        incident_alerts_per_class_per_hour=_env_positive("INCIDENT_ALERTS_PER_CLASS_PER_HOUR", 5),
        tracker_retention_days=_env_positive("TRACKER_RETENTION_DAYS", 180),
        web_host=_env("WEB_HOST", "127.0.0.1") or "127.0.0.1",
        web_port=(port := _env_int("WEB_PORT", 8000)),
        web_public_url=(_env("WEB_PUBLIC_URL") or f"http://127.0.0.1:{port}").rstrip("/"),
        web_cookie_secure=_cookie_mode("WEB_COOKIE_SECURE"),
        web_session_hours=_env_int("WEB_SESSION_HOURS", 12),
        web_idle_minutes=_env_int("WEB_IDLE_MINUTES", 120),
        web_max_upload_mb=_env_int("WEB_MAX_UPLOAD_MB", 5),
        web_sign_in_link_minutes=_env_int("WEB_SIGN_IN_LINK_MINUTES", 10),
        web_sign_in_max_failures=_env_int("WEB_SIGN_IN_MAX_FAILURES", 5),
        web_sign_in_window_minutes=_env_int("WEB_SIGN_IN_WINDOW_MINUTES", 15),
        web_forwarded_allow_ips=_env("WEB_FORWARDED_ALLOW_IPS", "127.0.0.1") or "127.0.0.1",
        report_superior_body=_env("REPORT_SUPERIOR_BODY", Settings.report_superior_body)
        or Settings.report_superior_body,
        report_place=_env("REPORT_PLACE", Settings.report_place) or Settings.report_place,
        report_recipient=_env("REPORT_RECIPIENT", Settings.report_recipient) or Settings.report_recipient,
        channel_secrets_key=_env("CHANNEL_SECRETS_KEY"),
        zalo_routes=_zalo_routes(),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return _build()


def reset_settings() -> None:
    get_settings.cache_clear()


@dataclass(frozen=True)
class StoreSettings:
    """Rasa's stores: conversations (``TRACKER_STORE_URL``) and locks (``LOCK_STORE_URL``)."""

    tracker_store_url: str | None
    lock_store_url: str | None
    lock_store_key_prefix: str | None
    postgresql_schema: str | None
    postgresql_pool_size: int | None
    postgresql_max_overflow: int | None


def _optional_int(name: str) -> int | None:
    return None if env(name) is None else env_int(name, 0)


def store_settings() -> StoreSettings:
    """The stores' variables as they are now (Rasa builds its stores once per process)."""
    return StoreSettings(
        tracker_store_url=env("TRACKER_STORE_URL"),
        lock_store_url=env("LOCK_STORE_URL"),
        lock_store_key_prefix=env("LOCK_STORE_KEY_PREFIX"),
        postgresql_schema=env("POSTGRESQL_SCHEMA"),
        postgresql_pool_size=_optional_int("SQL_POOL_SIZE"),
        postgresql_max_overflow=_optional_int("SQL_MAX_OVERFLOW"),
    )


@dataclass(frozen=True)
class ProcessSettings:
    """Who runs the process."""

    user: str | None  # USER: the operator's name when the system has none


def process_settings() -> ProcessSettings:
    return ProcessSettings(user=env("USER"))


# The channels' sections: the deployment's own bots (a school's own bots are stored in the
# database, see chatbot.school.school_channels). Read each time they are asked for; a channel
# whose required variables are unset is off and its reader returns None.

DEFAULT_TELEGRAM_API_BASE_URL = "https://api.telegram.org/bot"
DEFAULT_ZALO_API_BASE_URL = "https://openapi.zalo.me"
DEFAULT_ZALO_OAUTH_BASE_URL = "https://oauth.zaloapp.com"
DEFAULT_ZALO_ZNS_BASE_URL = "https://business.openapi.zalo.me"
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
TELEGRAM_REQUIRED = ("TELEGRAM_BOT_TOKEN",)
ZALO_REQUIRED = ("ZALO_APP_ID", "ZALO_APP_SECRET", "ZALO_OA_SECRET_KEY")
ZALO_BOT_REQUIRED = ("ZALO_BOT_TOKEN",)


def missing_variables(*names: str) -> list[str]:
    """The names among ``names`` whose environment variables are unset or blank."""
    return [name for name in names if env(name) is None]


def max_message_chars(channel: str) -> int:
    """The inbound message length cap of ``channel`` (``TELEGRAM_MAX_MESSAGE_CHARS`` and the like)."""
    return env_positive_int(MAX_MESSAGE_VARIABLES[channel], DEFAULT_MAX_MESSAGE_CHARS[channel])


@dataclass(frozen=True)
class ApiUrls:
    """Where each platform's API is (``*_API_BASE_URL``; tests point them at fakes). A school's
    own bot without a stored address uses these too."""

    telegram: str = DEFAULT_TELEGRAM_API_BASE_URL
    zalo: str = DEFAULT_ZALO_API_BASE_URL
    zalo_oauth: str = DEFAULT_ZALO_OAUTH_BASE_URL
    zalo_zns: str = DEFAULT_ZALO_ZNS_BASE_URL
    zalo_bot: str = DEFAULT_ZALO_BOT_API_BASE_URL


def api_urls() -> ApiUrls:
    return ApiUrls(
        telegram=env("TELEGRAM_API_BASE_URL") or DEFAULT_TELEGRAM_API_BASE_URL,
        zalo=(env("ZALO_API_BASE_URL") or DEFAULT_ZALO_API_BASE_URL).rstrip("/"),
        zalo_oauth=(env("ZALO_OAUTH_BASE_URL") or DEFAULT_ZALO_OAUTH_BASE_URL).rstrip("/"),
        zalo_zns=(env("ZALO_ZNS_BASE_URL") or DEFAULT_ZALO_ZNS_BASE_URL).rstrip("/"),
        zalo_bot=env("ZALO_BOT_API_BASE_URL") or DEFAULT_ZALO_BOT_API_BASE_URL,
    )


@dataclass(frozen=True)
class TelegramSettings:
    """The deployment's Telegram bot (``TELEGRAM_*``)."""

    token: str
    webhook_secret: str | None
    api_base_url: str
    bot_username: str | None  # without the leading "@"
    max_message_chars: int
    allow_groups_set: bool  # TELEGRAM_ALLOW_GROUPS is set: no longer used, warned about

    def __repr__(self) -> str:  # keeps the token out of logs and tracebacks
        return f"TelegramSettings(api_base_url={self.api_base_url!r})"


def telegram_settings() -> TelegramSettings | None:
    """Telegram's section, or None when ``TELEGRAM_BOT_TOKEN`` is unset."""
    token = env("TELEGRAM_BOT_TOKEN")
    if token is None:
        return None
    return TelegramSettings(
        token=token,
        webhook_secret=env("TELEGRAM_WEBHOOK_SECRET"),
        api_base_url=api_urls().telegram,
        bot_username=(env("TELEGRAM_BOT_USERNAME") or "").lstrip("@") or None,
        max_message_chars=max_message_chars("telegram"),
        allow_groups_set=env("TELEGRAM_ALLOW_GROUPS") is not None,
    )


@dataclass(frozen=True)
class ZaloOASettings:
    """The deployment's Zalo Official Account (``ZALO_*``); ZNS goes through its app."""

    app_id: str
    app_secret: str
    oa_secret_key: str
    access_token: str | None
    refresh_token: str | None
    api_base_url: str
    oauth_base_url: str
    zns_base_url: str
    max_message_chars: int
    event_max_age_seconds: int

    def __repr__(self) -> str:
        return f"ZaloOASettings(app_id={self.app_id!r}, api_base_url={self.api_base_url!r})"


def zalo_oa_settings() -> ZaloOASettings | None:
    """Zalo OA's section, or None when the app id, app secret or OA secret key is unset."""
    if missing_variables(*ZALO_REQUIRED):
        return None
    urls = api_urls()
    return ZaloOASettings(
        app_id=env("ZALO_APP_ID") or "",
        app_secret=env("ZALO_APP_SECRET") or "",
        oa_secret_key=env("ZALO_OA_SECRET_KEY") or "",
        access_token=env("ZALO_ACCESS_TOKEN"),
        refresh_token=env("ZALO_REFRESH_TOKEN"),
        api_base_url=urls.zalo,
        oauth_base_url=urls.zalo_oauth,
        zns_base_url=urls.zalo_zns,
        max_message_chars=max_message_chars("zalo"),
        event_max_age_seconds=env_positive_int(
            "ZALO_EVENT_MAX_AGE_SECONDS", DEFAULT_ZALO_EVENT_MAX_AGE_SECONDS
        ),
    )


@dataclass(frozen=True)
class ZaloBotSettings:
    """The deployment's Zalo Bot (``ZALO_BOT_*``)."""

    token: str
    webhook_secret: str | None
    api_base_url: str
    max_message_chars: int

    def __repr__(self) -> str:
        return f"ZaloBotSettings(api_base_url={self.api_base_url!r})"


def zalo_bot_settings() -> ZaloBotSettings | None:
    """Zalo Bot's section, or None when ``ZALO_BOT_TOKEN`` is unset."""
    token = env("ZALO_BOT_TOKEN")
    if token is None:
        return None
    return ZaloBotSettings(
        token=token,
        webhook_secret=env("ZALO_BOT_WEBHOOK_SECRET"),
        api_base_url=api_urls().zalo_bot,
        max_message_chars=max_message_chars("zalo_bot"),
    )


@dataclass(frozen=True)
class RestSettings:
    """The project's REST channel: every channel's message length cap (``*_MAX_MESSAGE_CHARS``;
    the REST channel serves the polling bridges too) and where the polling commands reach it."""

    max_message_chars: dict[str, int]
    rasa_url: str


def rest_settings() -> RestSettings:
    return RestSettings(
        max_message_chars={channel: max_message_chars(channel) for channel in MAX_MESSAGE_VARIABLES},
        rasa_url=(env("RASA_URL") or DEFAULT_RASA_URL).rstrip("/"),
    )
