"""`chatbot serve` answers over REST, listens on loopback only, serves the web app and stops
all; `chatbot demo` chats from stdin."""

from __future__ import annotations

import ipaddress
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from chatbot.training import train
from tests.chatbot.runner.listening import listening, process_tree
from tests.ports import free_port

CHATBOT = str(Path(sys.executable).with_name("chatbot"))


@pytest.fixture(scope="module")
def model() -> Path:
    return train()


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "CHATBOT_DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite3'}",
    }


def _wait_for_reply(url: str, process: subprocess.Popen, timeout: float = 240) -> list[dict]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "chatbot serve exited early"
        try:
            response = httpx.post(url, json={"sender": "serve-test", "message": "xin chào"}, timeout=30)
            if response.status_code == 200 and response.json():
                return response.json()
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise TimeoutError("no REST reply from chatbot serve")


def test_serve_answers_in_vietnamese_and_ctrl_c_stops_all(model: Path, tmp_path: Path) -> None:
    rasa_port, actions_port, web_port = free_port(), free_port(), free_port()
    process = subprocess.Popen(
        [CHATBOT, "serve", "--rasa-port", str(rasa_port), "--actions-port", str(actions_port),
         "--web-port", str(web_port)],
        env=_env(tmp_path), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        replies = _wait_for_reply(f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook", process)
        assert replies[0]["text"].startswith("Dạ")
        assert _listening(actions_port)
        addresses = listening(process_tree(process.pid))
        assert {port for _, port in addresses} >= {rasa_port, actions_port}
        assert all(ipaddress.ip_address(ip).is_loopback for ip, _ in addresses), addresses
        # Only Rasa, which got this run's secret, may call the action server.
        call = {"next_action": "action_ask_human"}
        assert httpx.post(f"http://127.0.0.1:{actions_port}/webhook", json=call).status_code == 401
        sign_in = httpx.get(f"http://127.0.0.1:{web_port}/dang-nhap", timeout=30)
        assert sign_in.status_code == 200 and "Đăng nhập" in sign_in.text
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=60) == 0
        assert not _listening(rasa_port) and not _listening(actions_port) and not _listening(web_port)
    finally:
        if process.poll() is None:
            process.kill()


def test_demo_loads_the_school_and_chats_from_stdin(model: Path, tmp_path: Path) -> None:
    web_port = free_port()
    result = subprocess.run(
        [CHATBOT, "demo", "--rasa-port", str(free_port()), "--actions-port", str(free_port()),
         "--web-port", str(web_port)],
        input="xin chao\n1\n/exit\n", capture_output=True, text=True, env=_env(tmp_path), timeout=400,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Trường THCS Hoa Sen" in result.stdout
    assert "Mã mời để thử" in result.stdout
    assert f"Trang quản lý đang chạy: http://127.0.0.1:{web_port}" in result.stdout
    for username in ("demo.phonggd", "trinh.van.quang@thcshoasen.edu.vn", "nguyen.thi.lan@thcshoasen.edu.vn"):
        assert f"{username} / " in result.stdout
    replies = [line for line in result.stdout.splitlines() if line.startswith(("🤖", "> 🤖"))]
    assert len(replies) >= 2 and "Dạ" in replies[0]
    assert (tmp_path / "logs" / "rasa.log").exists()
