"""Only chatbot/settings.py reads the environment; the names others import stay importable."""

from __future__ import annotations

import ast

import pytest

from tests.house.imports import ROOT, source_files

SETTINGS = ROOT / "chatbot" / "settings.py"


def _environment_reads(tree: ast.AST) -> list[int]:
    """Lines reading ``os.environ`` or ``os.getenv``; copying the whole environment for a child
    process (``{**os.environ}``) and ``os.environ.setdefault`` (defaults for Rasa's own reading)
    are not reads."""
    allowed: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            allowed.update(id(v) for k, v in zip(node.keys, node.values, strict=True) if k is None)
        if isinstance(node, ast.Attribute) and node.attr == "setdefault":
            allowed.add(id(node.value))
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv", "environb"):
            if id(node) not in allowed:
                lines.append(node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.module == "os" and any(
            alias.name in ("environ", "getenv") for alias in node.names
        ):
            lines.append(node.lineno)
    return sorted(lines)


def test_only_the_settings_module_reads_the_environment() -> None:
    readers = {}
    for path in source_files():
        if path == SETTINGS:
            continue
        lines = _environment_reads(ast.parse(path.read_text(encoding="utf-8")))
        if lines:
            readers[str(path.relative_to(ROOT))] = lines
    assert readers == {}
    assert _environment_reads(ast.parse(SETTINGS.read_text(encoding="utf-8")))


def test_the_checker_sees_a_read() -> None:
    assert _environment_reads(ast.parse("import os\nx = os.environ.get('A')\ny = os.getenv('B')")) == [2, 3]
    assert _environment_reads(ast.parse("import os\nenv = {**os.environ, 'A': '1'}")) == []


@pytest.mark.parametrize(
    ("module", "names"),
    [
        ("chatbot.settings", ["get_settings", "reset_settings", "Settings", "SettingsError", "TIMEZONE",
                              "PROJECT_ROOT", "_env", "_env_int", "_env_bool", "_env_float"]),
        ("connectors.config", ["TelegramConfig", "ZaloConfig", "ZaloBotConfig", "telegram_config",
                               "zalo_config", "zalo_bot_config", "quiet_http_loggers"]),
        ("chatbot.school.invites",
         ["CODE_PATTERN", "normalize_code", "find_code", "format_code", "ALPHABET"]),
        ("chatbot.school.alerts", ["alert_buttons", "incident_alert_key", "MARK_HANDLED_INTENT"]),
        ("connectors.text", ["NumberedChoices"]),
    ],
)
def test_moved_names_are_still_importable(module: str, names: list[str]) -> None:
    imported = __import__(module, fromlist=names)
    assert all(hasattr(imported, name) for name in names)


def test_store_settings_keep_their_variables_and_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    from chatbot.settings import store_settings

    for name in ("TRACKER_STORE_URL", "LOCK_STORE_URL", "LOCK_STORE_KEY_PREFIX", "POSTGRESQL_SCHEMA",
                 "SQL_POOL_SIZE", "SQL_MAX_OVERFLOW"):
        monkeypatch.delenv(name, raising=False)
    assert store_settings().tracker_store_url is None
    monkeypatch.setenv("LOCK_STORE_URL", " redis://127.0.0.1:6379/3 ")
    monkeypatch.setenv("SQL_POOL_SIZE", "4")
    settings = store_settings()
    assert settings.lock_store_url == "redis://127.0.0.1:6379/3" and settings.postgresql_pool_size == 4


CHANNEL_VARIABLES = (
    "TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET", "TELEGRAM_BOT_USERNAME", "TELEGRAM_API_BASE_URL",
    "TELEGRAM_ALLOW_GROUPS", "ZALO_APP_ID", "ZALO_APP_SECRET", "ZALO_OA_SECRET_KEY", "ZALO_API_BASE_URL",
    "ZALO_OAUTH_BASE_URL", "ZALO_ZNS_BASE_URL", "ZALO_EVENT_MAX_AGE_SECONDS", "ZALO_BOT_TOKEN",
    "ZALO_BOT_API_BASE_URL", "RASA_URL", "REST_MAX_MESSAGE_CHARS", "TELEGRAM_MAX_MESSAGE_CHARS",
)


def test_channel_sections_are_off_until_their_variables_are_set(monkeypatch: pytest.MonkeyPatch) -> None:
    from chatbot.settings import (
        ZALO_REQUIRED,
        missing_variables,
        rest_settings,
        telegram_settings,
        zalo_bot_settings,
        zalo_oa_settings,
    )

    for name in CHANNEL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    assert (telegram_settings(), zalo_oa_settings(), zalo_bot_settings()) == (None, None, None)
    rest = rest_settings()
    assert rest.rasa_url == "http://127.0.0.1:5005"
    assert rest.max_message_chars == {"telegram": 4096, "zalo": 2000, "zalo_bot": 2000, "rest": 2000}
    monkeypatch.setenv("ZALO_APP_ID", "app-1")
    monkeypatch.setenv("ZALO_APP_SECRET", "  ")  # blank is unset
    assert zalo_oa_settings() is None
    assert missing_variables(*ZALO_REQUIRED) == ["ZALO_APP_SECRET", "ZALO_OA_SECRET_KEY"]


def test_channel_sections_read_their_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    from chatbot.settings import SettingsError, rest_settings, telegram_settings, zalo_oa_settings

    for name in CHANNEL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:secret-token")
    monkeypatch.setenv("TELEGRAM_BOT_USERNAME", "@hoasen_bot")
    monkeypatch.setenv("TELEGRAM_MAX_MESSAGE_CHARS", "900")
    telegram = telegram_settings()
    assert telegram is not None and telegram.bot_username == "hoasen_bot"
    assert telegram.max_message_chars == 900 and not telegram.allow_groups_set
    assert telegram.api_base_url == "https://api.telegram.org/bot"
    assert "secret-token" not in repr(telegram)
    for name, value in (("ZALO_APP_ID", "app-1"), ("ZALO_APP_SECRET", "s3cret"),
                        ("ZALO_OA_SECRET_KEY", "k3y"), ("ZALO_API_BASE_URL", "http://127.0.0.1:9/"),
                        ("RASA_URL", "http://rasa:5005/")):
        monkeypatch.setenv(name, value)
    zalo = zalo_oa_settings()
    assert zalo is not None and zalo.api_base_url == "http://127.0.0.1:9"
    assert zalo.event_max_age_seconds == 300 and zalo.zns_base_url == "https://business.openapi.zalo.me"
    assert "s3cret" not in repr(zalo) and "k3y" not in repr(zalo)
    assert rest_settings().rasa_url == "http://rasa:5005"
    monkeypatch.setenv("ZALO_EVENT_MAX_AGE_SECONDS", "0")
    with pytest.raises(SettingsError, match="ZALO_EVENT_MAX_AGE_SECONDS"):
        zalo_oa_settings()
