"""Write tables to XLSX sheets and CSV files the way staff expect to open them."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

Cell = str | int | float | None
MAX_WIDTH = 60


def fill_sheet(
    sheet: Worksheet,
    headers: Sequence[str],
    rows: Sequence[Sequence[Cell]],
    *,
    percent_columns: Sequence[int] = (),
) -> None:
    """Bold headers, frozen header row, widths that fit, wrapped long text, 0.0% formats."""
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        sheet.append(list(row))
    sheet.freeze_panes = "A2"
    for index, header in enumerate(headers, start=1):
        column = sheet.cell(row=1, column=index).column_letter
        longest = max([len(str(header))] + [len(str(r[index - 1] or "")) for r in rows])
        sheet.column_dimensions[column].width = min(MAX_WIDTH, longest + 2)
        for cell in sheet[column][1:]:
            if index - 1 in percent_columns:
                cell.number_format = "0.0%"
            if longest > MAX_WIDTH:
                cell.alignment = Alignment(wrap_text=True, vertical="top")


def write_csv(path: Path, headers: Sequence[str], rows: Sequence[Sequence[Cell]]) -> None:
    """UTF-8 with BOM, so Excel shows Vietnamese text correctly."""
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(headers)
        writer.writerows(rows)
