"""Families talk to the school (issue 17) through the running Rasa and action servers (REST):
absence notices, the relay to the homeroom teacher, "is this number the school's?", and a
family's questions about its own child — from the family's side and the teacher's side."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from chatbot.db.models import (
    Absence,
    Broadcast,
    ChatAccount,
    Delivery,
    HelpRequest,
    Holiday,
    IncidentReport,
    OfficialContact,
    RelayMessage,
    RelayThread,
    ReportedNumber,
    Role,
)
from chatbot.settings import TIMEZONE
from tests.assistant import Assistant
from tests.journeys.talk import button_payloads, linked, new_sender, reply_text

THREAD = re.compile(r"\[Trao đổi số (\d+)\]")
REFERENCE = re.compile(r"SC-\d{4}-\d{6,}")


def _today() -> datetime:
    return datetime.now(timezone.utc).astimezone(TIMEZONE)


def test_an_absence_notice_is_confirmed_recorded_seen_by_the_teacher_and_withdrawn(
    assistant: Assistant,
) -> None:
    teacher = linked(assistant, Role.TEACHER, staff_member_id=assistant.school.lan)
    parent = linked(assistant, Role.PARENT, student_id=assistant.school.binh)
    shown = assistant.say(parent, "mai cháu nghỉ vì bị sốt")
    tomorrow = (_today() + timedelta(days=1)).date()
    said = reply_text(shown)
    assert f"{tomorrow:%d/%m}" in said and "con Trần Văn Bình (lớp 6A) nghỉ học" in said
    assert button_payloads(shown) == ["/absence_confirm", "/absence_cancel"]
    with assistant.session() as session:
        assert (
            session.execute(select(Absence).where(Absence.student_id == assistant.school.binh)).first()
            is None
        )
    recorded = reply_text(assistant.say(parent, "/absence_confirm"))
    assert "đã ghi nhận báo nghỉ" in recorded and f"{tomorrow:%d/%m}" in recorded
    with assistant.session() as session:
        absence = session.execute(
            select(Absence).where(Absence.student_id == assistant.school.binh)
        ).scalar_one()
        teacher_account = session.execute(
            select(ChatAccount.id).where(ChatAccount.external_id == teacher)
        ).scalar()
        alert = (
            session.execute(
                select(Broadcast).where(Broadcast.idempotency_key.like(f"absence%:{absence.id}%"))
            )
            .scalars()
            .first()
            or session.execute(select(Broadcast).where(Broadcast.idempotency_key.like("absence-digest:%")))
            .scalars()
            .first()
        )
        recipients = set(
            session.execute(select(Delivery.account_id).where(Delivery.broadcast_id == alert.id)).scalars()
        )
    assert absence.day == tomorrow and absence.reason == "mai cháu nghỉ vì bị sốt"
    assert teacher_account in recipients and "06 - Trần Văn Bình" in alert.text
    # The teacher asks who is absent today: the notice is for tomorrow, so none today.
    assert "chưa có báo nghỉ nào" in reply_text(assistant.say(teacher, "hôm nay lớp mình ai nghỉ"))
    today_notice = assistant.say(parent, "hôm nay con nghỉ tiết 2 đi khám")
    assert "tiết 2" in reply_text(today_notice)
    assistant.say(parent, "/absence_confirm")
    seen = reply_text(assistant.say(teacher, "hôm nay lớp mình ai nghỉ"))
    assert "6A: 06 - Trần Văn Bình — tiết 2" in seen and "đi khám" in seen
    assert "chỉ thầy cô xem được" in reply_text(assistant.say(parent, "hôm nay lớp mình ai nghỉ"))
    # Withdrawing: two notices are open, so the family chooses.
    choice = assistant.say(parent, "hủy báo nghỉ")
    assert len(button_payloads(choice)) == 2
    withdrawn = reply_text(assistant.say(parent, button_payloads(choice)[0]))
    assert "đã rút báo nghỉ" in withdrawn
    with assistant.session() as session:
        left = (
            session.execute(
                select(Absence).where(
                    Absence.student_id == assistant.school.binh, Absence.withdrawn_at.is_(None)
                )
            )
            .scalars()
            .all()
        )
    assert len(left) == 1


def test_bad_absence_notices_get_a_clear_answer_and_store_nothing(assistant: Assistant) -> None:
    parent = linked(assistant, Role.PARENT, student_id=assistant.school.hoa)
    old = (_today() - timedelta(days=10)).date()
    assert "đã qua hơn 7 ngày" in reply_text(assistant.say(parent, f"con nghỉ ngày {old:%d/%m/%Y}"))
    holiday = (_today() + timedelta(days=2)).date()
    with assistant.session() as session:
        if session.execute(select(Holiday).where(Holiday.day == holiday)).first() is None:
            session.add(Holiday(school_id=assistant.school.school_id, day=holiday, name="Nghỉ bù"))
    assert "nhà trường nghỉ" in reply_text(assistant.say(parent, f"ngày {holiday:%d/%m/%Y} cháu xin nghỉ"))
    stranger = reply_text(assistant.say(new_sender(), "mai cháu nghỉ học"))
    assert "chưa được liên kết" in stranger
    payload = f'/report_absence{{"student_id":"{assistant.school.minh_anh}"}}'
    crafted = reply_text(assistant.say(parent, payload))
    assert "chưa được liên kết với tài khoản" in crafted
    cancelled = reply_text(assistant.say(parent, "/absence_confirm"))
    assert "không có báo nghỉ nào chờ gửi" in cancelled
    with assistant.session() as session:
        assert (
            session.execute(
                select(Absence).where(
                    Absence.student_id.in_([assistant.school.hoa, assistant.school.minh_anh])
                )
            ).first()
            is None
        )


def test_a_relay_thread_between_a_family_and_the_homeroom_teacher(assistant: Assistant) -> None:
    teacher = linked(assistant, Role.TEACHER, staff_member_id=assistant.school.lan)
    parent = linked(assistant, Role.PARENT, student_id=assistant.school.minh_anh)
    prompt = reply_text(assistant.say(parent, "Hỏi giáo viên"))
    assert "nhập lời nhắn cho thầy cô chủ nhiệm" in prompt
    question = "Cô ơi tuần này con có bài kiểm tra Toán không ạ?"
    sent = reply_text(assistant.say(parent, question))
    assert "Nguyễn Thị Lan (chủ nhiệm lớp 6A)" in sent and "giờ hành chính" in sent
    thread_id = int(THREAD.search(sent).group(1))
    with assistant.session() as session:
        relayed = session.execute(
            select(Broadcast).where(Broadcast.idempotency_key.like(f"relay-t:{thread_id}:%"))
        ).scalar_one()
    assert question in relayed.text and "Phụ huynh em 05 - Nguyễn Minh Anh (lớp 6A)" in relayed.text
    assert parent not in relayed.text
    # The teacher presses «Trả lời» (the button under the relayed message) and answers.
    asked = reply_text(assistant.say(teacher, f'/relay_reply{{"relay_thread":"{thread_id}"}}'))
    assert "mời thầy cô nhập lời nhắn" in asked
    answer = "Dạ có, thứ Sáu con kiểm tra 15 phút."
    assert "đã chuyển lời nhắn tới gia đình" in reply_text(assistant.say(teacher, answer))
    with assistant.session() as session:
        back = session.execute(
            select(Broadcast).where(Broadcast.idempotency_key.like(f"relay-f:{thread_id}:%"))
        ).scalar_one()
        family_account = session.execute(
            select(ChatAccount.id).where(ChatAccount.external_id == parent)
        ).scalar()
        delivery = session.execute(select(Delivery).where(Delivery.broadcast_id == back.id)).scalar_one()
    assert answer in back.text and "Thầy cô Nguyễn Thị Lan" in back.text and teacher not in back.text
    assert delivery.account_id == family_account
    # Someone else cannot write into the thread; "thôi" stops without sending.
    other = linked(assistant, Role.PARENT, student_id=assistant.school.hoa)
    assert "không tìm thấy trao đổi" in reply_text(
        assistant.say(other, f'/relay_reply{{"relay_thread":"{thread_id}"}}')
    )
    assistant.say(parent, f'/relay_reply{{"relay_thread":"{thread_id}"}}')
    assert "chưa có lời nhắn nào được gửi" in reply_text(assistant.say(parent, "thôi"))
    assistant.say(parent, f'/relay_reply{{"relay_thread":"{thread_id}"}}')
    assert "dài quá" in reply_text(assistant.say(parent, "a" * 1600))
    assert "đã chuyển lời nhắn" in reply_text(assistant.say(parent, "Dạ em cảm ơn cô"))
    # The teacher closes the thread; the family is told and cannot write in it any more.
    assert "đã kết thúc trao đổi" in reply_text(
        assistant.say(teacher, f'/relay_close{{"relay_thread":"{thread_id}"}}')
    )
    assert "đã kết thúc" in reply_text(assistant.say(parent, f'/relay_reply{{"relay_thread":"{thread_id}"}}'))
    with assistant.session() as session:
        messages = (
            session.execute(
                select(RelayMessage.author)
                .where(RelayMessage.thread_id == thread_id)
                .order_by(RelayMessage.id)
            )
            .scalars()
            .all()
        )
        closed = session.execute(
            select(Broadcast).where(Broadcast.idempotency_key == f"relay-closed:{thread_id}")
        ).scalar_one()
    assert messages == ["family", "teacher", "family", "teacher"] and "kết thúc" in closed.text


def test_a_class_whose_teacher_is_not_on_the_assistant_records_the_request(assistant: Assistant) -> None:
    parent = linked(assistant, Role.PARENT, student_id=assistant.school.hoa)  # 7B: Mr Hùng has no account
    reply = reply_text(assistant.say(parent, "gặp giáo viên"))
    assert "chưa kết nối với trợ lý" in reply
    with assistant.session() as session:
        account = session.execute(select(ChatAccount.id).where(ChatAccount.external_id == parent)).scalar()
        assert session.execute(select(HelpRequest).where(HelpRequest.account_id == account)).first()
        assert session.execute(select(RelayThread).where(RelayThread.account_id == account)).first() is None


def test_is_this_number_really_the_school(assistant: Assistant) -> None:
    with assistant.session() as session:
        session.add(
            OfficialContact(
                school_id=assistant.school.school_id,
                name="Trịnh Văn Quang",
                role="Hiệu trưởng",
                phone="0912345678",
            )
        )
    parent = linked(assistant, Role.PARENT, student_id=assistant.school.minh_anh)
    genuine = reply_text(assistant.say(parent, "số 0912 345 678 gọi tự xưng nhà trường có phải thật không"))
    assert "có trong danh sách liên hệ chính thức: Trịnh Văn Quang — Hiệu trưởng" in genuine
    assert "mục 3" in genuine
    fake = assistant.say(parent, "có người gọi số 0987 654 321 xưng là cô chủ nhiệm, có đúng không")
    assert "KHÔNG có trong danh sách" in reply_text(fake) and "mục 3" in reply_text(fake)
    assert button_payloads(fake) == ["/affirm", "/deny"]
    reference = REFERENCE.search(reply_text(assistant.say(parent, "/affirm"))).group(0)
    second = linked(assistant, Role.PARENT, student_id=assistant.school.binh)
    assistant.say(second, "so 0987654321 co phai cua truong khong")
    assistant.say(second, "/affirm")
    with assistant.session() as session:
        report = session.execute(
            select(IncidentReport).where(IncidentReport.reference == reference)
        ).scalar_one()
        numbers = (
            session.execute(select(ReportedNumber.phone).where(ReportedNumber.phone == "0987654321"))
            .scalars()
            .all()
        )
    assert "0987 654 321" in report.description and len(numbers) >= 2


def test_a_familys_questions_about_its_own_child(assistant: Assistant) -> None:
    parent = linked(assistant, Role.PARENT, student_id=assistant.school.minh_anh)
    grade = reply_text(assistant.say(parent, "con tôi học lớp mấy"))
    assert "học lớp 6A" in grade and "Giáo viên chủ nhiệm: Nguyễn Thị Lan" in grade
    maths = reply_text(assistant.say(parent, "thầy dạy Toán của con tên gì"))
    assert "môn Toán của lớp 6A do Nguyễn Thị Lan dạy" in maths
    homeroom = reply_text(assistant.say(parent, "cô chủ nhiệm lớp con là ai"))
    assert "Nguyễn Thị Lan" in homeroom and not re.search(r"\d{9,}", homeroom)
    lessons = reply_text(assistant.say(parent, "hôm nay con có tiết gì"))  # the timetable answers
    assert "con Nguyễn Minh Anh (lớp 6A)" in lessons
    assert "chưa được liên kết" in reply_text(assistant.say(new_sender(), "cô chủ nhiệm lớp con là ai"))
