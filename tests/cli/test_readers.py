"""Reading files as schools produce them: encodings, separators, titles, merged cells."""

from __future__ import annotations

import unicodedata
from datetime import datetime, time
from pathlib import Path

import pytest
from openpyxl import Workbook

from chatbot.school.importing import roster
from chatbot.school.importing.errors import FileUnreadable, ImportFailed
from chatbot.school.importing.headers import locate_table, normalize_header
from chatbot.school.importing.readers import read_sheets
from tests.cli.helpers import ROSTER_HEADER, write_csv, write_xlsx

ROWS = [ROSTER_HEADER, ["6A", "1", "Nguyễn Thị Ánh Tuyết", "07/07/2015", "Nữ"],
        ["6A", "2", "Trần Quốc Hưng", "23/09/2015", "Nam"]]
TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def windows_1258(text: str) -> bytes:
    """Encode as Windows-1258 does: base letters precomposed, tone marks combining."""
    out = []
    for char in text:
        parts = unicodedata.normalize("NFD", char)
        base = unicodedata.normalize("NFC", "".join(p for p in parts if p not in TONES))
        out.append(base + "".join(p for p in parts if p in TONES))
    return "".join(out).encode("cp1258")


def roster_table(path: Path):
    return locate_table(read_sheets(path), roster.FIELDS, path.name)


def names(path: Path) -> list[str]:
    return [row.get("name") for row in roster_table(path).rows]


def test_utf8_with_bom(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "ds.csv", ROWS, encoding="utf-8-sig")
    table = roster_table(path)
    assert table.columns["class"] == (0, "Lớp")
    assert names(path) == ["Nguyễn Thị Ánh Tuyết", "Trần Quốc Hưng"]


def test_windows_1258_with_combining_tone_marks_becomes_nfc(tmp_path: Path) -> None:
    text = "\n".join(",".join(row) for row in ROWS)
    path = tmp_path / "ds.csv"
    path.write_bytes(windows_1258(text))
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    assert names(path) == ["Nguyễn Thị Ánh Tuyết", "Trần Quốc Hưng"]
    assert all(unicodedata.is_normalized("NFC", n) for n in names(path))


def test_utf16_and_semicolons_as_excel_writes_them(tmp_path: Path) -> None:
    path = tmp_path / "ds.csv"
    path.write_bytes("\n".join(";".join(row) for row in ROWS).encode("utf-16"))
    assert names(path) == ["Nguyễn Thị Ánh Tuyết", "Trần Quốc Hưng"]


def test_semicolon_separated_utf8(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "ds.csv", ROWS, delimiter=";")
    assert roster_table(path).rows[1].get("birth") == "23/09/2015"


def test_undecodable_bytes_give_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "ds.csv"
    path.write_bytes(b"L\x81p,STT\n")
    with pytest.raises(FileUnreadable, match="CSV UTF-8"):
        read_sheets(path)


def test_title_rows_merged_cells_empty_rows_and_excel_types(tmp_path: Path) -> None:
    rows = [
        ["DANH SÁCH HỌC SINH LỚP 6A"],
        ["Năm học 2026 - 2027"],
        [],
        ["Lớp", "Số TT", "HỌ VÀ TÊN (*)", "Ngày sinh (dd/mm/yyyy)", "GT"],
        ["6A", 1, "Nguyễn Văn An", datetime(2015, 7, 7), "Nam"],
        [None, 2.0, "Trần Thị Anh", datetime(2015, 9, 23), "Nữ"],
        [],
        [None, 3, "Phạm Anh Bảo", "10/10/2015", "Nam"],
        [None, None, None, None, None, "Người lập biểu"],
    ]
    path = write_xlsx(tmp_path / "ds.xlsx", rows, merges=["A1:E1", "A5:A8"])
    table = roster_table(path)
    assert table.header_row == 4
    assert [(r.number, r.get("class"), r.get("roll"), r.get("birth")) for r in table.rows] == [
        (5, "6A", "1", "07/07/2015"), (6, "6A", "2", "23/09/2015"), (8, "6A", "3", "10/10/2015"),
    ]


def test_excel_times_read_as_hours_and_minutes(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "t.xlsx", [["Giờ"], [time(7, 30)], [datetime(1899, 12, 30, 8, 15)]])
    assert [cells for _, cells in read_sheets(path)[0].rows] == [["Giờ"], ["07:30"], ["08:15"]]


def test_data_on_a_later_sheet_is_found(tmp_path: Path) -> None:
    workbook = Workbook()
    workbook.active.title = "Hướng dẫn"
    workbook.active.append(["Điền danh sách ở trang sau"])
    sheet = workbook.create_sheet("Danh sách")
    for row in ROWS:
        sheet.append(row)
    workbook.save(tmp_path / "ds.xlsx")
    table = roster_table(tmp_path / "ds.xlsx")
    assert "Danh sách" in table.source and len(table.rows) == 2


def test_repeated_header_rows_are_skipped(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "ds.csv", [ROWS[0], ROWS[1], ROWS[0], ROWS[2]])
    assert names(path) == ["Nguyễn Thị Ánh Tuyết", "Trần Quốc Hưng"]


def test_wrong_headers_name_the_missing_columns(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "ds.csv", [["Class name", "Number", "Student"], ["6A", "1", "An"]])
    with pytest.raises(ImportFailed) as failure:
        roster_table(path)
    message = str(failure.value.problems[0])
    assert "không tìm thấy dòng tiêu đề" in message
    assert "“STT”" in message and "“Họ và tên”" in message


def test_two_columns_for_one_field_are_a_problem(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "ds.csv", [["Lớp", "STT", "Họ tên", "Họ và tên"], ["6A", "1", "An", "An"]])
    with pytest.raises(ImportFailed) as failure:
        roster_table(path)
    assert "cột C và cột D" in str(failure.value.problems[0])


def test_header_normalisation() -> None:
    assert normalize_header("  Họ và tên (*) ") == "ho va ten"
    assert normalize_header("SỐ TT") == "so tt"
    assert normalize_header("Nam/Nữ") == "nam nu"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("ds.xls", b"old", "xlsx"),
        ("ds.pdf", b"x", ".csv hoặc .xlsx"),
        ("ds.xlsx", b"not a zip file", "không mở được"),
    ],
)
def test_unreadable_files(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(FileUnreadable, match=message):
        read_sheets(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileUnreadable, match="không tìm thấy tệp"):
        read_sheets(tmp_path / "none.csv")
