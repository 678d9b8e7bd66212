"""Fixtures for connector tests: the fake APIs and a running Rasa server aimed at them.

The Rasa server is a real ``rasa run`` subprocess on a free port, with the project's
``credentials.yml``, channel variables pointing at the fakes, a temporary SQLite database and a
tiny keyword model (:mod:`tests.connectors.rasa_project`).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from chatbot.db.engine import build_engine, reset_engine
from chatbot.db.migrate import upgrade_database
from chatbot.db.models import ChannelToken
from chatbot.settings import PROJECT_ROOT, reset_settings
from chatbot.training import MODELS_DIR
from tests.connectors import rasa_project
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.fakes.zalo_api import FakeZaloAPI
from tests.fakes.zalo_bot_api import FakeZaloBotAPI
from tests.ports import free_port

TELEGRAM_TOKEN = "123456:TEST-telegram-token-value"
TELEGRAM_SECRET = "tg-webhook-secret_0123456789"
ZALO_APP_ID = "1234567890"
ZALO_APP_SECRET = "zalo-app-secret-value"
ZALO_OA_SECRET = "zalo-oa-secret-key-value"
ZALO_BOT_TOKEN = "987654:TEST-zalo-bot-token-value"
ZALO_BOT_SECRET = "zb-webhook-secret-0123456789"
SECRETS = (TELEGRAM_TOKEN, TELEGRAM_SECRET, ZALO_APP_SECRET, ZALO_OA_SECRET, ZALO_BOT_TOKEN,
           ZALO_BOT_SECRET)

CHANNEL_VARIABLES = (
    "TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET", "TELEGRAM_API_BASE_URL",
    "TELEGRAM_BOT_USERNAME", "TELEGRAM_ALLOW_GROUPS", "ZALO_APP_ID", "ZALO_APP_SECRET",
    "ZALO_OA_SECRET_KEY", "ZALO_ACCESS_TOKEN", "ZALO_REFRESH_TOKEN", "ZALO_API_BASE_URL",
    "ZALO_OAUTH_BASE_URL", "ZALO_BOT_TOKEN", "ZALO_BOT_WEBHOOK_SECRET", "ZALO_BOT_API_BASE_URL",
    "RASA_URL", "TRACKER_STORE_URL", "LOCK_STORE_URL",
)


@dataclass
class Fakes:
    telegram: FakeTelegramAPI
    zalo: FakeZaloAPI
    zalo_bot: FakeZaloBotAPI


@dataclass
class RasaServer:
    url: str
    database_url: str
    log_path: Path
    process: subprocess.Popen

    def post(self, path: str, **kwargs: object) -> httpx.Response:
        return httpx.post(f"{self.url}{path}", timeout=60, **kwargs)  # type: ignore[arg-type]

    def tracker(self, sender_id: str) -> dict:
        reply = httpx.get(f"{self.url}/conversations/{sender_id}/tracker", timeout=30)
        reply.raise_for_status()
        return reply.json()

    def user_texts(self, sender_id: str) -> list[str]:
        return [e.get("text") for e in self.tracker(sender_id)["events"] if e["event"] == "user"]

    def zalo_token(self) -> ChannelToken | None:
        engine = build_engine(self.database_url)
        try:
            with engine.connect() as connection:
                return connection.execute(
                    select(ChannelToken).where(ChannelToken.channel == "zalo")
                ).first()
        finally:
            engine.dispose()


def channel_env(fakes: Fakes) -> dict[str, str]:
    """The channel variables that aim every channel at its fake."""
    return {
        "TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN,
        "TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET,
        "TELEGRAM_API_BASE_URL": fakes.telegram.base_url,
        "TELEGRAM_BOT_USERNAME": "truong_test_bot",
        "ZALO_APP_ID": ZALO_APP_ID,
        "ZALO_APP_SECRET": ZALO_APP_SECRET,
        "ZALO_OA_SECRET_KEY": ZALO_OA_SECRET,
        "ZALO_ACCESS_TOKEN": "access-0",
        "ZALO_REFRESH_TOKEN": "refresh-0",
        "ZALO_API_BASE_URL": fakes.zalo.url,
        "ZALO_OAUTH_BASE_URL": fakes.zalo.url,
        "ZALO_BOT_TOKEN": ZALO_BOT_TOKEN,
        "ZALO_BOT_WEBHOOK_SECRET": ZALO_BOT_SECRET,
        "ZALO_BOT_API_BASE_URL": fakes.zalo_bot.base_url,
    }


@pytest.fixture(autouse=True)
def _isolated_database(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Code under test never touches the project's own database (``db`` migrates one)."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'isolated.sqlite3'}")
    for name in CHANNEL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    reset_settings()
    reset_engine()
    yield
    reset_engine()
    reset_settings()


@pytest.fixture(scope="session")
def fakes() -> Iterator[Fakes]:
    servers = Fakes(
        FakeTelegramAPI(token=TELEGRAM_TOKEN).start(),
        FakeZaloAPI(app_id=ZALO_APP_ID, app_secret=ZALO_APP_SECRET).start(),
        FakeZaloBotAPI(token=ZALO_BOT_TOKEN).start(),
    )
    yield servers
    for server in (servers.telegram, servers.zalo, servers.zalo_bot):
        server.stop()


@pytest.fixture
def telegram_api(fakes: Fakes) -> FakeTelegramAPI:
    fakes.telegram.reset()
    return fakes.telegram


@pytest.fixture
def zalo_api(fakes: Fakes) -> FakeZaloAPI:
    fakes.zalo.reset()
    return fakes.zalo


@pytest.fixture
def zalo_bot_api(fakes: Fakes) -> FakeZaloBotAPI:
    fakes.zalo_bot.reset()
    return fakes.zalo_bot


@pytest.fixture(scope="session")
def connector_model() -> Path:
    """The connector project's model, kept in models/ next to the assistant's: every test process
    (xdist workers included) shares one, trained once per content."""
    return rasa_project.train(MODELS_DIR / "connector-test")


def start_rasa(model: Path, env: dict[str, str], workdir: Path) -> tuple[str, subprocess.Popen, Path]:
    """Start ``rasa run`` with the project's credentials.yml; wait until it answers."""
    port = free_port()
    log_path = workdir / "rasa.log"
    clean = {k: v for k, v in os.environ.items() if k not in CHANNEL_VARIABLES}
    command = [
        str(Path(sys.executable).with_name("rasa")), "run",
        "-m", str(model),
        "--credentials", str(PROJECT_ROOT / "credentials.yml"),
        "--enable-api", "-i", "127.0.0.1", "-p", str(port),
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            cwd=workdir,
            env={**clean, **env, "TF_CPP_MIN_LOG_LEVEL": "3"},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"rasa run exited:\n{log_path.read_text()[-3000:]}")
        try:
            if httpx.get(f"{url}/", timeout=2).status_code == 200:
                return url, process, log_path
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    process.kill()
    raise RuntimeError("rasa run did not start in time")


def stop_rasa(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="session")
def rasa_server(
    fakes: Fakes, connector_model: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RasaServer]:
    workdir = tmp_path_factory.mktemp("rasa-server")
    database_url = f"sqlite:///{workdir / 'chatbot.sqlite3'}"
    engine = build_engine(database_url)
    upgrade_database(engine)
    engine.dispose()
    env = {**channel_env(fakes), "DATABASE_URL": database_url}
    url, process, log_path = start_rasa(connector_model, env, workdir)
    yield RasaServer(url, database_url, log_path, process)
    stop_rasa(process)
