"""Roster import: classes on the fly, updates by class and roll number, all-or-nothing."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from chatbot.db.engine import session_scope
from chatbot.db.models import SchoolClass, Student
from chatbot.school.importing import ImportFailed
from tests.cli.helpers import ROSTER_HEADER, link_account, make_school, run_import, student, write_csv

ROSTER = [
    ROSTER_HEADER,
    ["6A", "1", "Nguyễn Văn An", "07/07/2015", "Nam"],
    ["6A", "2", "Trần Thị Anh", "23/09/2015", "Nữ"],
    ["10A1", "1", "Lê Minh Châu", "", ""],
]


def students() -> list[tuple[str, int, str, date | None, str | None]]:
    with session_scope() as session:
        rows = session.execute(
            select(SchoolClass.name, Student.roll_number, Student.full_name, Student.date_of_birth,
                   Student.gender)
            .join(Student.school_class)
            .order_by(SchoolClass.name, Student.roll_number)
        )
        return [tuple(r) for r in rows]


def test_first_import_creates_classes_with_their_grade(any_db: str, tmp_path: Path) -> None:
    with session_scope() as session:
        make_school(session)
    summary = run_import("roster", write_csv(tmp_path / "ds.csv", ROSTER))
    assert (summary.added, summary.updated, summary.unchanged) == (3, 0, 0)
    assert summary.new_classes == ["6A", "10A1"]
    with session_scope() as session:
        grades = dict(session.execute(select(SchoolClass.name, SchoolClass.grade)).all())
    assert grades == {"6A": 6, "10A1": 10}
    assert students()[1] == ("6A", 1, "Nguyễn Văn An", date(2015, 7, 7), "Nam")

    changed = [ROSTER_HEADER, ["6A", "1", "Nguyễn Văn Ân", "07/07/2015", "Nam"], ROSTER[3]]
    again = run_import("roster", write_csv(tmp_path / "ds2.csv", changed))
    assert (again.added, again.updated, again.unchanged) == (0, 1, 1)
    assert again.missing == ["Lớp 6A, STT 2: Trần Thị Anh"]  # reported, not deleted
    assert [s[2] for s in students()] == ["Lê Minh Châu", "Nguyễn Văn Ân", "Trần Thị Anh"]


def test_reimporting_the_same_file_changes_nothing(school_db: str, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "ds.csv", ROSTER)
    run_import("roster", path)
    before = students()
    summary = run_import("roster", path)
    assert (summary.added, summary.updated, summary.unchanged, summary.changed) == (0, 0, 3, False)
    assert students() == before


def test_dry_run_counts_without_writing(school_db: str, tmp_path: Path) -> None:
    run_import("roster", write_csv(tmp_path / "ds.csv", ROSTER[:2]))
    preview = run_import("roster", write_csv(tmp_path / "ds2.csv", ROSTER[:1] + ROSTER[2:]), dry_run=True)
    assert (preview.added, preview.updated, preview.unchanged) == (2, 0, 0)  # 6A/2 and 10A1/1
    assert preview.new_classes == ["10A1"]
    assert preview.missing == ["Lớp 6A, STT 1: Nguyễn Văn An"]
    assert [s[2] for s in students()] == ["Nguyễn Văn An"]


def test_every_problem_is_reported_and_nothing_is_imported(school_db: str, tmp_path: Path) -> None:
    rows = [
        ROSTER_HEADER,
        ["6A", "1", "Nguyễn Văn An", "07/07/2015", "Nam"],  # valid, yet not imported
        ["6A", "2", "", "23/09/2015", "Nữ"],  # row 3: no name
        ["6A", "3", "Phạm Bảo", "31/02/2015", "Nam"],  # row 4: bad date
        ["6A", "1", "Lê Chi", "", "x"],  # row 5: duplicate roll and bad gender
        ["Lớp chọn", "x", "Vũ Hà", "", ""],  # row 6: no grade, bad roll
    ]
    with pytest.raises(ImportFailed) as failure:
        run_import("roster", write_csv(tmp_path / "ds.csv", rows))
    found = [(p.row, p.column) for p in failure.value.problems]
    assert found == [
        (3, "cột C (Họ và tên)"),
        (4, "cột D (Ngày sinh)"),
        (5, "cột B (STT)"),
        (5, "cột E (Giới tính)"),
        (6, "cột A (Lớp)"),
        (6, "cột B (STT)"),
    ]
    assert "trùng với dòng 2" in failure.value.problems[2].message
    assert students() == []


def test_renaming_a_linked_student_is_flagged(school_db: str, tmp_path: Path) -> None:
    run_import("roster", write_csv(tmp_path / "ds.csv", ROSTER))
    with session_scope() as session:
        link_account(session, student(session, "6A", 2))
    shifted = [ROSTER_HEADER, ["6A", "1", "Trần Thị Anh", "", ""], ["6A", "2", "Hồ Văn Bình", "", ""]]
    summary = run_import("roster", write_csv(tmp_path / "ds2.csv", shifted))
    assert summary.updated == 2
    assert len(summary.warnings) == 1
    assert "STT 2" in summary.warnings[0] and "Hồ Văn Bình" in summary.warnings[0]


def test_a_class_list_without_class_column(school_db: str, tmp_path: Path) -> None:
    rows = [["STT", "Họ tên"], ["1", "Nguyễn Văn An"], ["2", "Trần Thị Anh"]]
    summary = run_import("roster", write_csv(tmp_path / "6a.csv", rows), class_name="6a")
    assert summary.added == 2 and summary.new_classes == ["6A"]
    with pytest.raises(ImportFailed) as failure:
        run_import("roster", write_csv(tmp_path / "ds.csv", ROSTER), class_name="6A")
    assert [(p.row, p.column) for p in failure.value.problems] == [(4, "cột A (Lớp)")]


def test_empty_file_under_the_header(school_db: str, tmp_path: Path) -> None:
    with pytest.raises(ImportFailed, match="1 lỗi") as failure:
        run_import("roster", write_csv(tmp_path / "ds.csv", [ROSTER_HEADER]))
    assert "không có dòng dữ liệu" in failure.value.problems[0].message
    with session_scope() as session:
        assert session.scalar(select(func.count(SchoolClass.id))) == 0
