"""Run the action server, the Rasa server and the staff web app together; stop all cleanly."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from chatbot.action_server import TOKEN_HEADER
from chatbot.settings import PROJECT_ROOT, get_settings

RASA_PORT = 5005
ACTIONS_PORT = 5055
STOP_GRACE_SECONDS = 10
TOKEN_VARIABLE = "ACTION_SERVER_TOKEN"
ANY_ADDRESS = ("0.0.0.0", "::")


@dataclass
class ServerSet:
    """The child processes of one running assistant."""

    processes: list[subprocess.Popen]

    def alive(self) -> bool:
        return all(p.poll() is None for p in self.processes)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for process in self.processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _bin(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


def render_endpoints(action_url: str) -> Path:
    """Write the endpoints file Rasa reads: the action server's address and, from the
    environment, the shared secret it checks (Rasa expands ``${ACTION_SERVER_TOKEN}``)."""
    template = (PROJECT_ROOT / "endpoints.yml").read_text(encoding="utf-8")
    endpoint = f'"{action_url}"\n  headers:\n    {TOKEN_HEADER}: ${{{TOKEN_VARIABLE}}}'
    rendered = template.replace('"http://127.0.0.1:5055/webhook"', endpoint)
    target = get_settings().data_dir / "endpoints.runtime.yml"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(rendered, encoding="utf-8")
    return target


def start_servers(
    model: Path,
    *,
    rasa_port: int = RASA_PORT,
    actions_port: int = ACTIONS_PORT,
    interface: str = "127.0.0.1",
    extra_rasa_args: Sequence[str] = (),
    log_dir: Path | None = None,
    web_port: int | None = None,
) -> ServerSet:
    """Start the action server, then the Rasa server with the REST and configured channels,
    and the staff web app on ``WEB_HOST``:``web_port`` (``WEB_PORT``; 0 leaves it out).

    Rasa and the action server listen on loopback (the Rasa server on ``interface``), and
    share a secret for the action calls.

    With ``log_dir`` the servers' output goes to ``actions.log``, ``rasa.log`` and
    ``web.log`` there instead of this terminal.
    """
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONHASHSEED": "0"}
    # The action server only answers Rasa: a secret for this run unless one is configured.
    env[TOKEN_VARIABLE] = get_settings().action_server_token or secrets.token_urlsafe(32)
    host = get_settings().action_server_host
    action_url = f"http://{host if host not in ANY_ADDRESS else '127.0.0.1'}:{actions_port}/webhook"
    actions = subprocess.Popen(
        [_bin("chatbot"), "actions", "--port", str(actions_port)],
        cwd=PROJECT_ROOT,
        env=env,
        **_output_to(log_dir, "actions.log"),
    )
    rasa = subprocess.Popen(
        [
            _bin("rasa"), "run",
            "-m", str(model),
            "--endpoints", str(render_endpoints(action_url)),
            "--credentials", str(PROJECT_ROOT / "credentials.yml"),
            "-i", interface,
            "-p", str(rasa_port),
            *extra_rasa_args,
        ],
        cwd=PROJECT_ROOT,
        env=env,
        **_output_to(log_dir, "rasa.log"),
    )
    processes = [actions, rasa]
    settings = get_settings()
    web_port = settings.web_port if web_port is None else web_port
    if web_port:
        processes.append(subprocess.Popen(
            [sys.executable, "-m", "web", "--host", settings.web_host, "--port", str(web_port)],
            cwd=PROJECT_ROOT,
            env=env,
            **_output_to(log_dir, "web.log"),
        ))
    return ServerSet(processes)


def _output_to(log_dir: Path | None, name: str) -> dict[str, object]:
    if log_dir is None:
        return {}
    log_dir.mkdir(parents=True, exist_ok=True)
    handle = (log_dir / name).open("ab")
    return {"stdout": handle, "stderr": subprocess.STDOUT}


def wait_until_ready(
    servers: ServerSet,
    rasa_port: int = RASA_PORT,
    actions_port: int = ACTIONS_PORT,
    timeout: float = 300,
    web_port: int | None = None,
) -> None:
    """Block until the servers answer their health checks; raise if one exits first."""
    deadline = time.monotonic() + timeout
    urls = [f"http://127.0.0.1:{actions_port}/health", f"http://127.0.0.1:{rasa_port}/"]
    if web_port:
        urls.append(f"http://127.0.0.1:{web_port}/suc-khoe")
    pending = list(urls)
    while pending:
        if not servers.alive():
            raise RuntimeError("a server exited during start-up; see its log")
        if time.monotonic() > deadline:
            raise TimeoutError(f"servers not ready after {timeout:.0f} s: {', '.join(pending)}")
        try:
            if httpx.get(pending[0], timeout=2).status_code == 200:
                pending.pop(0)
                continue
        except httpx.HTTPError:
            pass
        time.sleep(0.5)


def run_until_stopped(servers: ServerSet) -> int:
    """Wait in the foreground; Ctrl-C or SIGTERM stops both servers. Returns an exit code."""
    stopping = False

    def _stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        while not stopping and servers.alive():
            time.sleep(0.3)
    finally:
        servers.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0 if stopping else 1
