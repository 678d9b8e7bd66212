"""Import a school's roster, staff, timetable and holidays from CSV or XLSX files.

:func:`import_file` reads the file, finds its header row, checks every row and reports all
problems at once (:class:`ImportFailed`, nothing written); otherwise it adds and updates
rows in the caller's session, which commits them as one transaction. In a dry run nothing
is written and the summary tells what would change.
"""

from __future__ import annotations

import dataclasses
import re
import tempfile
from pathlib import Path
from types import ModuleType

from sqlalchemy.orm import Session

from chatbot.db.models import School
from chatbot.school.importing import holidays, roster, teachers, timetable
from chatbot.school.importing.errors import FileUnreadable, ImportFailed, Problem
from chatbot.school.importing.headers import Row, Table, locate_table
from chatbot.school.importing.readers import read_sheets
from chatbot.school.importing.results import ImportSummary
from chatbot.school.importing.values import normalize_class_name

IMPORTERS: dict[str, ModuleType] = {
    "roster": roster,
    "teachers": teachers,
    "timetable": timetable,
    "holidays": holidays,
}
CLASS_OPTION_KINDS = {"roster", "timetable"}

KIND_LABELS = {kind: module.KIND for kind, module in IMPORTERS.items()}
_UNSAFE_NAME = re.compile(r"[^\w.\- ]+")

__all__ = [
    "IMPORTERS", "KIND_LABELS", "FileUnreadable", "ImportFailed", "ImportSummary", "Problem", "import_bytes",
    "import_file",
]


def import_file(
    session: Session,
    school: School,
    kind: str,
    path: Path,
    *,
    dry_run: bool = False,
    class_name: str | None = None,
) -> ImportSummary:
    """Import ``path`` as ``kind`` (a key of :data:`IMPORTERS`) into ``school``.

    ``class_name`` (roster and timetable only) fills the class of rows that leave it empty,
    so a per-class list without a "Lớp" column can be imported.
    """
    importer = IMPORTERS[kind]
    fields = importer.FIELDS
    if class_name is not None:
        if kind not in CLASS_OPTION_KINDS:
            raise ValueError(f"a class can only be given for {sorted(CLASS_OPTION_KINDS)}")
        class_name = normalize_class_name(class_name)
        fields = tuple(dataclasses.replace(f, required=False) if f.key == "class" else f for f in fields)
    table = locate_table(read_sheets(path), fields, path.name)
    if class_name is not None:
        table = _with_class(table, class_name)
    if not table.rows:
        message = "không có dòng dữ liệu nào dưới dòng tiêu đề"
        raise ImportFailed(table.source, [Problem(table.header_row, "", message)])
    return importer.import_table(session, school, table, dry_run=dry_run)


def _with_class(table: Table, class_name: str) -> Table:
    """Fill empty class cells with ``class_name``; a different class in a row is a problem."""
    problems = []
    rows = []
    for row in table.rows:
        written = row.get("class")
        try:
            same = not written or normalize_class_name(written) == class_name
        except ValueError:
            same = False
        if not same:
            problems.append(table.problem(row, "class", f"lớp “{written}” khác lớp {class_name} đã chọn"))
        rows.append(Row(row.number, {**row.cells, "class": class_name}))
    if problems:
        raise ImportFailed(table.source, problems)
    return dataclasses.replace(table, rows=rows)


def safe_filename(name: str) -> str:
    """The last part of an uploaded file's name, without characters a file system may refuse."""
    base = _UNSAFE_NAME.sub("_", Path(name.replace("\\", "/")).name).strip(" .")[-100:]
    return base or "tep"


def import_bytes(
    session: Session,
    school: School,
    kind: str,
    filename: str,
    content: bytes,
    *,
    dry_run: bool = False,
    class_name: str | None = None,
) -> ImportSummary:
    """Like :func:`import_file`, for a file's content (an upload); ``filename`` gives its type."""
    name = safe_filename(filename)
    if not content:
        raise FileUnreadable(f"{name}: tệp rỗng")
    with tempfile.TemporaryDirectory(prefix="import-") as folder:
        path = Path(folder) / name
        path.write_bytes(content)
        return import_file(session, school, kind, path, dry_run=dry_run, class_name=class_name)
