"""Rasa replicas and an action server as local subprocesses, for the replica test and the bench.

:func:`start_cluster` starts one action server and ``replicas`` Rasa servers on free ports,
all reading the project's ``endpoints.yml`` (so the stores come from ``TRACKER_STORE_URL`` and
``LOCK_STORE_URL``), with the REST channel and the HTTP API behind a random token.
:func:`write_minimal_project` and :func:`train_cached` give a small model that trains in
seconds, for tests that must not depend on the assistant's NLU.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from chatbot.runner import ServerSet
from chatbot.settings import PROJECT_ROOT
from chatbot.training import rasa_train_command, train_once
from tests.ports import free_port

DEFAULT_ACTION_URL = '"http://127.0.0.1:5055/webhook"'
_SECTION = r"^{name}:\n(?:[ \t]+\S.*\n?)*"
# Connections per Rasa process: the project's tracker store pool holds 2 and opens up to 2 more
# when conversations overlap (Rasa's own SQL store uses one at a time, synchronously).
SQL_POOL_ENV = {"SQL_POOL_SIZE": "2", "SQL_MAX_OVERFLOW": "2"}
QUIET_ENV = {
    "TF_CPP_MIN_LOG_LEVEL": "3",
    "PYTHONHASHSEED": "0",
    "RASA_TELEMETRY_ENABLED": "false",
    "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
}


@dataclass
class Cluster:
    """The running processes, their addresses and the API token."""

    servers: ServerSet
    rasa_urls: list[str]
    actions_url: str
    token: str
    log_dir: Path
    pids: dict[str, int] = field(default_factory=dict)

    def stop(self) -> None:
        self.servers.stop()

    def log_tail(self, lines: int = 30) -> str:
        """The last lines of every process's log, for failure messages."""
        parts = []
        for log in sorted(self.log_dir.glob("*.log")):
            text = log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
            parts.append(f"--- {log.name}\n" + "\n".join(text))
        return "\n".join(parts)


def _bin(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


def _write_config_files(work_dir: Path, actions_port: int, sections: Mapping[str, str | None]
                        ) -> tuple[Path, Path]:
    template = (PROJECT_ROOT / "endpoints.yml").read_text(encoding="utf-8")
    if DEFAULT_ACTION_URL not in template:
        raise RuntimeError("endpoints.yml no longer names the default action server address")
    rendered = template.replace(DEFAULT_ACTION_URL, f'"http://127.0.0.1:{actions_port}/webhook"')
    for name, section in sections.items():
        if section is None:
            continue
        pattern = re.compile(_SECTION.format(name=name), re.MULTILINE)
        rendered, found = pattern.subn(lambda _, text=section: text.rstrip("\n") + "\n", rendered)
        if found != 1:
            raise RuntimeError(f"endpoints.yml has no {name} section to replace")
    endpoints = work_dir / "endpoints.yml"
    endpoints.write_text(rendered, encoding="utf-8")
    credentials = work_dir / "credentials.yml"
    credentials.write_text("rest:\n", encoding="utf-8")
    return endpoints, credentials


def start_cluster(
    model: Path,
    work_dir: Path,
    *,
    replicas: int = 2,
    tracker_store_url: str | None = None,
    lock_store_url: str | None = None,
    actions_module: str = "actions",
    actions_path: Path | None = None,
    extra_env: Mapping[str, str] | None = None,
    lock_store: str | None = None,
    tracker_store: str | None = None,
) -> Cluster:
    """Start the action server and ``replicas`` Rasa servers; call :func:`wait_ready` next.

    ``actions_path`` is put on the action server's ``PYTHONPATH`` (for a module outside the
    project). Store URLs left ``None`` mean the embedded (in-memory) stores. ``lock_store`` and
    ``tracker_store`` replace those sections of ``endpoints.yml`` (YAML text), e.g. for stock Rasa.
    """
    work_dir.mkdir(parents=True, exist_ok=True)
    log_dir = work_dir / "logs"
    log_dir.mkdir(exist_ok=True)
    actions_port = free_port()
    endpoints, credentials = _write_config_files(
        work_dir, actions_port, {"lock_store": lock_store, "tracker_store": tracker_store})
    env = {**os.environ, **QUIET_ENV, **SQL_POOL_ENV, **(extra_env or {})}
    for name, value in (("TRACKER_STORE_URL", tracker_store_url), ("LOCK_STORE_URL", lock_store_url)):
        if value:
            env[name] = value
        else:
            env.pop(name, None)
    token = secrets.token_hex(16)
    processes: list[subprocess.Popen] = []
    pids: dict[str, int] = {}

    def launch(name: str, command: list[str], process_env: dict[str, str]) -> None:
        with (log_dir / f"{name}.log").open("wb") as log:
            process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=process_env, stdout=log,
                                       stderr=subprocess.STDOUT)
        processes.append(process)
        pids[name] = process.pid

    action_env = dict(env)
    if actions_path is not None:
        action_env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(actions_path), env.get("PYTHONPATH")]))
    launch("actions", [_bin("rasa"), "run", "actions", "--actions", actions_module, "-p", str(actions_port)],
           action_env)
    rasa_ports = [free_port() for _ in range(replicas)]
    for index, port in enumerate(rasa_ports):
        launch(f"rasa-{index}", [
            _bin("rasa"), "run", "-m", str(model),
            "--endpoints", str(endpoints), "--credentials", str(credentials),
            "-i", "127.0.0.1", "-p", str(port),
            "--enable-api", "--auth-token", token,
        ], env)
    return Cluster(
        servers=ServerSet(processes),
        rasa_urls=[f"http://127.0.0.1:{port}" for port in rasa_ports],
        actions_url=f"http://127.0.0.1:{actions_port}",
        token=token,
        log_dir=log_dir,
        pids=pids,
    )


