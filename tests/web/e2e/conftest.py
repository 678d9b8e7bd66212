"""One web app server and the fake chat APIs for the session, one Chromium for the browser tests.

The server runs as a subprocess (``python -m web``) on a copy of the web tests' template
database, so this process's own database settings stay untouched; tests read and change that
database through :func:`e2e_session`. Chromium is Debian's (``/usr/bin/chromium``), driven
headless by Playwright. With ``SCREENSHOTS_DIR`` set, the journeys save a picture of every
page there (``SCREENSHOTS_DIR=docs/web make test`` refreshes the staff guide's pictures).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from chatbot.settings import PROJECT_ROOT
from tests.chatbot.delivery.conftest import TELEGRAM_TOKEN, ZALO_BOT_TOKEN, Fakes
from tests.conftest import unavailable
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.fakes.zalo_api import FakeZaloAPI
from tests.fakes.zalo_bot_api import FakeZaloBotAPI
from tests.ports import free_port
from tests.web.conftest import PASSWORD

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}


@dataclass
class Site:
    """The running web app: its address, its database and the environment it runs with."""

    url: str
    database_url: str
    env: dict[str, str]
    fakes: Fakes


@pytest.fixture(scope="session")
def fakes() -> Iterator[Fakes]:
    servers = Fakes(
        FakeTelegramAPI(token=TELEGRAM_TOKEN).start(),
        FakeZaloAPI().start(),
        FakeZaloBotAPI(token=ZALO_BOT_TOKEN).start(),
    )
    yield servers
    for server in (servers.telegram, servers.zalo, servers.zalo_bot):
        server.stop()


@pytest.fixture(scope="session")
def site(web_template: Path, tmp_path_factory: pytest.TempPathFactory, fakes: Fakes) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("e2e")
    database = folder / "e2e.sqlite3"
    shutil.copyfile(web_template, database)
    port = free_port()
    env = {
        **os.environ,
        **fakes.env(),
        "DATABASE_URL": f"sqlite:///{database}",
        "CHATBOT_DATA_DIR": str(folder),
        "WEB_PORT": str(port),
        "WEB_PUBLIC_URL": f"http://127.0.0.1:{port}",
    }
    log = (folder / "web.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "web"], cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{url}/suc-khoe", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError((folder / "web.log").read_text(errors="replace")[-3000:])
        time.sleep(0.2)
    yield Site(url, env["DATABASE_URL"], env, fakes)
    process.terminate()
    process.wait(timeout=20)
    log.close()


@pytest.fixture(scope="package")
def chromium():  # noqa: ANN201 - playwright Browser
    """Chromium for the browser tests of this package; Playwright's synchronous API keeps an event
    loop running in this thread until it stops, so it must stop before any other (asyncio) test
    runs after these — as it does under pytest-xdist, where the order of modules varies."""
    if not Path(CHROMIUM).exists():
        unavailable(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        yield browser
        browser.close()


@contextmanager
def e2e_session(site: Site) -> Iterator[Session]:
    """A session on the web app's database (committed on success)."""
    engine = create_engine(site.database_url, future=True)
    event.listen(engine, "connect", lambda conn, _: conn.execute("PRAGMA busy_timeout=10000"))
    session = sessionmaker(bind=engine, future=True, expire_on_commit=False)()
    try:
        yield session
        session.commit()
    finally:
        session.close()
        engine.dispose()


@pytest.fixture
def open_page(site: Site, chromium) -> Iterator[Callable]:  # noqa: ANN001
    """``open_page(username, phone=False)``: a new browser context signed in through the form."""
    contexts = []

    def make(username: str | None, phone: bool = False):  # noqa: ANN202
        context = chromium.new_context(
            viewport=PHONE if phone else DESKTOP, locale="vi-VN", accept_downloads=True, base_url=site.url
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        if username is not None:
            page.goto("/dang-nhap")
            page.fill("input[name=username]", username)
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url("**/tong-quan")
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def shot() -> Callable:
    """``shot(page, name)``: keep a screenshot when ``SCREENSHOTS_DIR`` is set."""
    folder = os.environ.get("SCREENSHOTS_DIR")

    def take(page, name: str) -> None:  # noqa: ANN001
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)

    return take


def run_worker(site: Site) -> subprocess.CompletedProcess:
    """Send everything queued through the real senders to the fake APIs, then stop."""
    return subprocess.run(
        [sys.executable, "-m", "cli", "worker", "--exit-when-idle", "--no-reminders"],
        cwd=PROJECT_ROOT,
        env=site.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
