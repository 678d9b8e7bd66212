"""Two schools' families talking to the real assistant through their own schools' bots.

The chats arrive as they would from each school's Telegram bot (``telegram:<SCHOOL>:<chat>``);
the same Telegram user writes to both bots.
"""

from __future__ import annotations

import random

from chatbot.db.models import Role, School, SchoolClass, Student
from tests.conversations.conftest import Assistant
from tests.school.sample import SECRET_6A


def _text(replies: list[dict]) -> str:
    return "\n".join(r.get("text", "") for r in replies)


def _second_school(assistant: Assistant) -> int:
    """School THCS-B with one class and one student; returns the student's id. (Its class is
    named like none of the sample school's, so the other conversation tests, which share this
    database, still find one school per class name.)"""
    with assistant.session() as session:
        school = session.query(School).filter_by(code="THCS-B").one_or_none()
        if school is None:
            school = School(code="THCS-B", name="Trường THCS Biển Xanh")
            school_class = SchoolClass(school=school, grade=8, name="8D")
            session.add(Student(school_class=school_class, roll_number=3, full_name="Phạm Thu Trang"))
            session.add(school)
            session.flush()
        return session.query(Student).filter_by(full_name="Phạm Thu Trang").one().id


def test_one_parent_on_two_schools_bots_is_answered_by_each_school_alone(assistant: Assistant) -> None:
    chat = random.randint(10_000_000, 99_999_999)
    on_hoa_sen, on_b = f"telegram:HS:{chat}", f"telegram:THCS-B:{chat}"
    code_b = assistant.issue(Role.PARENT, student_id=_second_school(assistant))

    # School B's code typed to Hoa Sen's bot is not a code there.
    assert "chưa đúng" in _text(assistant.say(on_hoa_sen, code_b))
    assert "Phạm Thu Trang" in _text(assistant.say(on_b, code_b))
    code_a = assistant.issue(Role.PARENT, student_id=assistant.school.minh_anh)
    linked = _text(assistant.say(on_hoa_sen, code_a))
    assert "Nguyễn Minh Anh" in linked and "Phạm Thu Trang" not in linked

    # Each bot's conversation knows only its own school's child.
    names_a = _text(assistant.say(on_hoa_sen, "tên hiển thị của con là gì"))
    names_b = _text(assistant.say(on_b, "tên hiển thị của con là gì"))
    assert "Nguyễn Minh Anh" in names_a and "Phạm Thu Trang" not in names_a
    assert "Phạm Thu Trang" in names_b and "Nguyễn Minh Anh" not in names_b
    week_a = _text(assistant.say(on_hoa_sen, "tuần này con học gì"))
    week_b = _text(assistant.say(on_b, "tuần này con học gì"))
    assert "Ngữ văn" in week_a and "Nguyễn Minh Anh" in week_a  # Hoa Sen's 6A timetable
    assert "Ngữ văn" not in week_b and "Nguyễn Minh Anh" not in week_b  # not on B's bot
    assert SECRET_6A not in week_b
