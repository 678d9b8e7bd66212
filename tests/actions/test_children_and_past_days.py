"""Families with several children: which child, names that are not days, and past days."""

from __future__ import annotations

import json

import pytest

from actions.join_class import ActionJoinClass
from actions.timetable import ActionTimetable
from chatbot.db.engine import session_scope
from chatbot.db.models import Role, Student
from tests.actions.conftest import link_sender, run, texts
from tests.chatbot.school.sample import SECRET_6A, SECRET_7B, Sample

PARENT = "zalo:family"
TODAY = "thứ Tư 02/12"
TOMORROW = "thứ Năm 03/12"


def add_student(class_id: int, full_name: str, roll: int) -> int:
    with session_scope() as session:
        student = Student(class_id=class_id, roll_number=roll, full_name=full_name)
        session.add(student)
        session.flush()
        return student.id


@pytest.fixture
def family(school: Sample) -> dict[str, int]:
    """Minh Anh in 6A and Mai in 7B, linked to one parent account."""
    mai = add_student(school.class_7b, "Phạm Thị Mai", 20)
    link_sender(PARENT, Role.PARENT, student_id=school.minh_anh)
    link_sender(PARENT, Role.PARENT, student_id=mai)
    return {"minh_anh": school.minh_anh, "mai": mai}


async def test_a_childs_name_is_not_read_as_tomorrow(family: dict[str, int]) -> None:
    messages, _ = await run(ActionTimetable(), PARENT, "lịch học của Mai")
    reply = texts(messages)
    assert len(messages) == 1 and "của con Phạm Thị Mai (lớp 7B)" in reply
    assert TODAY in reply and TOMORROW not in reply and "Nguyễn Minh Anh" not in reply
    unaccented, _ = await run(ActionTimetable(), PARENT, "lich hoc cua mai")
    assert "Phạm Thị Mai" in texts(unaccented) and TODAY in texts(unaccented)
    both, _ = await run(ActionTimetable(), PARENT, "ngày mai Mai học gì")
    assert "Phạm Thị Mai" in texts(both) and TOMORROW in texts(both)


async def test_a_given_name_picks_that_child(family: dict[str, int]) -> None:
    messages, _ = await run(ActionTimetable(), PARENT, "bé Minh Anh học mấy giờ")
    assert len(messages) == 1 and "Nguyễn Minh Anh (lớp 6A)" in texts(messages)
    assert SECRET_6A in texts(messages) and SECRET_7B not in texts(messages)


async def test_unclear_child_is_asked_and_the_button_keeps_the_day(family: dict[str, int]) -> None:
    asked, _ = await run(ActionTimetable(), PARENT, "lịch học ngày mai")
    assert asked[0]["text"] == "Dạ, Quý phụ huynh muốn hỏi cho con nào ạ?"
    buttons = asked[0]["buttons"]
    assert [b["title"] for b in buttons] == ["Minh Anh (lớp 6A)", "Mai (lớp 7B)", "Tất cả các con"]
    payload = buttons[1]["payload"]
    assert payload.startswith("/ask_timetable{")
    entities = json.loads(payload[len("/ask_timetable"):])
    assert entities == {"student_id": str(family["mai"]), "day": "03/12/2026"}
    answer, _ = await run(ActionTimetable(), PARENT, payload, entities=entities)
    assert "Phạm Thị Mai" in texts(answer) and TOMORROW in texts(answer)
    join, _ = await run(ActionJoinClass(), PARENT, "làm sao vào lớp")
    assert [b["payload"].split("{")[0] for b in join[0]["buttons"]] == ["/ask_join_class"] * 3
    assert SECRET_6A not in texts(join) and SECRET_7B not in texts(join)


async def test_children_in_one_class_are_not_asked(school: Sample) -> None:
    link_sender(PARENT, Role.PARENT, student_id=school.minh_anh)
    link_sender(PARENT, Role.PARENT, student_id=school.binh)
    messages, _ = await run(ActionTimetable(), PARENT, "hôm nay")
    assert "của con Nguyễn Minh Anh và Trần Văn Bình (lớp 6A)" in texts(messages)


async def test_last_monday_is_never_next_monday(school: Sample) -> None:
    link_sender(PARENT, Role.PARENT, student_id=school.minh_anh)
    for text in ("thứ 2 tuần trước con học gì", "thu 2 tuan truoc"):
        messages, _ = await run(ActionTimetable(), PARENT, text)
        reply = texts(messages)
        assert "thứ Hai 23/11 là ngày đã qua" in reply, text
        assert "07/12" not in reply and "30/11" not in reply
        assert SECRET_6A not in reply  # no meeting details for a day that has passed
    just_past, _ = await run(ActionTimetable(), PARENT, "thứ 2 vừa rồi")
    assert "thứ Hai 30/11 là ngày đã qua" in texts(just_past)
    coming, _ = await run(ActionTimetable(), PARENT, "thứ 2")
    assert "thứ Hai 07/12" in texts(coming) and "đã qua" not in texts(coming)


async def test_yesterday_and_last_week_say_they_have_passed(school: Sample) -> None:
    link_sender(PARENT, Role.PARENT, student_id=school.minh_anh)
    yesterday, _ = await run(ActionTimetable(), PARENT, "hôm qua con học gì")
    assert "thứ Ba 01/12 là ngày đã qua" in texts(yesterday)
    week, _ = await run(ActionTimetable(), PARENT, "tuần trước con học những môn gì")
    assert "tuần 23/11–29/11 đã qua" in texts(week)
    assert "Mã phòng và mật khẩu" not in texts(week)
