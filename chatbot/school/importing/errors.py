"""Problems found in an import file, each naming its row and column."""

from __future__ import annotations

from dataclasses import dataclass


class FileUnreadable(ValueError):
    """The file cannot be imported at all (missing, wrong type, unreadable); one-line message."""


@dataclass(frozen=True, order=True)
class Problem:
    """One problem in an import file; ``row`` is the row number a spreadsheet program shows."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"Dòng {self.row}" if self.row else "Tệp"
        if self.column:
            where += f", {self.column}"
        return f"{where}: {self.message}"


class ImportFailed(ValueError):
    """The file has problems; nothing was imported. ``problems`` lists all of them."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = sorted(problems)
        super().__init__(f"{source}: {len(self.problems)} lỗi, không nhập gì")
