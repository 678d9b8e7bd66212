"""Channels are on only when their variables are set; the server starts either way."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from cli.senders import channel_senders
from connectors.senders import build_senders
from connectors.telegram_sender import TelegramSender
from connectors.zalo_bot_sender import ZaloBotSender
from connectors.zalo_sender import ZaloSender
from tests.connectors.conftest import Fakes, channel_env, start_rasa, stop_rasa


@pytest.fixture(scope="module")
def bare_server(connector_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Rasa server started with no channel variables at all (only Telegram's token)."""
    workdir = tmp_path_factory.mktemp("bare-rasa")
    env = {"DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}", "TELEGRAM_BOT_TOKEN": "1:only-token"}
    url, process, log_path = start_rasa(connector_model, env, workdir)
    yield url
    stop_rasa(process)
    log = log_path.read_text()
    assert "1:only-token" not in log


@pytest.mark.parametrize("channel", ["telegram", "zalo", "zalo_bot"])
def test_unconfigured_channel_answers_503_and_server_runs(bare_server: str, channel: str) -> None:
    reply = httpx.post(f"{bare_server}/webhooks/{channel}/webhook", json={"x": 1}, timeout=30)
    assert reply.status_code == 503
    assert reply.json() == {"error": "channel not configured", "channel": channel}
    health = httpx.get(f"{bare_server}/webhooks/{channel}/", timeout=30)
    assert health.json() == {"status": "not configured"}
    rest = httpx.post(
        f"{bare_server}/webhooks/rest/webhook", json={"sender": "t1", "message": "lịch học"}, timeout=30
    )
    assert rest.json()[0]["text"] == "Dạ, đây là lịch học."


def test_configured_channels_report_ok(rasa_server) -> None:  # noqa: ANN001 - fixture
    for channel in ("telegram", "zalo", "zalo_bot"):
        reply = httpx.get(f"{rasa_server.url}/webhooks/{channel}/", timeout=30)
        assert reply.json() == {"status": "ok"}


async def test_build_senders_has_only_configured_channels(
    monkeypatch: pytest.MonkeyPatch, fakes: Fakes
) -> None:
    assert build_senders() == {}
    env = channel_env(fakes)
    for name in ("TELEGRAM_BOT_TOKEN", "ZALO_BOT_TOKEN"):
        monkeypatch.setenv(name, env[name])
    monkeypatch.setenv("ZALO_APP_ID", env["ZALO_APP_ID"])  # Zalo OA still lacks its secrets
    senders = build_senders()
    assert set(senders) == {"telegram", "zalo_bot"}
    assert isinstance(senders["telegram"], TelegramSender)
    assert isinstance(senders["zalo_bot"], ZaloBotSender)
    for name in ("ZALO_APP_SECRET", "ZALO_OA_SECRET_KEY"):
        monkeypatch.setenv(name, env[name])
    loaded = channel_senders()
    assert isinstance(loaded["zalo"], ZaloSender)
    assert {name: sender.channel for name, sender in loaded.items()} == {
        "telegram": "telegram",
        "zalo": "zalo",
        "zns": "zns",  # ZNS goes through the Zalo OA's app and tokens
        "zalo_bot": "zalo_bot",
    }
    for sender in [*senders.values(), *loaded.values()]:
        await sender.aclose()


def test_config_repr_hides_secrets(monkeypatch: pytest.MonkeyPatch, fakes: Fakes) -> None:
    from connectors.config import telegram_config, zalo_bot_config, zalo_config

    for name, value in channel_env(fakes).items():
        monkeypatch.setenv(name, value)
    text = " ".join(repr(c) for c in (telegram_config(), zalo_config(), zalo_bot_config()))
    for name in (
        "TELEGRAM_BOT_TOKEN",
        "TELEGRAM_WEBHOOK_SECRET",
        "ZALO_APP_SECRET",
        "ZALO_OA_SECRET_KEY",
        "ZALO_BOT_TOKEN",
        "ZALO_BOT_WEBHOOK_SECRET",
        "ZALO_REFRESH_TOKEN",
    ):
        assert channel_env(fakes)[name] not in text
