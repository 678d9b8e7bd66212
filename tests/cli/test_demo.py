"""The demo school: loads through the importers, and a second run changes no school data."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from chatbot.db.base import Base
from chatbot.db.engine import session_scope
from chatbot.db.models import InviteCode, School
from chatbot.school.demo import DEMO_DIR, load_demo
from chatbot.school.importing import import_file
from cli import app

SCHOOL_TABLES = ["schools", "classes", "students", "staff_members", "timetable_entries", "holidays"]
CODE = re.compile(r"\b[A-Z2-9]{4}-[A-Z2-9]{4}\b")


def snapshot() -> dict[str, list[tuple]]:
    with session_scope() as session:
        return {
            name: sorted(tuple(row) for row in session.execute(Base.metadata.tables[name].select()))
            for name in SCHOOL_TABLES
        }


def active_codes() -> int:
    with session_scope() as session:
        return session.scalar(
            select(func.count(InviteCode.id))
            .where(InviteCode.used_at.is_(None), InviteCode.revoked_at.is_(None))
        )


def test_loading_twice_changes_no_school_data(any_db: str) -> None:
    with session_scope() as session:
        first = load_demo(session)
    assert first.school_created
    assert [(s.kind, s.added) for s in first.summaries] == [
        ("Danh sách học sinh", 240), ("Danh sách giáo viên, cán bộ", 14), ("Thời khoá biểu", 120),
        ("Ngày nghỉ", 9),
    ]
    assert [[i.display_name for i in b.issued] for b in first.invites] == [
        ["01 - Nguyễn Văn An", "02 - Trần Thị Anh", "03 - Phạm Anh Bảo"], [None],
    ]
    assert first.invites[1].issued[0].full_name == "Nguyễn Thị Lan"
    before = snapshot()

    with session_scope() as session:
        second = load_demo(session)
    assert not second.school_created
    assert [(s.changed, s.unchanged) for s in second.summaries] == [
        (False, 240), (False, 14), (False, 120), (False, 9),
    ]
    assert snapshot() == before
    assert [b.revoked for b in second.invites] == [3, 1]  # the first run's codes are replaced
    assert active_codes() == 4


@pytest.mark.parametrize("kind", ["roster", "teachers", "timetable", "holidays"])
def test_excel_demo_files_match_the_csv_files(demo_db: str, kind: str) -> None:
    with session_scope() as session:
        school = session.scalars(select(School)).one()
        summary = import_file(session, school, kind, DEMO_DIR / f"{kind}.xlsx", dry_run=True)
    assert (summary.added, summary.updated, summary.removed, summary.missing) == (0, 0, 0, [])


def test_demo_data_command(db: str, runner: CliRunner) -> None:
    first = runner.invoke(app, ["demo-data"])
    assert first.exit_code == 0, first.output
    assert "Đã tạo Trường THCS Hoa Sen (mã THCS-HOASEN)." in first.output
    assert "Phụ huynh — Nguyễn Văn An, lớp 6A, tên hiển thị “01 - Nguyễn Văn An”" in first.output
    assert "Giáo viên chủ nhiệm — Nguyễn Thị Lan, lớp 6A" in first.output
    codes = CODE.findall(first.output)
    assert len(codes) == 4

    second = runner.invoke(app, ["demo-data"])
    assert second.exit_code == 0, second.output
    assert "Đã có Trường THCS Hoa Sen" in second.output
    assert second.output.count("Không có gì thay đổi.") == 4
    assert "Đã huỷ 4 mã thử cũ chưa dùng" in second.output
    assert set(CODE.findall(second.output)).isdisjoint(codes)

    quiet = runner.invoke(app, ["demo-data", "--no-invites"])
    assert quiet.exit_code == 0 and not CODE.findall(quiet.output)
