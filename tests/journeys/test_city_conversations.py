"""Two schools' families talking to the real assistant through their own schools' bots.

The chats arrive as they would from each school's Telegram bot (``telegram:<SCHOOL>:<chat>``);
the same Telegram user writes to both bots.
"""

from __future__ import annotations

import random
import re

from sqlalchemy import select

from chatbot.channels import lane
from chatbot.db.models import (
    Broadcast,
    ChatAccount,
    Delivery,
    IncidentReport,
    OfficialContact,
    Role,
    School,
    SchoolClass,
    StaffMember,
    StaffRole,
    Student,
)
from tests.assistant import Assistant
from tests.chatbot.school.sample import SECRET_6A
from tests.journeys.talk import reply_text

THREAD = re.compile(r"\[Trao đổi số (\d+)\]")


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
    assert "chưa đúng" in reply_text(assistant.say(on_hoa_sen, code_b))
    assert "Phạm Thu Trang" in reply_text(assistant.say(on_b, code_b))
    code_a = assistant.issue(Role.PARENT, student_id=assistant.school.minh_anh)
    linked = reply_text(assistant.say(on_hoa_sen, code_a))
    assert "Nguyễn Minh Anh" in linked and "Phạm Thu Trang" not in linked

    # Each bot's conversation knows only its own school's child.
    names_a = reply_text(assistant.say(on_hoa_sen, "tên hiển thị của con là gì"))
    names_b = reply_text(assistant.say(on_b, "tên hiển thị của con là gì"))
    assert "Nguyễn Minh Anh" in names_a and "Phạm Thu Trang" not in names_a
    assert "Phạm Thu Trang" in names_b and "Nguyễn Minh Anh" not in names_b
    week_a = reply_text(assistant.say(on_hoa_sen, "tuần này con học gì"))
    week_b = reply_text(assistant.say(on_b, "tuần này con học gì"))
    assert "Ngữ văn" in week_a and "Nguyễn Minh Anh" in week_a  # Hoa Sen's 6A timetable
    assert "Ngữ văn" not in week_b and "Nguyễn Minh Anh" not in week_b  # not on B's bot
    assert SECRET_6A not in week_b


def _teacher_of_b(assistant: Assistant) -> int:
    """The homeroom teacher of school THCS-B's class 8D (added once); returns the staff id."""
    _second_school(assistant)
    with assistant.session() as session:
        school_class = session.query(SchoolClass).filter_by(name="8D").one()
        if school_class.homeroom_teacher_id is None:
            teacher = StaffMember(
                school_id=school_class.school_id, full_name="Đỗ Hải Yến", role=StaffRole.TEACHER
            )
            session.add(teacher)
            session.flush()
            school_class.homeroom_teacher_id = teacher.id
        return school_class.homeroom_teacher_id


def _lanes_of(assistant: Assistant, key: str) -> set[str]:
    with assistant.session() as session:
        rows = session.execute(
            select(ChatAccount.channel, ChatAccount.external_id)
            .join(Delivery, Delivery.account_id == ChatAccount.id)
            .join(Broadcast, Broadcast.id == Delivery.broadcast_id)
            .where(Broadcast.idempotency_key.like(key))
        ).all()
    return {lane(channel.value, external_id) for channel, external_id in rows}


def test_family_talk_on_a_school_bot_stays_in_that_school(assistant: Assistant) -> None:
    chat = random.randint(10_000_000, 99_999_999)
    family, teacher = f"telegram:THCS-B:{chat}", f"telegram:THCS-B:{chat + 1}"
    lan = f"telegram:HS:{chat + 2}"  # Hoa Sen's homeroom teacher on Hoa Sen's own bot
    assistant.say(family, assistant.issue(Role.PARENT, student_id=_second_school(assistant)))
    assistant.say(teacher, assistant.issue(Role.TEACHER, staff_member_id=_teacher_of_b(assistant)))
    assistant.say(lan, assistant.issue(Role.TEACHER, staff_member_id=assistant.school.lan))

    # An absence notice reaches B's teacher on B's bot; Hoa Sen's teacher sees nothing of it.
    assert "8D" in reply_text(assistant.say(family, "hôm nay con bị ốm xin nghỉ học"))
    assert "đã ghi nhận báo nghỉ" in reply_text(assistant.say(family, "/absence_confirm"))
    seen = reply_text(assistant.say(teacher, "hôm nay lớp mình ai nghỉ"))
    assert "8D" in seen and "Phạm Thu Trang" in seen
    assert "Phạm Thu Trang" not in reply_text(assistant.say(lan, "hôm nay lớp mình ai nghỉ"))
    assert _lanes_of(assistant, "absence%") >= {"telegram:THCS-B"}
    assert "telegram:HS" not in _lanes_of(assistant, "absence%")

    # The family's question about its child: B's teacher, never Hoa Sen's.
    who = reply_text(assistant.say(family, "cô chủ nhiệm lớp con là ai"))
    assert "Đỗ Hải Yến" in who and "Nguyễn Thị Lan" not in who

    # A relay thread: family and teacher each on B's bot; Hoa Sen's teacher cannot write into it.
    assistant.say(family, "Hỏi giáo viên")
    sent = reply_text(assistant.say(family, "Cô ơi con xin nộp bài muộn một ngày ạ"))
    assert "Đỗ Hải Yến" in sent
    thread = THREAD.search(sent).group(1)
    reply = f'/relay_reply{{"relay_thread":"{thread}"}}'
    assert "không tìm thấy trao đổi" in reply_text(assistant.say(lan, reply))
    assistant.say(teacher, reply)
    answered = reply_text(assistant.say(teacher, "Cô đồng ý, con nộp thứ Hai nhé."))
    assert "đã chuyển lời nhắn tới gia đình" in answered
    assert _lanes_of(assistant, f"relay-t:{thread}:%") == {"telegram:THCS-B"}
    assert _lanes_of(assistant, f"relay-f:{thread}:%") == {"telegram:THCS-B"}

    # "Is this the school?" on B's bot: B's list and the office's, not Hoa Sen's.
    with assistant.session() as session:
        b = session.query(School).filter_by(code="THCS-B").one()
        session.add(OfficialContact(school_id=b.id, name="Văn thư Biển Xanh", phone="0914680135"))
        hoa_sen = assistant.school.school_id
        session.add(OfficialContact(school_id=hoa_sen, name="Kế toán Hoa Sen", phone="0913579246"))
        b_id = b.id
    known = reply_text(assistant.say(family, "số 0914 680 135 gọi có phải trường không"))
    assert "Văn thư Biển Xanh" in known
    other = reply_text(assistant.say(family, "số 0913 579 246 gọi xưng là nhà trường có đúng không"))
    assert "KHÔNG có trong danh sách" in other and "Kế toán Hoa Sen" not in other
    reference = re.search(r"SC-\d{4}-\d{6,}", reply_text(assistant.say(family, "/affirm"))).group(0)
    with assistant.session() as session:
        report = session.execute(
            select(IncidentReport).where(IncidentReport.reference == reference)
        ).scalar_one()
    assert report.school_id == b_id
