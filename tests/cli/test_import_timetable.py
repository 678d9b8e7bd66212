"""Timetable import: weekday/start keys, the file replaces the classes it names, secrets stay out."""

from __future__ import annotations

import csv
from datetime import time
from pathlib import Path

import pytest
from sqlalchemy import select

from chatbot.db.engine import session_scope
from chatbot.db.models import SchoolClass, TimetableEntry
from chatbot.school.demo import DEMO_DIR, load_demo
from chatbot.school.importing import ImportFailed
from tests.cli.helpers import TIMETABLE_HEADER, run_import, write_csv


def demo_rows(class_name: str) -> list[list[str]]:
    with (DEMO_DIR / "timetable.csv").open(encoding="utf-8") as handle:
        return [row for row in csv.reader(handle) if row[0] == class_name]


def entries(class_name: str) -> list[tuple[int, time, str, str | None]]:
    with session_scope() as session:
        rows = session.execute(
            select(TimetableEntry.weekday, TimetableEntry.starts_at, TimetableEntry.subject,
                   TimetableEntry.meeting_password)
            .join(SchoolClass)
            .where(SchoolClass.name == class_name)
            .order_by(TimetableEntry.weekday, TimetableEntry.starts_at)
        )
        return [tuple(r) for r in rows]


def test_reimport_of_one_class_updates_adds_and_removes(any_db: str, tmp_path: Path) -> None:
    with session_scope() as session:
        load_demo(session, with_invites=False)
    before_6b = entries("6B")
    rows = demo_rows("6A")
    rows[0][5] = "Tin học"  # Monday 07:30: another subject
    rows[0][6] = "Phan Đức Long"
    dropped = rows.pop(1)  # Monday 08:25 is gone
    rows.append(["6A", "Thứ Bảy", "1", "7h30", "8h15", "Toán", "Nguyễn Thị Lan", "Zoom", "", "", ""])
    summary = run_import("timetable", write_csv(tmp_path / "tkb.csv", [TIMETABLE_HEADER, *rows]),
                         school_code="THCS-HOASEN")
    assert (summary.added, summary.updated, summary.unchanged, summary.removed) == (1, 1, 13, 1)
    assert summary.removed_items == [f"Lớp 6A, Thứ Hai 08:25: {dropped[5]}"]
    after = entries("6A")
    assert after[0][2] == "Tin học" and after[-1][:3] == (5, time(7, 30), "Toán")
    assert len(after) == 15
    assert entries("6B") == before_6b  # classes not in the file are untouched


def test_every_problem_with_row_and_column(demo_db: str, tmp_path: Path) -> None:
    good = ["6A", "Thứ Hai", "1", "07:30", "08:15", "Toán", "Nguyễn Thị Lan", "Zoom", "1", "", "Pa55word!"]
    rows = [
        TIMETABLE_HEADER,
        good,
        ["6C", "Thứ Hai", "1", "07:30", "08:15", "Toán", "", "", "", "", "Pa55word!"],  # 3: unknown class
        ["6A", "Thứ Tám", "2", "08:25", "09:10", "Văn", "", "", "", "", ""],  # 4: bad weekday
        ["6A", "T3", "1", "25:00", "08:15", "Văn", "", "", "", "", ""],  # 5: bad start
        ["6A", "T3", "2", "09:10", "08:25", "Văn", "", "", "", "", ""],  # 6: ends before start
        ["6A", "T2", "1", "07:30", "08:15", "Sử", "", "", "", "", ""],  # 7: same start as row 2
        ["6A", "T2", "2", "08:00", "08:45", "Địa", "", "", "", "", ""],  # 8: overlaps row 7
        ["6A", "T4", "1", "07:30", "08:15", "Toán", "Nguyen Thi Lan", "", "", "", ""],  # 9: teacher
        ["6A", "T5", "1", "07:30", "08:15", "", "", "", "", "zoom", ""],  # 10: no subject, bad link
    ]
    with pytest.raises(ImportFailed) as failure:
        run_import("timetable", write_csv(tmp_path / "tkb.csv", rows), school_code="THCS-HOASEN")
    problems = failure.value.problems
    assert [(p.row, p.column) for p in problems] == [
        (3, "cột A (Lớp)"),
        (4, "cột B (Thứ)"),
        (5, "cột D (Giờ bắt đầu)"),
        (6, "cột E (Giờ kết thúc)"),
        (7, "cột D (Giờ bắt đầu)"),
        (8, "cột D (Giờ bắt đầu)"),
        (9, "cột G (Giáo viên)"),
        (10, "cột F (Môn)"),
        (10, "cột J (Link)"),
    ]
    assert "gần giống: “Nguyễn Thị Lan”" in problems[6].message
    assert "dòng 2" in problems[4].message and "tiết Sử ở dòng 7" in problems[5].message
    assert not any("Pa55word" in str(p) for p in problems)
    assert len(entries("6A")) == 15  # nothing changed


def test_timetable_needs_classes_and_teachers_first(school_db: str, tmp_path: Path) -> None:
    rows = [TIMETABLE_HEADER, ["6A", "T2", "1", "07:30", "08:15", "Toán", "Lan", "", "", "", ""]]
    with pytest.raises(ImportFailed, match="1 lỗi") as failure:
        run_import("timetable", write_csv(tmp_path / "tkb.csv", rows))
    assert "chatbot import roster" in failure.value.problems[0].message


def test_columns_left_out_keep_their_values(demo_db: str, tmp_path: Path) -> None:
    rows = [["Lớp", "Thứ", "Giờ bắt đầu", "Giờ kết thúc", "Môn"]] + [
        [r[0], r[1], r[3], r[4], r[5]] for r in demo_rows("6A")
    ]
    before = entries("6A")
    summary = run_import("timetable", write_csv(tmp_path / "tkb.csv", rows), school_code="THCS-HOASEN")
    assert (summary.unchanged, summary.updated) == (15, 0)
    assert entries("6A") == before and before[0][3]  # the password is still there
