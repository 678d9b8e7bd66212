"""Bad configuration gives one clear line naming the variable, and a non-zero exit."""

import subprocess
import sys

import pytest

from chatbot.db.engine import DatabaseUnavailable, build_engine, check_connection
from chatbot.settings import SettingsError, get_settings, reset_settings


def _chatbot(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run(
        [sys.executable, "-m", "cli", *args],
        capture_output=True, text=True, env={**os.environ, **env}, timeout=120,
    )


def test_malformed_database_url_is_one_line_naming_the_variable() -> None:
    result = _chatbot("db", "upgrade", env={"DATABASE_URL": "not a url"})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "DATABASE_URL" in lines[0]


def test_unreachable_database_is_one_line_naming_the_variable() -> None:
    result = _chatbot("db", "upgrade", env={"DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: DATABASE_URL")


def test_unknown_driver_is_a_settings_error() -> None:
    with pytest.raises(SettingsError, match="DATABASE_URL"):
        build_engine("nosuchdb://x/y")


def test_check_connection_raises_database_unavailable() -> None:
    engine = build_engine("postgresql://nobody@127.0.0.1:1/none")
    with pytest.raises(DatabaseUnavailable, match="DATABASE_URL"):
        check_connection(engine)


@pytest.mark.parametrize(
    ("name", "value"),
    [("REMINDER_LEAD_MINUTES", "soon"), ("DELIVERY_MAX_ATTEMPTS", "many"),
     ("DELIVERY_MAX_ATTEMPTS", "0"), ("DELIVERY_MAX_ATTEMPTS", "-1")],
)
def test_bad_number_setting_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    reset_settings()
    try:
        with pytest.raises(SettingsError, match=name):
            get_settings()
    finally:
        monkeypatch.delenv(name)
        reset_settings()


def test_default_database_is_a_sqlite_file_in_the_data_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("CHATBOT_DATA_DIR", str(tmp_path))
    reset_settings()
    try:
        assert get_settings().database_url == f"sqlite:///{tmp_path / 'chatbot.sqlite3'}"
    finally:
        reset_settings()
