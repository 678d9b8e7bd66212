"""``chatbot broadcast`` and ``chatbot worker`` as staff run them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from chatbot.db.engine import session_scope
from chatbot.db.models import Broadcast, Delivery, DeliveryStatus
from chatbot.settings import PROJECT_ROOT
from cli import app
from tests.chatbot.delivery.conftest import Fakes, SchoolData, add_account, make_school
from tests.chatbot.delivery.helpers import all_statuses

TEXT = "Kính gửi quý phụ huynh: tuần sau lớp học trực tuyến bắt đầu lúc 7:30."


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["broadcast", *args])
    return result.exit_code, result.output


def broadcast_rows() -> list[Broadcast]:
    with session_scope() as session:
        return list(session.execute(select(Broadcast).order_by(Broadcast.id)).scalars())


def test_queue_once_per_key(school: SchoolData) -> None:
    code, out = run("--class", "6A", "--class", "6b", "--text", TEXT, "--ask-receipt", "--sender", "cô Lan")
    assert code == 0, out
    assert "Đã xếp thông báo số 1 cho 6 tài khoản" in out
    code, out = run("--class", "6A", "--class", "6b", "--text", TEXT, "--ask-receipt", "--sender", "cô Lan")
    assert code == 0 and "đã được tạo trước đó" in out
    (row,) = broadcast_rows()
    assert (row.audience, row.sender, row.ask_receipt) == ("school=HS;class=6A,6B", "cô Lan", True)
    assert row.idempotency_key.startswith("cli:")
    code, out = run("--class", "6A", "--class", "6b", "--text", TEXT, "--ask-receipt", "--key", "thu-2")
    assert code == 0 and len(broadcast_rows()) == 2
    assert broadcast_rows()[1].idempotency_key == "thu-2"


def test_audiences_from_the_command_line(school: SchoolData) -> None:
    assert run("--school", "HS", "--text", "Cả trường")[0] == 0
    assert run("--grade", "7", "--text", "Khối 7")[0] == 0
    assert run("--students", "6A:1,7A:2", "--text", "Hai em")[0] == 0
    with session_scope() as session:
        sizes = session.execute(
            select(Delivery.broadcast_id, func.count())
            .group_by(Delivery.broadcast_id)
            .order_by(Delivery.broadcast_id)
        ).all()
    assert [n for _, n in sizes] == [9, 3, 2]
    assert [b.audience for b in broadcast_rows()] == [
        "school=HS", "school=HS;grade=7", "school=HS;students=6A:1,7A:2"
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--text", "x"), "chọn nhóm nhận"),
        (("--class", "6A"), "thiếu nội dung"),
        (("--class", "9Z", "--text", "x"), "không có lớp 9Z"),
        (("--students", "6A-1", "--text", "x"), "LỚP:STT"),
        (("--class", "6A", "--text", "   "), "trống"),
        (("--school", "KHAC", "--text", "x"), "không có trường mã KHAC"),
    ],
)
def test_mistakes_are_explained(school: SchoolData, args: tuple[str, ...], message: str) -> None:
    code, out = run(*args)
    assert code == 1 and message in out
    assert broadcast_rows() == []


def test_nobody_linked_means_nothing_queued(db: str) -> None:
    make_school(classes={"6A": 6}, students_per_class=0)
    code, out = run("--class", "6A", "--text", "x")
    assert code == 1 and "chưa có tài khoản nào" in out


def test_wait_sends_with_progress_and_summary(fakes: Fakes) -> None:
    school = make_school(classes={"6A": 6, "7A": 7}, students_per_class=3)
    fakes.telegram.blocked_chats.add("p-6A-3")
    code, out = run("--class", "6A", "--text", TEXT, "--ask-receipt", "--wait")
    assert code == 0, out
    assert "Đang gửi" in out and "3/3" in out
    assert sorted(c.params["chat_id"] for c in fakes.telegram.calls("sendMessage")) == [
        "p-6A-1", "p-6A-2", "p-6A-3"
    ]
    assert sorted(all_statuses()) == ["failed", "sent", "sent"]
    result = CliRunner().invoke(app, ["broadcast", "status", "1"])
    assert result.exit_code == 0
    rows = [line for line in result.output.splitlines() if "│" in line]
    assert any(line.split("│")[1].strip() == "6A" for line in rows)
    assert not any(line.split("│")[1].strip() == "7A" for line in rows)
    assert f"school={school.code};class=6A" in result.output
    assert "Lý do lỗi" in result.output and "forbidden: bot blocked or kicked" in result.output
    listing = CliRunner().invoke(app, ["broadcast", "status"])
    assert listing.exit_code == 0 and "2/3" in listing.output


def test_status_of_unknown_broadcast(db: str) -> None:
    result = CliRunner().invoke(app, ["broadcast", "status", "42"])
    assert result.exit_code == 1 and "không có thông báo số 42" in result.output
    assert "Chưa có thông báo nào" in CliRunner().invoke(app, ["broadcast", "status"]).output


def worker_process(fakes: Fakes, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "cli", "worker", "--no-reminders", *args],
        cwd=PROJECT_ROOT, env={**os.environ, **fakes.env()},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def many_parents(count: int) -> None:
    school = make_school(classes={"6A": 6}, students_per_class=1)
    with session_scope() as session:
        for n in range(count - 1):
            add_account(session, f"x-{n}", [school.students[("6A", 1)]])


def test_sigterm_finishes_in_flight_and_releases_claims(fakes: Fakes) -> None:
    many_parents(30)
    assert run("--class", "6A", "--text", TEXT)[0] == 0
    fakes.telegram.delay = 0.3  # every request takes a while: some are in flight at SIGTERM
    process = worker_process(fakes, "--concurrency", "4")
    assert fakes.telegram.wait_for(lambda: fakes.telegram.counts["sendMessage"] >= 4, timeout=30)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr[-2000:]
    statuses = all_statuses()
    assert "sending" not in statuses  # nothing left claimed
    assert statuses.count("sent") == fakes.telegram.counts["sendMessage"]
    assert 0 < statuses.count("sent") < 30 and statuses.count("pending") == 30 - statuses.count("sent")


def test_kill_9_then_resume_delivers_everyone(fakes: Fakes) -> None:
    many_parents(40)
    assert run("--class", "6A", "--text", TEXT)[0] == 0
    fakes.telegram.delay = 0.2
    first = worker_process(fakes, "--concurrency", "4", "--lease", "2")
    assert fakes.telegram.wait_for(lambda: fakes.telegram.counts["sendMessage"] >= 8, timeout=30)
    first.send_signal(signal.SIGKILL)
    first.communicate(timeout=10)
    fakes.telegram.delay = 0.0
    with session_scope() as session:
        left_claimed = session.execute(
            select(func.count()).select_from(Delivery).where(Delivery.status == DeliveryStatus.SENDING)
        ).scalar()
    assert left_claimed > 0  # the dead worker's claims
    second = worker_process(fakes, "--exit-when-idle", "--lease", "2")
    _, stderr = second.communicate(timeout=60)
    assert second.returncode == 0, stderr[-2000:]
    chats = [c.params["chat_id"] for c in fakes.telegram.calls("sendMessage")]
    assert set(chats) == {"p-6A-1", *(f"x-{n}" for n in range(39))}
    duplicates = len(chats) - len(set(chats))
    assert duplicates <= 4  # at most the sends in flight when the worker died (concurrency 4)
    assert all_statuses() == ["sent"] * 40


def test_wait_leaves_quiet_hours_to_the_worker(fakes: Fakes, monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import datetime, timedelta

    from chatbot.settings import TIMEZONE, reset_settings

    now = datetime.now(TIMEZONE)
    monkeypatch.setenv("QUIET_HOURS_START", f"{(now - timedelta(hours=1)):%H:%M}")
    monkeypatch.setenv("QUIET_HOURS_END", f"{(now + timedelta(hours=2)):%H:%M}")
    reset_settings()
    make_school(classes={"6A": 6}, students_per_class=2)
    code, out = run("--class", "6A", "--text", TEXT, "--wait")
    assert code == 0, out
    assert "chatbot worker gửi" in out and fakes.telegram.calls("sendMessage") == []
    assert all_statuses() == ["pending", "pending"]


def test_a_second_sqlite_worker_is_refused(school: SchoolData) -> None:
    from chatbot.delivery.worker import sole_sqlite_sender

    with sole_sqlite_sender() as sole:
        assert sole
        result = CliRunner().invoke(app, ["worker", "--exit-when-idle"])
    assert result.exit_code == 1 and "một tiến trình gửi khác đang chạy" in result.output
