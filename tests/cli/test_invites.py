"""Invite codes per class: issuing, skipping, regenerating, revoking, and the printable export."""

from __future__ import annotations

import csv
import stat
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from chatbot.db.engine import session_scope
from chatbot.db.models import InviteCode, Role, SchoolClass
from chatbot.school.invite_batches import (
    InviteError,
    issue_for_class,
    revoke_code,
    revoke_for_class,
    usable_code,
)
from chatbot.school.invite_sheets import export_batch, render_html, telegram_link
from chatbot.school.invites import CodeProblem, check_code
from chatbot.settings import reset_settings
from cli import app
from tests.cli.helpers import link_account, student

NOW = datetime(2026, 9, 1, 1, 0, tzinfo=timezone.utc)


def class_6a(session) -> SchoolClass:  # noqa: ANN001
    return session.scalars(select(SchoolClass).where(SchoolClass.name == "6A")).one()


def test_parent_codes_for_a_class(demo_db: str) -> None:
    with session_scope() as session:
        batch = issue_for_class(session, class_6a(session), Role.PARENT, now=NOW)
        assert len(batch.issued) == 30 and batch.skipped == []
        first = batch.issued[0]
        assert (first.roll_number, first.full_name) == (1, "Nguyễn Văn An")
        assert first.display_name == "01 - Nguyễn Văn An"
        check = check_code(session, first.code, now=NOW)
        assert check.problem is None and check.invite.student.full_name == "Nguyễn Văn An"
        assert check.invite.role is Role.PARENT
        assert len({i.code for i in batch.issued}) == 30


def test_students_with_codes_or_accounts_are_skipped_until_regenerated(demo_db: str) -> None:
    with session_scope() as session:
        old = issue_for_class(session, class_6a(session), Role.PARENT, rolls={1, 2}, now=NOW)
        link_account(session, student(session, "6A", 3))
        batch = issue_for_class(session, class_6a(session), Role.PARENT, now=NOW)
        assert len(batch.issued) == 27
        assert batch.skipped == [
            "STT 01 Nguyễn Văn An: đã có mã chưa dùng (dùng --regenerate để tạo lại)",
            "STT 02 Trần Thị Anh: đã có mã chưa dùng (dùng --regenerate để tạo lại)",
            "STT 03 Phạm Anh Bảo: đã kết nối",
        ]
        again = issue_for_class(session, class_6a(session), Role.PARENT, rolls={1, 3}, regenerate=True,
                                include_linked=True, now=NOW)
        assert [i.roll_number for i in again.issued] == [1, 3]
        assert again.revoked == 1  # only student 1 had an unused code
        assert check_code(session, old.issued[0].code, now=NOW).problem is CodeProblem.REVOKED
        assert check_code(session, old.issued[1].code, now=NOW).problem is None
        student_codes = issue_for_class(session, class_6a(session), Role.STUDENT, rolls={1}, now=NOW)
        assert len(student_codes.issued) == 1  # another role is independent


def test_teacher_code_and_bad_requests(demo_db: str) -> None:
    with session_scope() as session:
        batch = issue_for_class(session, class_6a(session), Role.TEACHER, now=NOW)
        assert [(i.full_name, i.roll_number) for i in batch.issued] == [("Nguyễn Thị Lan", None)]
        invite = check_code(session, batch.issued[0].code, now=NOW).invite
        assert invite.staff_member.full_name == "Nguyễn Thị Lan" and invite.role is Role.TEACHER
        class_6a(session).homeroom_teacher = None
        with pytest.raises(InviteError, match="chưa có giáo viên chủ nhiệm"):
            issue_for_class(session, class_6a(session), Role.TEACHER, now=NOW)
        with pytest.raises(InviteError, match="STT 31, 40"):
            issue_for_class(session, class_6a(session), Role.PARENT, rolls={1, 31, 40}, now=NOW)


