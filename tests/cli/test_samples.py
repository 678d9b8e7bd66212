"""The sample files of docs/formats.md import cleanly, in the order the staff guide gives."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from cli import app

SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "mau"


def test_samples_import_in_the_documented_order(school_db: str, runner: CliRunner) -> None:
    for kind, name, added in [
        ("roster", "danh-sach-hoc-sinh.csv", 5),
        ("teachers", "giao-vien.csv", 4),
        ("timetable", "thoi-khoa-bieu.csv", 5),
        ("holidays", "ngay-nghi.csv", 9),
    ]:
        result = runner.invoke(app, ["import", kind, str(SAMPLES / name)])
        assert result.exit_code == 0, result.output
        assert f"Thêm mới: {added} · cập nhật: 0 · không đổi: 0" in result.output
