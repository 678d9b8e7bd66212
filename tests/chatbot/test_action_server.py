"""`chatbot actions`: loopback by default, a shared secret, and errors that echo nothing."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from chatbot.settings import PROJECT_ROOT
from tests.chatbot.runner.listening import listening, process_tree
from tests.ports import free_port

CHATBOT = str(Path(sys.executable).with_name("chatbot"))
TOKEN = "a-shared-secret-for-this-test"
SECRET_IN_TRACKER = "Mật khẩu lớp: EWYz2SuZ, em Nguyễn Minh Anh"


@contextmanager
def action_server(tmp_path: Path, **env: str) -> Iterator[tuple[subprocess.Popen, int, Path]]:
    port = free_port()
    log = tmp_path / f"actions-{port}.log"
    environment = {
        **os.environ, "CHATBOT_DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'actions.sqlite3'}", **env,
    }
    for name in ("ACTION_SERVER_HOST", "ACTION_SERVER_TOKEN", "CHATBOT_ENV"):
        if name not in env:
            environment.pop(name, None)
    with log.open("wb") as out:
        process = subprocess.Popen(
            [CHATBOT, "actions", "--port", str(port)], cwd=PROJECT_ROOT, env=environment,
            stdout=out, stderr=subprocess.STDOUT,
        )
    try:
        yield process, port, log
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def _wait(process: subprocess.Popen, port: int, log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text(errors="replace")[-2000:]
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.3)
    raise TimeoutError("action server not ready")


def test_a_token_is_required_and_errors_echo_nothing(tmp_path: Path) -> None:
    with action_server(tmp_path, ACTION_SERVER_TOKEN=TOKEN) as (process, port, log):
        _wait(process, port, log)
        assert all(ip == "127.0.0.1" for ip, _ in listening(process_tree(process.pid)))
        url = f"http://127.0.0.1:{port}/webhook"
        call = {"next_action": "action_ask_human", "tracker": {"sender_id": SECRET_IN_TRACKER}}
        assert httpx.post(url, json=call).status_code == 401
        assert httpx.post(url, json=call, headers={"X-Action-Token": "wrong"}).status_code == 401
        assert httpx.get(f"http://127.0.0.1:{port}/actions").status_code == 401
        # A call without a tracker raises inside the SDK before any action runs: the SDK's own
        # handler would send the whole request back, for Rasa to write into its error log.
        broken = {"next_action": "action_ask_human", "slots": {"note": SECRET_IN_TRACKER}}
        answer = httpx.post(url, json=broken, headers={"X-Action-Token": TOKEN})
        assert answer.status_code == 500 and answer.json() == {"error": "internal error"}
        assert "EWYz2SuZ" not in answer.text
    logged = log.read_text(errors="replace")
    assert "action server: KeyError at" in logged
    assert "EWYz2SuZ" not in logged and "Nguyễn Minh Anh" not in logged


def test_a_setting_opens_other_interfaces(tmp_path: Path) -> None:
    with action_server(tmp_path, ACTION_SERVER_HOST="0.0.0.0") as (process, port, log):
        _wait(process, port, log)
        assert ("0.0.0.0", port) in listening(process_tree(process.pid))
        assert httpx.get(f"http://127.0.0.1:{port}/actions").status_code == 200  # no token set


def test_production_needs_a_token(tmp_path: Path) -> None:
    env = {"CHATBOT_ENV": "production", "INVITE_CODE_PEPPER": "a-production-pepper-0123456789"}
    with action_server(tmp_path, **env) as (process, _, log):
        assert process.wait(timeout=60) != 0
    assert "ACTION_SERVER_TOKEN must be set when CHATBOT_ENV=production" in log.read_text()


@pytest.mark.parametrize("tracker", [{"sender_id": SECRET_IN_TRACKER}])
def test_the_sdk_handler_would_have_echoed_the_tracker(tracker: dict) -> None:
    """Why the handler is replaced: rasa_sdk 3.6's own answer carries the request body."""
    import inspect

    from rasa_sdk import endpoint

    assert '"request_body": request.json' in inspect.getsource(endpoint.create_app)
