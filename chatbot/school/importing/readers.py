"""Read CSV and XLSX files into rows of cell texts, each with the row number staff see.

CSV: UTF-8 (with or without BOM), UTF-16 (Excel's "Unicode text") or Windows-1258; comma,
semicolon or tab separated. XLSX: every worksheet, merged cells filled with their top-left
value. All text is NFC-normalised (Windows-1258 often spells tone marks as combining
characters); dates and times in Excel cells become "DD/MM/YYYY" and "HH:MM"; empty rows
are left out.
"""

from __future__ import annotations

import csv
import io
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from chatbot.school.importing.errors import FileUnreadable

EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
SUPPORTED_SUFFIXES = {".csv", *EXCEL_SUFFIXES}
_DELIMITERS = (",", ";", "\t")
_EXCEL_EPOCH_DAYS = {date(1899, 12, 30), date(1899, 12, 31), date(1900, 1, 1)}


@dataclass(frozen=True)
class Sheet:
    """One table of a file: ``rows`` holds (row number, cell texts) for non-empty rows."""

    name: str
    rows: list[tuple[int, list[str]]]


def read_sheets(path: Path) -> list[Sheet]:
    """The sheets of a CSV (one) or XLSX file; raises :class:`FileUnreadable`."""
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise FileUnreadable(
            f"{path.name}: định dạng Excel cũ (.xls) — hãy mở bằng Excel và lưu lại dạng .xlsx"
        )
    if suffix not in SUPPORTED_SUFFIXES:
        raise FileUnreadable(f"{path.name}: chỉ nhận tệp .csv hoặc .xlsx (tệp này là “{suffix}”)")
    if not path.exists():
        raise FileUnreadable(f"{path}: không tìm thấy tệp")
    if not path.is_file():
        raise FileUnreadable(f"{path}: không phải là tệp")
    return [_read_csv(path)] if suffix == ".csv" else _read_excel(path)


def cell_text(value: object) -> str:
    """The text of a cell value as staff would read it."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.date() in _EXCEL_EPOCH_DAYS:
            return value.strftime("%H:%M")
        if value.time() == time(0):
            return value.strftime("%d/%m/%Y")
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, timedelta):
        minutes = int(value.total_seconds() // 60)
        return f"{minutes // 60:02d}:{minutes % 60:02d}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = unicodedata.normalize("NFC", str(value)).replace("\xa0", " ")
    return text.strip()


def decode_text(data: bytes, name: str) -> str:
    """Decode CSV bytes: UTF-16 by its BOM, else UTF-8 (BOM optional), else Windows-1258."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1258")
    except UnicodeDecodeError as exc:
        raise FileUnreadable(
            f"{name}: không đọc được bảng mã của tệp — hãy lưu lại dạng “CSV UTF-8” hoặc .xlsx"
        ) from exc


def _delimiter(text: str) -> str:
    sample = text.splitlines()[:10]
    counts = {d: sum(line.count(d) for line in sample) for d in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _keep(number: int, cells: list[str]) -> tuple[int, list[str]] | None:
    while cells and not cells[-1]:
        cells.pop()
    return (number, cells) if cells else None


def _read_csv(path: Path) -> Sheet:
    text = decode_text(path.read_bytes(), path.name)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        rows = [_keep(n, [cell_text(c) for c in cells]) for n, cells in enumerate(reader, start=1)]
    except csv.Error as exc:
        raise FileUnreadable(f"{path.name}: tệp CSV hỏng ({exc})") from exc
    return Sheet(path.stem, [row for row in rows if row])


def _read_excel(path: Path) -> list[Sheet]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = load_workbook(path, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise FileUnreadable(f"{path.name}: không mở được tệp Excel ({type(exc).__name__})") from exc
    active = workbook.active
    ordered = [active, *(ws for ws in workbook.worksheets if ws is not active)]
    sheets = []
    for worksheet in ordered:
        if worksheet is None or not hasattr(worksheet, "merged_cells"):
            continue
        grid = [list(values) for values in worksheet.iter_rows(min_row=1, min_col=1, values_only=True)]
        blank = {n for n, values in enumerate(grid, start=1) if not any(cell_text(v) for v in values)}
        for merged in worksheet.merged_cells.ranges:
            top_left = grid[merged.min_row - 1][merged.min_col - 1]
            for r in range(merged.min_row - 1, min(merged.max_row, len(grid))):
                for c in range(merged.min_col - 1, min(merged.max_col, len(grid[r]))):
                    grid[r][c] = top_left
        rows = [
            _keep(n, [cell_text(v) for v in values])
            for n, values in enumerate(grid, start=1)
            if n not in blank  # a row that only a merged cell reaches is still empty
        ]
        sheets.append(Sheet(worksheet.title, [row for row in rows if row]))
    workbook.close()
    return sheets
