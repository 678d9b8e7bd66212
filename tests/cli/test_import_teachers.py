"""Teachers import: keyed by name, homeroom classes, every problem at once."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from chatbot.db.engine import session_scope
from chatbot.db.models import SchoolClass, StaffMember, StaffRole
from chatbot.school.importing import ImportFailed
from tests.cli.helpers import ROSTER_HEADER, TEACHERS_HEADER, run_import, write_csv

TEACHERS = [
    TEACHERS_HEADER,
    ["Nguyễn Thị Lan", "Giáo viên", "6A", "lan@truong.edu.vn"],
    ["Trần Văn Hùng", "GVBM", "6B", ""],
    ["Trịnh Văn Quang", "Cán bộ", "", ""],
]


@pytest.fixture
def classes(school_db: str, tmp_path: Path) -> None:
    rows = [ROSTER_HEADER, ["6A", "1", "Nguyễn Văn An", "", ""], ["6B", "1", "Trần Thị Anh", "", ""]]
    run_import("roster", write_csv(tmp_path / "ds.csv", rows))


def homerooms() -> dict[str, str | None]:
    with session_scope() as session:
        return {
            c.name: c.homeroom_teacher.full_name if c.homeroom_teacher else None
            for c in session.scalars(select(SchoolClass).order_by(SchoolClass.name))
        }


def test_import_then_move_homerooms(classes: None, tmp_path: Path) -> None:
    summary = run_import("teachers", write_csv(tmp_path / "gv.csv", TEACHERS))
    assert (summary.added, summary.updated, summary.unchanged) == (3, 0, 0)
    assert homerooms() == {"6A": "Nguyễn Thị Lan", "6B": "Trần Văn Hùng"}
    with session_scope() as session:
        roles = dict(session.execute(select(StaffMember.full_name, StaffMember.role)).all())
    assert roles["Trịnh Văn Quang"] is StaffRole.STAFF and roles["Trần Văn Hùng"] is StaffRole.TEACHER

    assert run_import("teachers", write_csv(tmp_path / "gv.csv", TEACHERS)).unchanged == 3

    swapped = [TEACHERS_HEADER, ["nguyễn thị  lan", "Giáo viên", "6B", "lan@truong.edu.vn"],
               ["Trần Văn Hùng", "Giáo viên", "", ""]]
    again = run_import("teachers", write_csv(tmp_path / "gv2.csv", swapped))
    assert (again.added, again.updated, again.unchanged) == (0, 2, 0)
    assert again.missing == ["Trịnh Văn Quang"]
    assert again.warnings == ["Lớp 6B: giáo viên chủ nhiệm đổi từ Trần Văn Hùng sang nguyễn thị lan"]
    assert homerooms() == {"6A": None, "6B": "nguyễn thị lan"}


def test_dry_run_leaves_homerooms_alone(classes: None, tmp_path: Path) -> None:
    run_import("teachers", write_csv(tmp_path / "gv.csv", TEACHERS))
    moved = [TEACHERS_HEADER, ["Nguyễn Thị Lan", "Giáo viên", "6B", ""], ["Trần Văn Hùng", "", "6A", ""]]
    preview = run_import("teachers", write_csv(tmp_path / "gv2.csv", moved), dry_run=True)
    assert preview.updated == 2 and len(preview.warnings) == 2
    assert homerooms() == {"6A": "Nguyễn Thị Lan", "6B": "Trần Văn Hùng"}


def test_all_problems_at_once(classes: None, tmp_path: Path) -> None:
    rows = [
        TEACHERS_HEADER,
        ["Nguyễn Thị Lan", "Giáo viên", "6A", "lan@"],  # row 2: bad email
        ["Lê Thị Hồng", "Bảo vệ", "6C", ""],  # row 3: unknown role, unknown class
        ["Phạm Thu Hà", "", "6a", ""],  # row 4: 6A twice
        ["NGUYỄN THỊ LAN", "Giáo viên", "", ""],  # row 5: same person twice
        ["", "Giáo viên", "", ""],  # row 6: no name
    ]
    with pytest.raises(ImportFailed) as failure:
        run_import("teachers", write_csv(tmp_path / "gv.csv", rows))
    assert [(p.row, p.column) for p in failure.value.problems] == [
        (2, "cột D (Email)"),
        (3, "cột B (Vai trò)"),
        (3, "cột C (Chủ nhiệm lớp)"),
        (4, "cột C (Chủ nhiệm lớp)"),
        (5, "cột A (Họ và tên)"),
        (6, "cột A (Họ và tên)"),
    ]
    messages = [p.message for p in failure.value.problems]
    assert "chatbot import roster" in messages[2]
    assert "dòng 2" in messages[3] and "dòng 2" in messages[4]
    with session_scope() as session:
        assert session.scalars(select(StaffMember)).first() is None


def test_columns_left_out_are_left_alone(classes: None, tmp_path: Path) -> None:
    run_import("teachers", write_csv(tmp_path / "gv.csv", TEACHERS))
    names_only = [["Họ và tên"], ["Trịnh Văn Quang"], ["Nguyễn Thị Lan"]]
    summary = run_import("teachers", write_csv(tmp_path / "gv2.csv", names_only))
    assert (summary.updated, summary.unchanged) == (0, 2)
    with session_scope() as session:
        quang = session.scalars(select(StaffMember).where(StaffMember.full_name == "Trịnh Văn Quang")).one()
        lan = session.scalars(select(StaffMember).where(StaffMember.full_name == "Nguyễn Thị Lan")).one()
        assert quang.role is StaffRole.STAFF and lan.email == "lan@truong.edu.vn"
    assert homerooms()["6A"] == "Nguyễn Thị Lan"
