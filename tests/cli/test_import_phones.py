"""Parents' phone numbers on the class list (issue 13): normalised, validated, several per
student, and a malformed one names its row and column."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from chatbot.db.engine import session_scope
from chatbot.db.models import ParentPhone, Student
from chatbot.school.importing import ImportFailed
from chatbot.school.phones import masked, normalise_phone, split_phones
from tests.cli.helpers import ROSTER_HEADER, make_school, run_import, write_csv

HEADER = [*ROSTER_HEADER, "SĐT phụ huynh", "SĐT mẹ"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0912 345 678", "+84912345678"),
        ("(+84) 912.345.678", "+84912345678"),
        ("84-912-345-678", "+84912345678"),
        ("912345678", "+84912345678"),  # a spreadsheet dropped the leading 0
        ("0387654321", "+84387654321"),
    ],
)
def test_numbers_are_normalised(raw: str, expected: str) -> None:
    assert normalise_phone(raw) == expected


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("0212345678", "đầu số di động"),  # a landline prefix
        ("091234567", "10 chữ số"),
        ("+1 415 555 0100", r"\(\+84\)"),
        ("09123abc78", "chữ số"),
        ("0912345678901234567890123456789012345678901", "quá dài"),
    ],
)
def test_bad_numbers_are_refused_with_the_reason(raw: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        normalise_phone(raw)


def test_several_numbers_in_a_cell() -> None:
    assert split_phones("0912345678; 0987654321 / 0912345678") == ["+84912345678", "+84987654321"]
    assert masked("+84912345678") == "091****678"


def phones() -> dict[int, list[str]]:
    with session_scope() as session:
        rows = session.execute(
            select(Student.roll_number, ParentPhone.phone)
            .join(ParentPhone, ParentPhone.student_id == Student.id)
            .order_by(Student.roll_number, ParentPhone.position)
        ).all()
    found: dict[int, list[str]] = {}
    for roll, phone in rows:
        found.setdefault(roll, []).append(phone)
    return found


def test_roster_with_phone_columns(any_db: str, tmp_path: Path) -> None:
    with session_scope() as session:
        make_school(session)
    rows = [
        HEADER,
        ["6A", "1", "Nguyễn Văn An", "", "", "0912 345 678, 0987654321", ""],
        ["6A", "2", "Trần Thị Anh", "", "", "", "0388 111 222"],
        ["6A", "3", "Lê Minh Châu", "", "", "", ""],
    ]
    summary = run_import("roster", write_csv(tmp_path / "ds.csv", rows))
    assert summary.phones_added == 3
    assert phones() == {1: ["+84912345678", "+84987654321"], 2: ["+84388111222"]}

    with session_scope() as session:  # a family's "no ZNS" survives a re-import
        kept = session.execute(select(ParentPhone).where(ParentPhone.phone == "+84912345678")).scalar_one()
        kept.zns_opt_out_at = kept.created_at
    rows[1][5] = "0912345678"
    again = run_import("roster", write_csv(tmp_path / "ds2.csv", rows))
    assert (again.phones_added, again.phones_removed) == (0, 1)
    with session_scope() as session:
        kept = session.execute(select(ParentPhone).where(ParentPhone.phone == "+84912345678")).scalar_one()
        assert kept.zns_opt_out_at is not None


def test_a_malformed_number_names_its_row_and_column(any_db: str, tmp_path: Path) -> None:
    with session_scope() as session:
        make_school(session)
    rows = [
        HEADER,
        ["6A", "1", "Nguyễn Văn An", "", "", "0912345678", ""],
        ["6A", "2", "Trần Thị Anh", "", "", "", "0212 345 678"],
    ]
    with pytest.raises(ImportFailed) as failed:
        run_import("roster", write_csv(tmp_path / "ds.csv", rows))
    (problem,) = failed.value.problems
    assert problem.row == 3 and "G" in problem.column and "SĐT mẹ" in problem.column
    assert "đầu số di động" in problem.message
    assert phones() == {}  # all or nothing
