"""Lessons by day, week and next, holidays, and meeting details only for linked accounts."""

from __future__ import annotations

from datetime import date, timedelta

from chatbot.db.engine import session_scope
from chatbot.db.models import Role
from chatbot.school import accounts, timetable
from chatbot.school.accounts import AccountView
from tests.chatbot.school.sample import HOLIDAY, NOW, SECRET_6A, Sample, link

WEDNESDAY = NOW.date()


def _parent_of_minh_anh(session, school: Sample) -> AccountView:  # noqa: ANN001
    return link(session, ("telegram", "1"), Role.PARENT, student_id=school.minh_anh).view


def test_a_linked_account_gets_the_meeting_details_and_others_do_not(school: Sample) -> None:
    with session_scope() as session:
        parent = _parent_of_minh_anh(session, school)
        stranger = accounts.load_account(session, "telegram", "999")
        mine = timetable.schedule(session, parent, school.class_6a, WEDNESDAY)[0]
        theirs = timetable.schedule(session, stranger, school.class_6a, WEDNESDAY)[0]
        other_class = timetable.schedule(session, parent, school.class_7b, WEDNESDAY)[0]
    assert [lesson.subject for lesson in mine.lessons] == ["Ngữ văn", "Toán"]
    assert mine.lessons[0].meeting.password == SECRET_6A and mine.lessons[0].teacher_name == "Lê Thị Hồng"
    assert SECRET_6A not in repr(mine)
    assert [lesson.meeting for lesson in theirs.lessons] == [None, None]
    assert [lesson.meeting for lesson in other_class.lessons] == [None]


def test_holidays_and_sundays_have_no_lessons(school: Sample) -> None:
    with session_scope() as session:
        view = _parent_of_minh_anh(session, school)
        week = timetable.schedule(session, view, school.class_6a, date(2026, 11, 30), 7)
    by_day = {d.day: d for d in week}
    assert by_day[HOLIDAY].holiday == "Nghỉ kỷ niệm ngày thành lập trường" and not by_day[HOLIDAY].lessons
    assert by_day[date(2026, 12, 6)].lessons == () and by_day[date(2026, 12, 6)].holiday is None
    assert len(by_day[date(2026, 12, 5)].lessons) == 2


def test_next_lesson_includes_the_one_under_way_and_skips_holidays(school: Sample) -> None:
    with session_scope() as session:
        view = _parent_of_minh_anh(session, school)
        at_ten = timetable.next_lesson(session, view, school.class_6a, NOW)
        during = timetable.next_lesson(session, view, school.class_6a, NOW.replace(hour=13, minute=40))
        not_ongoing = timetable.next_lesson(
            session, view, school.class_6a, NOW.replace(hour=13, minute=40), include_ongoing=False
        )
        evening = NOW + timedelta(days=1, hours=9)
        thursday_evening = timetable.next_lesson(session, view, school.class_6a, evening)
    assert (at_ten.day, at_ten.subject) == (WEDNESDAY, "Toán")
    assert (during.day, during.subject) == (WEDNESDAY, "Toán")
    assert (not_ongoing.day, not_ongoing.subject) == (WEDNESDAY + timedelta(days=1), "Ngữ văn")
    assert thursday_evening.day == date(2026, 12, 5)  # Friday 4 December is a holiday


def test_a_teacher_sees_the_lessons_they_teach(school: Sample) -> None:
    with session_scope() as session:
        teacher = link(session, ("telegram", "7"), Role.TEACHER, staff_id=school.hung).view
        days = timetable.lessons_taught(session, teacher, WEDNESDAY, 3)
    assert [len(d.lessons) for d in days] == [1, 1, 0]
    assert days[0].lessons[0].class_name == "7B" and days[0].lessons[0].meeting is not None
    assert days[2].holiday is not None


def test_class_names_are_found_in_messages(school: Sample) -> None:
    assert timetable.mentioned_class("lịch học lớp 7b tuần này") == "7B"
    assert timetable.mentioned_class("phòng học online của 6A") == "6A"
    assert timetable.mentioned_class("mai học lúc 8h") is None
    with session_scope() as session:
        assert [c.id for c in timetable.find_class(session, "6a")] == [school.class_6a]
