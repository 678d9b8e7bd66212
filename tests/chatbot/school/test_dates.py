"""Vietnamese day and time expressions, with and without diacritics."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from chatbot.school.dates import (
    DayKind,
    DayQuery,
    WhenProblem,
    fold,
    impossible_date,
    parse_day_query,
    parse_when,
)
from chatbot.settings import TIMEZONE

WEDNESDAY = date(2026, 12, 2)
NOW = datetime(2026, 12, 2, 10, 0, tzinfo=TIMEZONE)


def _day(offset: int) -> DayQuery:
    return DayQuery(DayKind.DAY, WEDNESDAY + timedelta(days=offset))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hôm nay con học gì", _day(0)),
        ("hnay hc j", _day(0)),
        ("hom nay co hoc khong", _day(0)),
        ("mai học mấy giờ", _day(1)),
        ("ngay mai co tiet toan khong", _day(1)),
        ("ngày kia", _day(2)),
        ("thứ 2", _day(5)),
        ("thứ hai học gì", _day(5)),
        ("thu hai", _day(5)),
        ("t2 học gì", _day(5)),
        ("T7 co hoc khong", _day(3)),
        ("tkb t5 ntn", _day(1)),
        ("thứ tư", _day(0)),
        ("thứ 2 tuần này", _day(-2)),
        ("thứ 6 tuần sau", _day(9)),
        ("chủ nhật", _day(4)),
        ("lich hoc chu nhat", _day(4)),
        ("cn", _day(4)),
        ("tuần này", DayQuery(DayKind.WEEK, date(2026, 11, 30))),
        ("tkb tuan sau", DayQuery(DayKind.WEEK, date(2026, 12, 7))),
        ("tiết tiếp theo con học gì, mấy giờ", DayQuery(DayKind.NEXT)),
        ("tiet sau la mon gi", DayQuery(DayKind.NEXT)),
        ("bây giờ là tiết gì", DayQuery(DayKind.NEXT)),
        ("lịch ngày 4/12", DayQuery(DayKind.DAY, date(2026, 12, 4))),
        # a range of periods is not a day and month
        ("tiết 3-4 học môn gì", None),
        ("tiet 3/4 mai hoc gi", _day(1)),
        ("hôm nay tiết 1 - 2 là môn gì", _day(0)),
        ("tiết 2 ngày 5/12", DayQuery(DayKind.DAY, date(2026, 12, 5))),
        ("thời khóa biểu của con", None),
        ("số thứ tự của con", None),
        ("32/13", None),
    ],
)
def test_parse_day_query(text: str, expected: DayQuery | None) -> None:
    assert parse_day_query(text, WEDNESDAY) == expected


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=TIMEZONE)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("vừa xong", NOW),
        ("vua nay", NOW),
        ("10 phút trước", _at(2, 9, 50)),
        ("2 tiếng trước", _at(2, 8)),
        ("sáng nay", _at(2, 8)),
        ("lúc 7:45", _at(2, 7, 45)),
        ("9 giờ rưỡi", _at(2, 9, 30)),
        ("hôm qua 8h", _at(1, 8)),
        ("hom qua 8h30", _at(1, 8, 30)),
        ("tối qua", _at(1, 20)),
        ("toi qua luc 9h", _at(1, 21)),
        ("hôm kia", _at(30, 12).replace(month=11)),
        ("thứ 2 lúc 14h", _at(30, 14).replace(month=11)),
        ("1/12 lúc 3h chiều", _at(1, 15)),
        ("tôi thấy lúc 9h", _at(2, 9)),
    ],
)
def test_parse_when(text: str, expected: datetime) -> None:
    assert parse_when(text, NOW).at == expected


def test_part_of_day_said_early_means_earlier_that_morning() -> None:
    early = datetime(2026, 12, 2, 7, 0, tzinfo=TIMEZONE)
    when = parse_when("sáng nay", early)
    assert when.at == early and when.label == "buổi sáng ngày 02/12/2026"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("abc xyz", WhenProblem.UNRECOGNIZED),
        ("", WhenProblem.UNRECOGNIZED),
        ("hôm qua 25h", WhenProblem.INVALID),
        ("8h75", WhenProblem.INVALID),
        ("32/13", WhenProblem.INVALID),
        ("30/02", WhenProblem.INVALID),
        ("mai", WhenProblem.FUTURE),
        ("tối nay", WhenProblem.FUTURE),
        ("20h", WhenProblem.FUTURE),
        ("5/12/2026", WhenProblem.FUTURE),
        ("1/1/2020", WhenProblem.INVALID),
    ],
)
def test_parse_when_problems(text: str, problem: WhenProblem) -> None:
    assert parse_when(text, NOW) is problem


def test_fold() -> None:
    assert fold("Thứ Hai, ĐÃ học!") == "thu hai da hoc"
    assert fold("t2 8h30") == "t 2 8 h 30"


@pytest.mark.parametrize(("text", "impossible"), [
    ("lịch học ngày 31/2", True), ("ngay 12/13", True), ("30/11", False), ("thứ 2", False),
    ("hôm nay", False), ("lich hoc 29/2/2028", False), ("tiết 3-4 hôm nay", False),
])
def test_an_impossible_date_is_told_apart(text: str, impossible: bool) -> None:
    assert impossible_date(text, date(2026, 12, 2)) is impossible
