"""Schools' own channels: sealed in the database, managed from the command line, never shown."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select
from typer.testing import CliRunner

from chatbot.db.engine import session_scope
from chatbot.db.models import Channel, School, SchoolChannel
from chatbot.delivery.audience import Audience
from chatbot.delivery.notices import NoticeError, queue_notice
from chatbot.school import school_channels as store
from chatbot.secretbox import SecretsKeyError, seal, unseal
from chatbot.settings import reset_settings
from cli import app
from connectors.school_bots import load_school_config, school_webhook_path, zalo_token_key
from tests.journeys.city.conftest import add_school, link_family

TOKEN = "555:very-secret-telegram-token"


def test_sealed_values_open_only_with_their_key() -> None:
    key, other = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    token = seal({"token": TOKEN}, key)
    assert TOKEN.encode() not in token
    assert unseal(token, key) == {"token": TOKEN}
    with pytest.raises(SecretsKeyError):
        unseal(token, other)
    with pytest.raises(SecretsKeyError):
        unseal(token[:-3] + b"AAA", key)
    with pytest.raises(SecretsKeyError):
        seal({}, "not a key")


def test_channels_set_from_env_listed_without_secrets(
    any_db: str, city_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["school", "create", "THCS-A", "Trường THCS A"]).exit_code == 0
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_BOT_USERNAME", "@truong_a_bot")
    result = runner.invoke(app, ["school", "channels", "set", "thcs-a", "telegram", "--from-env"])
    assert result.exit_code == 0, result.output
    assert "--school THCS-A" in result.output and TOKEN not in result.output

    listed = runner.invoke(app, ["school", "channels", "list"])
    assert listed.exit_code == 0 and "@truong_a_bot" in listed.output and TOKEN not in listed.output
    with session_scope() as session:
        row = session.scalar(select(SchoolChannel))
        assert TOKEN.encode() not in bytes(row.secrets) and TOKEN not in repr(row)
    config = load_school_config("telegram", "THCS-A")
    assert config is not None and config.token == TOKEN and len(config.webhook_secret or "") >= 32
    assert TOKEN not in repr(config)

    # Without the key the stored channel cannot be read, and staff are told why.
    monkeypatch.delenv("CHANNEL_SECRETS_KEY")
    reset_settings()
    refused = runner.invoke(app, ["school", "channels", "set", "THCS-A", "telegram", "--from-env"])
    assert refused.exit_code == 1 and "CHANNEL_SECRETS_KEY" in refused.output
    assert load_school_config("telegram", "THCS-A") is None


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["THCS-X", "telegram", "--from-env"], "không có trường mã THCS-X"),
        (["THCS-A", "viber", "--from-env"], "kênh 'viber' không có"),
        (["THCS-A", "telegram", "--from-env", "--api-base-url", "ftp://x"], "api_base_url"),
        (["THCS-A", "zalo", "--from-env"], "zalo cần app_id, app_secret, oa_secret_key"),
    ],
)
def test_bad_channel_settings_get_one_clear_line(
    any_db: str, city_env: str, monkeypatch: pytest.MonkeyPatch, arguments: list[str], message: str
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    runner = CliRunner()
    runner.invoke(app, ["school", "create", "THCS-A", "Trường THCS A"])
    result = runner.invoke(app, ["school", "channels", "set", *arguments])
    assert result.exit_code == 1
    assert message in result.output and TOKEN not in result.output


def test_a_school_without_its_channel_is_told_before_anything_is_queued(
    any_db: str, city_env: str, fake_bots
) -> None:  # noqa: ANN001
    telegram, zalo = fake_bots["THCS-A"]
    school = add_school("THCS-A", 2, telegram, zalo)
    link_family(school, school.students[0], Channel.TELEGRAM, "77")
    with session_scope() as session:
        found = session.get(School, school.school_id)
        assert store.remove_channel(session, found, "telegram")
    with session_scope() as session, pytest.raises(NoticeError, match="chưa cấu hình kênh Telegram"):
        queue_notice(session, session.get(School, school.school_id), Audience(), "Nghỉ học", sender="cô Lan")


def test_names_that_fit_their_columns_and_paths() -> None:
    assert len(zalo_token_key("A" * 32)) <= 24
    assert school_webhook_path("/webhooks/telegram/webhook", "thcs-a") == "/webhooks/telegram/THCS-A/webhook"
    assert school_webhook_path("/webhooks/telegram/webhook", None) == "/webhooks/telegram/webhook"


def test_check_reports_a_revoked_token_for_its_school_only(
    any_db: str, city_env: str, fake_bots
) -> None:  # noqa: ANN001
    for code, (telegram, zalo) in fake_bots.items():
        add_school(code, 1, telegram, zalo)
    fake_bots["THCS-A"][0].token = "100:revoked"
    result = CliRunner().invoke(app, ["school", "channels", "check"])
    assert result.exit_code == 1
    assert "THCS-A · Telegram: mã bot (token) sai hoặc đã bị thu hồi" in result.output
    assert "THCS-B · Telegram: dùng được" in result.output
    assert "1 kênh có vấn đề" in result.output


def test_set_webhook_registers_the_school_route_with_the_school_secret(
    any_db: str, city_env: str, fake_bots
) -> None:  # noqa: ANN001
    telegram, zalo = fake_bots["THCS-A"]
    add_school("THCS-A", 1, telegram, zalo)
    command = ["telegram", "set-webhook", "https://bot.example.vn", "--school"]
    result = CliRunner().invoke(app, [*command, "thcs-a"])
    assert result.exit_code == 0, result.output
    assert "https://bot.example.vn/webhooks/telegram/THCS-A/webhook" in result.output
    [call] = telegram.calls("setWebhook")
    assert call.params["url"] == "https://bot.example.vn/webhooks/telegram/THCS-A/webhook"
    assert call.params["secret_token"] == "secret-of-THCS-A-0123456789"
    missing = CliRunner().invoke(app, [*command, "THCS-B"])
    assert missing.exit_code != 0 and "THCS-B has no telegram channel" in str(missing.exception)