def wait_ready(cluster: Cluster, timeout: float = 240) -> None:
    """Block until every server answers with a loaded model; raise with the logs otherwise."""
    deadline = time.monotonic() + timeout
    pending = [f"{cluster.actions_url}/health"] + [
        f"{url}/status?token={cluster.token}" for url in cluster.rasa_urls
    ]
    while pending:
        if not cluster.servers.alive():
            raise RuntimeError("a server exited during start-up\n" + cluster.log_tail())
        if time.monotonic() > deadline:
            raise TimeoutError(f"not ready after {timeout:.0f} s: {pending}\n" + cluster.log_tail())
        try:
            response = httpx.get(pending[0], timeout=2)
            if response.status_code == 200 and (
                "/status" not in pending[0] or response.json().get("model_file")
            ):
                pending.pop(0)
                continue
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(0.5)


# --- a small model that trains in seconds ----------------------------------------------------

MINIMAL_CONFIG = """\
recipe: default.v1
language: vi
assistant_id: scale-test
pipeline:
  - name: WhitespaceTokenizer
  - name: CountVectorsFeaturizer
  - name: CountVectorsFeaturizer
    analyzer: char_wb
    min_ngram: 2
    max_ngram: 4
  - name: LogisticRegressionClassifier
    random_state: 42
policies:
  - name: RulePolicy
"""

# intent → (training examples, reply); the first examples are the messages the test sends.
MINIMAL_INTENTS: dict[str, tuple[list[str], str]] = {
    "greet": (["xin chào", "xin chao", "chào bạn", "chao ban", "chào em", "hello"],
              "Chào bạn! Mình là trợ lý Lớp học An toàn."),
    "ask_display_name": (["tên hiển thị đặt thế nào", "ten hien thi dat the nao",
                          "con phải đặt tên gì khi vào lớp", "đặt tên trong phòng học ra sao"],
                         "Tên hiển thị là số thứ tự và họ tên đầy đủ, ví dụ 05 - Nguyễn Văn An."),
    "ask_password": (["có được chia sẻ mật khẩu lớp không", "co duoc chia se mat khau lop khong",
                      "gửi mật khẩu phòng học cho bạn được không", "cho người khác mật khẩu được không"],
                     "Không chia sẻ mật khẩu phòng học cho bất kỳ ai ngoài lớp."),
    "ask_camera": (["có phải bật camera không", "co phai bat camera khong",
                    "con có cần mở camera khi học không", "tắt camera được không"],
                   "Học sinh bật camera trong suốt giờ học theo yêu cầu của giáo viên."),
    "ask_stranger": (["có người lạ vào lớp thì làm sao", "co nguoi la vao lop thi lam sao",
                      "người lạ vào phòng học phải làm gì", "thấy tài khoản lạ trong lớp"],
                     "Báo ngay cho giáo viên chủ nhiệm; không trò chuyện với người lạ."),
    "ask_count": (["tôi đã gửi bao nhiêu tin nhắn", "toi da gui bao nhieu tin nhan",
                   "đếm tin nhắn của tôi", "dem tin nhan"], ""),
}