def test_revoking(demo_db: str) -> None:
    with session_scope() as session:
        parents = issue_for_class(session, class_6a(session), Role.PARENT, now=NOW)
        issue_for_class(session, class_6a(session), Role.TEACHER, now=NOW)
        assert revoke_for_class(session, class_6a(session), role=Role.PARENT, rolls={1, 2}, now=NOW) == 2
        assert revoke_code(session, parents.issued[2].code, now=NOW) is None
        assert revoke_code(session, parents.issued[2].code, now=NOW) == "mã đã bị huỷ trước đó"
        assert revoke_code(session, "ZZZZ-2222", now=NOW) == "không có mã này"
        assert revoke_for_class(session, class_6a(session), now=NOW) == 27 + 1  # the rest and the teacher


def test_export_files(demo_db: str, tmp_path: Path) -> None:
    with session_scope() as session:
        batch = issue_for_class(session, class_6a(session), Role.PARENT, rolls={1, 2}, now=NOW)
    batch.issued[1] = replace(batch.issued[1], full_name="<b>Anh</b>")
    csv_path, html_path = export_batch(batch, tmp_path, bot_username="HoaSenBot", zalo_oa="THCS Hoa Sen",
                                       now=NOW)
    assert csv_path.name == "6A-parent-20260901-080000.csv"
    assert {stat.S_IMODE(p.stat().st_mode) for p in (csv_path, html_path)} == {0o600}
    with csv_path.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    code = batch.issued[0].code
    assert rows[0]["Mã mời"] == code and rows[0]["Tên hiển thị"] == "01 - Nguyễn Văn An"
    assert rows[0]["Link Telegram"] == f"https://t.me/HoaSenBot?start={code.replace('-', '')}"
    assert rows[0]["Hạn dùng"] == "15/09/2026"
    page = html_path.read_text(encoding="utf-8")
    assert page.count('<article class="card">') == 2 and page.count("<svg") == 2
    assert "&lt;b&gt;Anh&lt;/b&gt;" in page and "<b>Anh</b>" not in page
    assert f"Quan tâm OA “THCS Hoa Sen” rồi gửi mã {code}" in page
    assert "Tên hiển thị khi vào lớp học trực tuyến: <b>01 - Nguyễn Văn An</b>" in page
    assert "src=" not in page and "<link" not in page  # one self-contained file
    second = export_batch(batch, tmp_path, bot_username=None, zalo_oa=None, now=NOW)
    assert second[0].name == "6A-parent-20260901-080000-2.csv"  # never overwrites earlier codes
    plain = render_html(batch, bot_username=None, zalo_oa=None)
    assert "<svg" not in plain and "Quan tâm Zalo OA của nhà trường rồi gửi mã" in plain


def test_telegram_link() -> None:
    assert telegram_link("ABCD-2345", "@HoaSenBot") == "https://t.me/HoaSenBot?start=ABCD2345"
    assert telegram_link("ABCD-2345", None) is None


