"""Children's names in a message, kept apart from day words; past days in timetable questions."""

from __future__ import annotations

from datetime import date

import pytest

from chatbot.school.child_names import find_children, given_name
from chatbot.school.dates import DayKind, DayQuery, parse_day_query, query_text

KIDS = [(1, "Nguyễn Thị Mai"), (2, "Trần Văn An"), (3, "Nguyễn Minh Anh")]
WEDNESDAY = date(2026, 12, 2)


@pytest.mark.parametrize(
    ("text", "ids", "rest"),
    [
        ("lịch học của Mai", (1,), "lịch học của"),
        ("lich hoc cua mai", (1,), "lich hoc cua"),
        ("ngày mai Mai học gì", (1,), "ngày mai học gì"),
        ("sáng mai con học gì", (), "sáng mai con học gì"),
        ("lịch học ngày mai", (), "lịch học ngày mai"),
        ("bé An học mấy giờ", (2,), "bé học mấy giờ"),
        ("Minh Anh tuần trước học gì", (3,), "tuần trước học gì"),
        ("lịch của Nguyễn Thị Mai thứ 2", (1,), "lịch của thứ 2"),
        ("An và Mai hôm nay học gì", (1, 2), "và hôm nay học gì"),
    ],
)
def test_names_are_found_and_removed(text: str, ids: tuple[int, ...], rest: str) -> None:
    mention = find_children(text, KIDS)
    assert mention.student_ids == ids and mention.rest == rest


def test_a_name_that_is_also_a_day_word_needs_its_diacritics_or_no_day_word_before_it() -> None:
    assert find_children("thứ năm học gì", [(4, "Lê Văn Nam")]).student_ids == ()
    assert find_children("thứ năm Năm học gì", [(4, "Lê Văn Năm")]).student_ids == (4,)
    assert find_children("thứ năm học gì", [(4, "Lê Văn Năm")]).student_ids == ()


def test_given_names() -> None:
    assert [given_name(name) for _, name in KIDS] == ["Mai", "An", "Minh Anh"]
    assert given_name("Lê Thị Hoa") == "Hoa" and given_name("Hoa") == "Hoa"


@pytest.mark.parametrize(
    ("text", "kind", "day"),
    [
        ("thứ 2 tuần trước", DayKind.DAY, date(2026, 11, 23)),
        ("t6 tuan truoc", DayKind.DAY, date(2026, 11, 27)),
        ("chủ nhật tuần trước", DayKind.DAY, date(2026, 11, 29)),
        ("thứ 2 vừa rồi", DayKind.DAY, date(2026, 11, 30)),
        ("thứ 4 vừa qua", DayKind.DAY, date(2026, 11, 25)),
        ("hôm qua", DayKind.DAY, date(2026, 12, 1)),
        ("hôm kia", DayKind.DAY, date(2026, 11, 30)),
        ("tuần trước", DayKind.WEEK, date(2026, 11, 23)),
        ("tuần rồi học gì", DayKind.WEEK, date(2026, 11, 23)),
        ("thứ 2", DayKind.DAY, date(2026, 12, 7)),
        ("thứ 2 phải vào lớp trước mấy giờ", DayKind.DAY, date(2026, 12, 7)),
    ],
)
def test_past_day_words(text: str, kind: DayKind, day: date) -> None:
    assert parse_day_query(text, WEDNESDAY) == DayQuery(kind, day)


@pytest.mark.parametrize(
    "query",
    [
        DayQuery(DayKind.DAY, date(2026, 11, 23)),
        DayQuery(DayKind.WEEK, date(2026, 11, 30)),
        DayQuery(DayKind.NEXT),
    ],
)
def test_a_query_written_for_a_button_reads_back_the_same_on_a_later_day(query: DayQuery) -> None:
    assert parse_day_query(query_text(query), date(2027, 1, 15)) == query
