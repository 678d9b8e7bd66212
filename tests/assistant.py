"""The school assistant's servers as subprocesses: one Rasa server and one action server over
the REST channel (the ``assistant`` fixture in tests/conftest.py runs one for the session).

Both use the same temporary SQLite database, migrated and loaded with the sample school
(tests/chatbot/school/sample.py); the tests post messages to /webhooks/rest/webhook and read
the database directly to check what was stored and queued. The model comes from
``chatbot.training.train`` (cached by content hash). The servers run as in production: the
action server is ``chatbot actions`` with a shared secret, Rasa uses the project's tracker
store (in memory here), and both write their logs where tests can read them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from chatbot.db.engine import build_engine
from chatbot.db.migrate import upgrade_database
from chatbot.db.models import Role
from chatbot.school import invites
from chatbot.settings import PROJECT_ROOT
from chatbot.training import train
from tests.chatbot.school.sample import Sample, build_school
from tests.ports import free_port

START_TIMEOUT = 240


@dataclass
class Assistant:
    """The running servers, the school in their database, and a client to talk to them."""

    webhook: str
    engine: Engine
    school: Sample
    logs: tuple[Path, ...] = ()
    codes: list[str] = field(default_factory=list)

    @property
    def api(self) -> str:
        return self.webhook.split("/webhooks/")[0]

    def say(self, sender: str, text: str) -> list[dict]:
        response = httpx.post(self.webhook, json={"sender": sender, "message": text}, timeout=60)
        response.raise_for_status()
        return response.json()

    @contextmanager
    def session(self) -> Iterator[Session]:
        session = sessionmaker(bind=self.engine, future=True, expire_on_commit=False)()
        try:
            yield session
            session.commit()
        finally:
            session.close()

    def issue(self, role: Role, **ids: int) -> str:
        with self.session() as session:
            code = invites.issue_invite(session, role=role, **ids)
        self.codes.append(code)
        return code


def _wait(url: str, processes: list[subprocess.Popen], logs: list[Path]) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in processes):
            tails = "\n".join(log.read_text(errors="replace")[-3000:] for log in logs)
            raise RuntimeError(f"a server exited during start-up:\n{tails}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{url} not ready after {START_TIMEOUT} s")


@contextmanager
def running_assistant(
    folder: Path,
    tracker_store_url: str | None = None,
    extra_env: dict[str, str] | None = None,
    school: Sample | None = None,
) -> Iterator[Assistant]:
    """Both servers over a fresh SQLite school database in ``folder``; conversations in memory,
    or in the SQL tracker store at ``tracker_store_url``. ``extra_env`` adds variables (e.g. the
    channels aimed at the fakes); ``school`` given means the database in ``folder`` is reused as
    it is (a restart)."""
    model = train()
    url = f"sqlite:///{folder / 'school.sqlite3'}"
    engine = build_engine(url)
    upgrade_database(engine)
    if school is None:
        with Session(engine, future=True) as session:
            school = build_school(session)
            session.commit()
    actions_port, rasa_port = free_port(), free_port()
    endpoints = folder / "endpoints.yml"
    endpoints.write_text(
        f'action_endpoint:\n  url: "http://127.0.0.1:{actions_port}/webhook"\n'
        "  headers:\n    X-Action-Token: ${ACTION_SERVER_TOKEN}\n"
        "tracker_store:\n  type: chatbot.rasa_stores.EnvironmentTrackerStore\n"
        "nlg:\n  type: chatbot.nlg.RoleAwareResponses\n"
    )
    env = {
        **os.environ, "DATABASE_URL": url, "CHATBOT_DATA_DIR": str(folder),
        "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONHASHSEED": "0", "ACTION_SERVER_TOKEN": "conversation-tests",
    }
    env.pop("TRACKER_STORE_URL", None)
    env.pop("LOCK_STORE_URL", None)
    if tracker_store_url:
        env["TRACKER_STORE_URL"] = tracker_store_url
    env.update(extra_env or {})
    rasa = str(Path(sys.executable).with_name("rasa"))
    chatbot = str(Path(sys.executable).with_name("chatbot"))
    logs = [folder / "actions.log", folder / "rasa.log"]
    commands = [
        [chatbot, "actions", "--port", str(actions_port)],
        [rasa, "run", "-m", str(model), "--enable-api", "-i", "127.0.0.1", "-p", str(rasa_port),
         "--endpoints", str(endpoints)],
    ]
    processes = []
    try:
        for command, log in zip(commands, logs, strict=True):
            with log.open("wb") as out:
                processes.append(
                    subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
                )
        _wait(f"http://127.0.0.1:{actions_port}/health", processes, logs)
        _wait(f"http://127.0.0.1:{rasa_port}/status", processes, logs)
        yield Assistant(f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook", engine, school, tuple(logs))
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        engine.dispose()