def test_invites_command(
    demo_db: str, runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_USERNAME", "HoaSenBot")
    monkeypatch.setenv("ZALO_OA_NAME", "THCS Hoa Sen")
    reset_settings()
    result = runner.invoke(app, ["invites", "--class", "6a", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "Lớp 6A — mã cho phụ huynh: tạo 30 mã." in result.output
    assert "chỉ lưu bản băm của mã" in result.output
    html_files = list(tmp_path.glob("6A-parent-*.html"))
    assert len(html_files) == 1
    sheet = html_files[0].read_text(encoding="utf-8")
    assert sheet.count("<svg") == 30 and "THCS Hoa Sen" in sheet

    again = runner.invoke(app, ["invites", "--class", "6A", "--students", "1,3-4", "--out", str(tmp_path)])
    assert "tạo 0 mã" in again.output and again.output.count("đã có mã chưa dùng") == 3
    assert "chỉ lưu bản băm" not in again.output  # no new files, no note

    regenerated = runner.invoke(app, ["invites", "--class", "6A", "--students", "1,3-4", "--regenerate",
                                      "--out", str(tmp_path)])
    assert "tạo 3 mã" in regenerated.output and "Đã huỷ 3 mã cũ chưa dùng." in regenerated.output

    teacher = runner.invoke(app, ["invites", "--class", "6A", "--class", "6B", "--role", "teacher",
                                  "--out", str(tmp_path)])
    assert teacher.exit_code == 0 and "mã cho giáo viên chủ nhiệm: tạo 1 mã" in teacher.output
    assert len(list(tmp_path.glob("6B-teacher-*.csv"))) == 1

    revoked = runner.invoke(app, ["invites", "revoke", "--class", "6A", "--role", "parent"])
    assert revoked.exit_code == 0 and "Lớp 6A: đã huỷ 30 mã chưa dùng." in revoked.output


def test_invites_command_errors(demo_db: str, runner: CliRunner, tmp_path: Path) -> None:
    out = ["--out", str(tmp_path / "out")]
    for args, message in [
        (["invites", *out], "cần chọn lớp"),
        (["invites", "--class", "6C", *out], "không có lớp 6C"),
        (["invites", "--class", "6A", "--students", "1,x", *out], "“x” không phải STT"),
        (["invites", "--class", "6A", "--students", "40", *out], "không có học sinh STT 40"),
        (["invites", "--class", "6A", "--role", "teacher", "--students", "1", *out], "--students không dùng"),
        (["invites", "revoke"], "--class LỚP hoặc --code MÃ"),
        (["invites", "revoke", "--code", "ABCD-2345"], "không có mã này"),
    ]:
        result = runner.invoke(app, args)
        assert result.exit_code == 1, (args, result.output)
        assert message in result.stderr, (args, result.stderr)
    assert not (tmp_path / "out").exists()


def usable_codes() -> int:
    with session_scope() as session:
        query = select(InviteCode).where(usable_code(datetime.now(timezone.utc)))
        return len(session.scalars(query).all())


def test_nothing_is_issued_when_one_class_fails_or_files_cannot_be_written(
    demo_db: str, runner: CliRunner, tmp_path: Path
) -> None:
    with session_scope() as session:
        session.scalars(select(SchoolClass).where(SchoolClass.name == "6B")).one().homeroom_teacher = None
    out = tmp_path / "out"
    both = ["invites", "--class", "6A", "--class", "6B", "--role", "teacher", "--out", str(out)]
    result = runner.invoke(app, both)
    assert result.exit_code == 1 and "Lớp 6B chưa có giáo viên chủ nhiệm" in result.stderr
    assert not out.exists() and usable_codes() == 0
    assert runner.invoke(app, [*both[:3], *both[5:]]).exit_code == 0  # 6A alone works
    assert usable_codes() == 1 and len(list(out.iterdir())) == 2

    blocked_dir = tmp_path / "blocked"
    blocked_dir.write_text("a file where the folder should be")
    blocked = runner.invoke(app, ["invites", "--class", "6A", "--out", str(blocked_dir)])
    assert blocked.exit_code == 1 and "không ghi được tệp" in blocked.stderr
    assert usable_codes() == 1  # the 30 parent codes were rolled back


def test_the_sheet_carries_the_oa_follow_qr_beside_telegram(
    demo_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZALO_OA_FOLLOW_URL", "https://zalo.me/1234567890123456789")
    reset_settings()
    try:
        with session_scope() as session:
            batch = issue_for_class(session, class_6a(session), Role.PARENT, rolls={1}, now=NOW)
        page = render_html(batch, bot_username="HoaSenBot", zalo_oa="THCS Hoa Sen")
    finally:
        monkeypatch.delenv("ZALO_OA_FOLLOW_URL")
        reset_settings()
    assert page.count("<svg") == 2 and 'class="qr qr-zalo"' in page
    code = batch.issued[0].code
    assert f"quét mã QR Zalo OA bên cạnh bằng Zalo, bấm <i>Quan tâm</i> rồi gửi mã {code}" in page
