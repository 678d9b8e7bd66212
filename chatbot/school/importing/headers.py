"""Find the header row of a sheet and map its columns to fields, forgiving about spelling.

Headers match whatever their case, diacritics, spacing and punctuation, and notes in
parentheses are ignored: "HỌ VÀ TÊN", "Ho va ten" and "Họ và tên (*)" are the same column.
The header row is looked for in the first rows, so a title above it does no harm.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from openpyxl.utils import get_column_letter

from chatbot.nlu.text import strip_diacritics
from chatbot.school.importing.errors import ImportFailed, Problem
from chatbot.school.importing.readers import Sheet

HEADER_SEARCH_ROWS = 10
T = TypeVar("T")


def normalize_header(text: str) -> str:
    """ "Họ và tên (*)" → "ho va ten"."""
    text = re.sub(r"\([^)]*\)", " ", text)
    text = re.sub(r"[^a-z0-9]+", " ", strip_diacritics(text).lower())
    return text.strip()


@dataclass(frozen=True)
class Field:
    """A column an importer reads: ``label`` is the header in our templates."""

    key: str
    label: str
    synonyms: tuple[str, ...] = ()
    required: bool = True
    names: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        names = frozenset(normalize_header(s) for s in (self.label, *self.synonyms))
        object.__setattr__(self, "names", names)


@dataclass(frozen=True)
class Row:
    number: int
    cells: Mapping[str, str]

    def get(self, key: str) -> str:
        return self.cells.get(key, "")


@dataclass(frozen=True)
class Table:
    """The data rows of a file under its header row, keyed by field."""

    source: str
    header_row: int
    columns: Mapping[str, tuple[int, str]]  # field key → (0-based column, header as written)
    rows: list[Row]
    labels: Mapping[str, str]

    def has(self, key: str) -> bool:
        return key in self.columns

    def changes(
        self, current: object, wanted: Mapping[str, object], optional: Mapping[str, str]
    ) -> dict[str, object]:
        """The attributes of ``current`` that differ from ``wanted``, with their wanted values.

        An attribute in ``optional`` (attribute → field key) counts only when its column is in
        the file: an absent column leaves the stored value alone.
        """
        return {
            attribute: value
            for attribute, value in wanted.items()
            if (attribute not in optional or self.has(optional[attribute]))
            and getattr(current, attribute) != value
        }

    def where(self, key: str) -> str:
        if key not in self.columns:
            return f"cột “{self.labels[key]}”"
        index, header = self.columns[key]
        return f"cột {get_column_letter(index + 1)} ({header})"

    def problem(self, row: Row | int, key: str, message: str) -> Problem:
        number = row.number if isinstance(row, Row) else row
        return Problem(number, self.where(key), message)

    def value(
        self,
        row: Row,
        key: str,
        parse: Callable[[str], T],
        problems: list[Problem],
        *,
        required: bool = False,
    ) -> T | None:
        """The parsed cell, or None (a problem is recorded if it is required or malformed)."""
        raw = row.get(key)
        if not raw:
            if required:
                problems.append(self.problem(row, key, f"thiếu {self.labels[key]}"))
            return None
        try:
            return parse(raw)
        except ValueError as exc:
            problems.append(self.problem(row, key, str(exc)))
            return None


def _match_row(cells: Sequence[str], fields: Sequence[Field]) -> tuple[dict[str, int], list[str]]:
    mapping: dict[str, int] = {}
    clashes: list[str] = []
    for index, text in enumerate(cells):
        name = normalize_header(text)
        for candidate in fields:
            if name and name in candidate.names:
                if candidate.key in mapping:
                    first = get_column_letter(mapping[candidate.key] + 1)
                    clashes.append(
                        f"hai cột cùng là “{candidate.label}” "
                        f"(cột {first} và cột {get_column_letter(index + 1)})"
                    )
                else:
                    mapping[candidate.key] = index
                break
    return mapping, clashes


def _is_repeated_header(cells: Sequence[str], header: Sequence[str]) -> bool:
    filled = [(i, c) for i, c in enumerate(cells) if c]
    return all(i < len(header) and normalize_header(c) == normalize_header(header[i]) for i, c in filled)


def locate_table(sheets: Sequence[Sheet], fields: Sequence[Field], source: str) -> Table:
    """The first sheet whose header row (within the first rows) has every required field."""
    required = [f for f in fields if f.required]
    best: tuple[Sheet, int, dict[str, int]] | None = None  # the row closest to a header
    for sheet in sheets:
        for position, (number, cells) in enumerate(sheet.rows[:HEADER_SEARCH_ROWS]):
            mapping, clashes = _match_row(cells, fields)
            if all(f.key in mapping for f in required):
                return _build(sheet, position, mapping, clashes, fields, source, len(sheets) > 1)
            if best is None or len(mapping) > len(best[2]):
                best = (sheet, number, mapping)
    labels = ", ".join(f"“{f.label}”" for f in fields if f.required)
    if best is None:
        raise ImportFailed(source, [Problem(0, "", f"tệp trống; cần một dòng tiêu đề có các cột {labels}")])
    sheet, number, mapping = best
    missing = ", ".join(f"“{f.label}”" for f in required if f.key not in mapping)
    where = f"trang “{sheet.name}”, " if len(sheets) > 1 else ""
    message = (
        f"không tìm thấy dòng tiêu đề trong {HEADER_SEARCH_ROWS} dòng đầu ({where}dòng gần nhất là "
        f"dòng {number}, thiếu cột {missing}); cần các cột {labels}"
    )
    raise ImportFailed(source, [Problem(0, "", message)])


def _build(
    sheet: Sheet,
    position: int,
    mapping: dict[str, int],
    clashes: list[str],
    fields: Sequence[Field],
    source: str,
    several_sheets: bool,
) -> Table:
    header_number, header = sheet.rows[position]
    if clashes:
        raise ImportFailed(source, [Problem(header_number, "", clash) for clash in clashes])
    rows = []
    for number, cells in sheet.rows[position + 1:]:
        if _is_repeated_header(cells, header):
            continue
        values = {key: cells[index] if index < len(cells) else "" for key, index in mapping.items()}
        if any(values.values()):
            rows.append(Row(number, values))
    label = f"{source} (trang “{sheet.name}”)" if several_sheets else source
    return Table(
        source=label,
        header_row=header_number,
        columns={key: (index, header[index]) for key, index in mapping.items()},
        rows=rows,
        labels={f.key: f.label for f in fields},
    )
