"""The import and school commands as staff run them."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from typer.testing import CliRunner

from chatbot.db.engine import session_scope
from chatbot.db.models import School, Student
from cli import app
from tests.cli.helpers import ROSTER_HEADER, write_csv

ROSTER = [ROSTER_HEADER, ["6A", "1", "Nguyễn Văn An", "07/07/2015", "Nam"],
          ["6A", "2", "Trần Thị Anh", "23/09/2015", "Nữ"]]


def student_count() -> int:
    with session_scope() as session:
        return session.scalar(select(func.count(Student.id)))


def test_school_create_and_list(db: str, runner: CliRunner) -> None:
    result = runner.invoke(
        app, ["school", "create", "thcs-hoasen", "Trường THCS  Hoa Sen", "--email", "a@b.vn"]
    )
    assert result.exit_code == 0, result.output
    assert "Đã tạo Trường THCS Hoa Sen (mã THCS-HOASEN)" in result.output
    again = runner.invoke(app, ["school", "create", "THCS-HOASEN", "Khác"])
    assert again.exit_code == 1 and "đã có trường mã THCS-HOASEN" in again.stderr
    bad = runner.invoke(app, ["school", "create", "mã có dấu", "X"])
    assert bad.exit_code == 1 and "mã trường" in bad.stderr
    listing = runner.invoke(app, ["school", "list"])
    assert "THCS-HOASEN" in listing.output and "Trường THCS Hoa Sen" in listing.output
    with session_scope() as session:
        assert session.scalar(select(func.count(School.id))) == 1


def test_import_needs_a_school(db: str, runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["import", "roster", str(write_csv(tmp_path / "ds.csv", ROSTER))])
    assert result.exit_code == 1
    assert "chatbot school create" in result.stderr


def test_school_must_be_chosen_when_there_are_several(
    school_db: str, runner: CliRunner, tmp_path: Path
) -> None:
    runner.invoke(app, ["school", "create", "THPT-B", "Trường THPT B"])
    path = str(write_csv(tmp_path / "ds.csv", ROSTER))
    result = runner.invoke(app, ["import", "roster", path])
    assert result.exit_code == 1 and "THCS-TEST, THPT-B" in result.stderr
    chosen = runner.invoke(app, ["import", "roster", path, "--school", "thpt-b"])
    assert chosen.exit_code == 0, chosen.output
    assert student_count() == 2


def test_dry_run_then_import(school_db: str, runner: CliRunner, tmp_path: Path) -> None:
    path = str(write_csv(tmp_path / "ds.csv", ROSTER))
    preview = runner.invoke(app, ["import", "roster", path, "--dry-run"])
    assert preview.exit_code == 0, preview.output
    assert "Sẽ thêm mới: 2 · cập nhật: 0 · không đổi: 0" in preview.output
    assert "Lớp mới: 6A" in preview.output and "Chạy thử: chưa lưu gì" in preview.output
    assert student_count() == 0
    done = runner.invoke(app, ["import", "roster", path])
    assert "Thêm mới: 2" in done.output and "Đã lưu." in done.output
    assert student_count() == 2


def test_problems_are_listed_with_row_and_column(school_db: str, runner: CliRunner, tmp_path: Path) -> None:
    rows = [*ROSTER, ["6A", "2", "", "", ""], ["6A", "3", "Lê Chi", "32/01/2015", ""]]
    result = runner.invoke(app, ["import", "roster", str(write_csv(tmp_path / "ds.csv", rows))])
    assert result.exit_code == 1
    assert "Không nhập gì từ ds.csv: có 3 lỗi cần sửa." in result.stderr
    assert "Dòng 4, cột B (STT): STT 2 của lớp 6A trùng với dòng 3" in result.stderr
    assert "Dòng 4, cột C (Họ và tên): thiếu Họ và tên" in result.stderr
    assert "Dòng 5, cột D (Ngày sinh): “32/01/2015” không phải ngày hợp lệ" in result.stderr
    assert student_count() == 0


def test_bad_files_give_one_line_errors(school_db: str, runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "ds.docx").write_bytes(b"x")
    wrong = write_csv(tmp_path / "wrong.csv", [["Tên lớp học sinh", "Điểm"], ["6A", "9"]])
    for args, message in [
        (["import", "roster", str(tmp_path / "none.csv")], "không tìm thấy tệp"),
        (["import", "teachers", str(tmp_path / "ds.docx")], "chỉ nhận tệp .csv hoặc .xlsx"),
        (["import", "timetable", str(wrong)], "không tìm thấy dòng tiêu đề"),
        (["import", "roster", str(wrong), "--class", "lớp chọn"], "--class"),
    ]:
        result = runner.invoke(app, args)
        assert result.exit_code == 1, args
        assert message in result.stderr, result.stderr
        assert result.stdout == ""
