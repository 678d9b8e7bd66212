"""Holidays import: single days and ranges, updates by date, every problem at once."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from chatbot.db.engine import session_scope
from chatbot.db.models import Holiday
from chatbot.school.importing import ImportFailed
from tests.cli.helpers import run_import, write_csv, write_xlsx


def holidays() -> dict[date, str]:
    with session_scope() as session:
        return dict(session.execute(select(Holiday.day, Holiday.name)).all())


def test_days_and_ranges_from_excel(school_db: str, tmp_path: Path) -> None:
    rows = [["Ngày nghỉ", "Đến ngày", "Lý do"],
            [datetime(2027, 1, 1), None, "Tết Dương lịch"],
            ["04/02/2027", "06/02/2027", "Nghỉ Tết Nguyên đán"]]
    summary = run_import("holidays", write_xlsx(tmp_path / "nghi.xlsx", rows))
    assert summary.added == 4
    assert holidays() == {date(2027, 1, 1): "Tết Dương lịch", date(2027, 2, 4): "Nghỉ Tết Nguyên đán",
                          date(2027, 2, 5): "Nghỉ Tết Nguyên đán", date(2027, 2, 6): "Nghỉ Tết Nguyên đán"}
    again = run_import("holidays", write_csv(tmp_path / "nghi.csv", [["Ngày", "Tên"], ["2027-01-01", "Tết"]]))
    assert (again.added, again.updated, again.unchanged) == (0, 1, 0)
    assert again.missing == ["04/02/2027: Nghỉ Tết Nguyên đán", "05/02/2027: Nghỉ Tết Nguyên đán",
                             "06/02/2027: Nghỉ Tết Nguyên đán"]
    assert holidays()[date(2027, 1, 1)] == "Tết"


def test_holiday_problems(school_db: str, tmp_path: Path) -> None:
    rows = [["Ngày", "Đến ngày", "Tên"],
            ["30/04/2027", "01/05/2027", "Giải phóng miền Nam, Quốc tế Lao động"],
            ["01/05/2027", "", "Quốc tế Lao động"],  # row 3: already in row 2's range
            ["10/05/2027", "09/05/2027", "Nghỉ"],  # row 4: ends before it starts
            ["hôm nay", "", ""]]  # row 5: bad date, no name
    with pytest.raises(ImportFailed) as failure:
        run_import("holidays", write_csv(tmp_path / "nghi.csv", rows))
    assert [(p.row, p.column) for p in failure.value.problems] == [
        (3, "cột A (Ngày)"), (4, "cột B (Đến ngày)"), (5, "cột A (Ngày)"), (5, "cột C (Tên)"),
    ]
    assert holidays() == {}