MINIMAL_ACTIONS = '''\
"""A custom action whose reply depends on the whole conversation so far."""

from rasa_sdk import Action
from rasa_sdk.events import EventType


class ActionCountMessages(Action):
    def name(self) -> str:
        return "action_count_messages"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        count = sum(1 for event in tracker.events if event.get("event") == "user")
        dispatcher.utter_message(text=f"Đây là tin nhắn thứ {count} của bạn.")
        return []
'''

MINIMAL_ACTIONS_MODULE = "scale_actions"


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '\\"') + '"'


def write_minimal_project(project: Path) -> Path:
    """Write config, domain, data and the action module of a small assistant into ``project``."""
    (project / "data").mkdir(parents=True, exist_ok=True)
    (project / "config.yml").write_text(MINIMAL_CONFIG, encoding="utf-8")
    domain = ['version: "3.1"', "intents:"] + [f"  - {intent}" for intent in MINIMAL_INTENTS]
    domain += ["actions:", "  - action_count_messages", "responses:"]
    for intent, (_, reply) in MINIMAL_INTENTS.items():
        if reply:
            domain += [f"  utter_{intent}:", f"    - text: {_quoted(reply)}"]
    (project / "domain.yml").write_text("\n".join(domain) + "\n", encoding="utf-8")
    nlu = ['version: "3.1"', "nlu:"]
    rules = ['version: "3.1"', "rules:"]
    for intent, (examples, reply) in MINIMAL_INTENTS.items():
        nlu += [f"  - intent: {intent}", "    examples: |"] + [f"      - {e}" for e in examples]
        action = f"utter_{intent}" if reply else "action_count_messages"
        rules += [f"  - rule: answer {intent}", "    steps:", f"      - intent: {intent}",
                  f"      - action: {action}"]
    (project / "data" / "nlu.yml").write_text("\n".join(nlu) + "\n", encoding="utf-8")
    (project / "data" / "rules.yml").write_text("\n".join(rules) + "\n", encoding="utf-8")
    (project / f"{MINIMAL_ACTIONS_MODULE}.py").write_text(MINIMAL_ACTIONS, encoding="utf-8")
    return project


def train_cached(config: Path, domain: Path, data: Path, cache_dir: Path, name: str) -> Path:
    """Train ``rasa train`` once per content of config, domain and data; reuse the model after."""
    config, domain, data, cache_dir = (path.resolve() for path in (config, domain, data, cache_dir))
    digest = hashlib.sha256()
    for root in (config, domain, data):
        for path in sorted([root] if root.is_file() else root.rglob("*")):
            if path.is_file():
                digest.update(path.name.encode() + b"\0" + path.read_bytes())
    target = cache_dir / f"{name}-{digest.hexdigest()[:16]}.tar.gz"

    def run_training(scratch: Path) -> None:
        result = subprocess.run(
            rasa_train_command(config, domain, data, scratch, target),
            cwd=cache_dir, env={**os.environ, **QUIET_ENV}, capture_output=True, text=True,
        )
        if result.returncode != 0 or not (scratch / target.name).exists():
            tail = "\n".join((result.stdout + result.stderr).splitlines()[-40:])
            raise RuntimeError(f"rasa train failed ({result.returncode}):\n{tail}")

    return train_once(target, run_training)
