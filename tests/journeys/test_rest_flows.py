"""Scripted conversations through the running Rasa server and action server (REST channel)."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from chatbot.db.models import (
    Acknowledgement,
    Broadcast,
    ChatAccount,
    Delivery,
    HelpRequest,
    IncidentKind,
    IncidentReport,
    IncidentStatus,
    Role,
)
from tests.assistant import Assistant
from tests.chatbot.school.sample import SECRET_6A, SECRET_7B
from tests.journeys.talk import new_sender, reply_text

REFERENCE = re.compile(r"SC-\d{4}-\d{6,}")


def _one(session, model, **where):  # noqa: ANN001, ANN003, ANN202
    query = select(model).filter_by(**where)
    return session.execute(query).scalar_one()


def _linked_parent(assistant: Assistant, student_id: int) -> str:
    sender = new_sender()
    code = assistant.issue(Role.PARENT, student_id=student_id)
    assert "đã được liên kết" in reply_text(assistant.say(sender, code))
    return sender


def _linked_teacher(assistant: Assistant, staff_id: int) -> str:
    sender = new_sender()
    assistant.say(sender, assistant.issue(Role.TEACHER, staff_member_id=staff_id))
    return sender


def test_linking_with_a_code_then_acknowledging_the_rules(assistant: Assistant) -> None:
    sender = new_sender()
    code = assistant.issue(Role.PARENT, student_id=assistant.school.minh_anh)
    replies = assistant.say(sender, code)
    reply = reply_text(replies)
    assert "em Nguyễn Minh Anh, lớp 6A" in reply and "05 - Nguyễn Minh Anh" in reply and "mục 1.4.đ" in reply
    assert replies[-1]["buttons"][0]["payload"] == "/acknowledge_rules"
    assert "đã ghi nhận" in reply_text(assistant.say(sender, "/acknowledge_rules"))
    assert "rồi ạ" in reply_text(assistant.say(sender, "tôi đã đọc và cam kết thực hiện"))
    with assistant.session() as session:
        account = _one(session, ChatAccount, external_id=sender)
        acks = session.execute(select(Acknowledgement).filter_by(account_id=account.id)).all()
    assert account.channel.value == "rest" and account.role is Role.PARENT and len(acks) == 1


def test_a_deep_link_a_wrong_code_and_the_lock_out(assistant: Assistant) -> None:
    sender = new_sender()
    code = assistant.issue(Role.STUDENT, student_id=assistant.school.binh).replace("-", "")
    deep_link = reply_text(assistant.say(sender, f'/link_account{{"invite_code":"{code}"}}'))
    assert "Chào em Trần Văn Bình" in deep_link
    other = new_sender()
    for attempt in range(4):
        assert "chưa đúng" in reply_text(assistant.say(other, f"WXYZ-{attempt + 2}{attempt + 2}KK"))
    assert "tạm thời chưa nhập mã" in reply_text(assistant.say(other, "WXYZ-7777"))
    good = assistant.issue(Role.PARENT, student_id=assistant.school.hoa)
    assert "tạm thời chưa nhập mã" in reply_text(assistant.say(other, good))


def test_timetable_for_linked_and_unlinked_accounts(assistant: Assistant) -> None:
    parent = _linked_parent(assistant, assistant.school.minh_anh)
    monday = reply_text(assistant.say(parent, "lịch học thứ 2"))
    assert "thứ Hai" in monday and "Ngữ văn" in monday and SECRET_6A in monday and "mục 2" in monday
    holiday = reply_text(assistant.say(parent, "lịch học ngày 4/12/2026"))
    assert "nhà trường nghỉ" in holiday
    other = reply_text(assistant.say(parent, "lịch học online của lớp 7B"))
    assert "không xem được lớp 7B" in other and SECRET_7B not in other
    stranger = reply_text(assistant.say(new_sender(), "hôm nay con học gì"))
    assert "chưa được liên kết" in stranger and SECRET_6A not in stranger


def test_joining_a_class(assistant: Assistant) -> None:
    parent = _linked_parent(assistant, assistant.school.minh_anh)
    reply = reply_text(assistant.say(parent, "làm sao vào lớp"))
    # the servers keep real time: the class may be in session or still to come
    assert ("buổi học tiếp theo" in reply or "đang có tiết" in reply) and SECRET_6A in reply
    assert "05 - Nguyễn Minh Anh" in reply
    assert "ít nhất 10 phút" in reply and "Gợi ý khi học trên" in reply


def test_checking_a_display_name(assistant: Assistant) -> None:
    student = new_sender()
    assistant.say(student, assistant.issue(Role.STUDENT, student_id=assistant.school.minh_anh))
    assert "đã đúng mẫu" in reply_text(assistant.say(student, "tên hiển thị 05 - Nguyễn Minh Anh đúng chưa"))
    asked = reply_text(assistant.say(student, "kiểm tra giúp em tên hiển thị"))
    assert asked.startswith("Em gõ tên hiển thị định dùng vào đây để trợ lý kiểm tra nhé")
    reply = reply_text(assistant.say(student, "05 - Nguyen Minh Anh"))
    assert "chưa đúng" in reply and "dấu" in reply and "05 - Nguyễn Minh Anh" in reply
    # A rule's reply reads the role slot, which the link set: the student is "em".
    assert "Em chắc chắn" in reply_text(assistant.say(student, "hủy liên kết"))
    assert reply_text(assistant.say(student, "/deny")) == "Tài khoản của em vẫn giữ nguyên liên kết nhé."
    unlinked = reply_text(assistant.say(new_sender(), "tên hiển thị của em là gì"))
    assert "1.4.b" in unlinked and "chưa được liên kết" in unlinked


def test_an_incident_report_alerts_the_teacher_who_marks_it_handled(assistant: Assistant) -> None:
    teacher = _linked_teacher(assistant, assistant.school.lan)
    parent = _linked_parent(assistant, assistant.school.minh_anh)
    assert "xảy ra lúc nào" in reply_text(assistant.say(parent, "có người lạ vào lớp con tôi"))
    assert "không hợp lệ" in reply_text(assistant.say(parent, "hôm qua 25h"))
    assert "mô tả ngắn" in reply_text(assistant.say(parent, "vừa xong"))
    reply = reply_text(assistant.say(parent, "Một người tên lạ bật nhạc rất to"))
    reference = REFERENCE.search(reply).group(0)
    assert "Thầy cô chủ nhiệm đã được báo ngay" in reply and "mục 2" in reply
    with assistant.session() as session:
        report = _one(session, IncidentReport, reference=reference)
        alert = _one(session, Broadcast, idempotency_key=f"incident:{reference}")
        teacher_account = _one(session, ChatAccount, external_id=teacher).id
        delivery = _one(session, Delivery, broadcast_id=alert.id, account_id=teacher_account)
    assert report.kind is IncidentKind.STRANGER and report.description == "Một người tên lạ bật nhạc rất to"
    assert alert.urgent and delivery.account_id == teacher_account
    refused = reply_text(assistant.say(parent, f'/mark_handled{{"incident_reference":"{reference}"}}'))
    assert "chỉ giáo viên của lớp" in refused
    handled = reply_text(assistant.say(teacher, f'/mark_handled{{"incident_reference":"{reference}"}}'))
    assert "đã được xử lý" in handled
    with assistant.session() as session:
        report = _one(session, IncidentReport, reference=reference)
        notice = _one(session, Broadcast, idempotency_key=f"incident-handled:{reference}")
    assert report.status is IncidentStatus.HANDLED and reference in notice.text


def test_a_question_during_a_report_is_answered_and_the_report_goes_on(assistant: Assistant) -> None:
    parent = new_sender()
    opening = reply_text(assistant.say(parent, "tài khoản học của con bị người khác đăng nhập mất rồi"))
    assert opening.startswith("Dạ, theo mục 2") and "sự cố xảy ra ở lớp nào" in opening
    digression = reply_text(assistant.say(parent, "tên hiển thị phải đặt thế nào"))
    assert "mục 1.4.b" in digression and "sự cố xảy ra ở lớp nào ạ? (ví dụ: 6A;" in digression
    # Not linked to the school: the class is confirmed, with its school, before the report goes on.
    confirm = assistant.say(parent, "6A")
    asked = reply_text(confirm)
    assert "xác nhận lớp" in asked and "lớp 6A — Trường THCS Hoa Sen, đúng không ạ?" in asked
    assert [b["title"] for b in confirm[-1]["buttons"]] == ["Đúng", "Không phải", "Dừng báo cáo"]
    assert "xảy ra lúc nào" in reply_text(assistant.say(parent, "đúng"))


def test_a_student_reporting_a_stranger_is_spoken_to_as_a_student(assistant: Assistant) -> None:
    _linked_teacher(assistant, assistant.school.lan)
    student = new_sender()
    assistant.say(student, assistant.issue(Role.STUDENT, student_id=assistant.school.minh_anh))
    assistant.say(student, "/session_start")  # the role slot is read when a session starts
    opening = reply_text(assistant.say(student, "có người lạ vào lớp học của em"))
    assert opening.startswith("Theo mục 2, khi thấy người lạ vào lớp")
    assert "em hãy báo ngay cho thầy cô phụ trách lớp và bố mẹ" in opening
    assert "Việc này xảy ra lúc nào vậy em?" in opening  # the kind and the class are known already
    assert "Em kể ngắn gọn" in reply_text(assistant.say(student, "vừa xong"))
    reply = reply_text(assistant.say(student, "một người lạ bật mic nói bậy"))
    assert "Nhà trường đã nhận báo cáo" in reply and "trợ lý sẽ báo lại em nhé" in reply
    assert "Quý phụ huynh" not in opening + reply and "Dạ" not in opening + reply


def test_an_abandoned_report_stores_nothing(assistant: Assistant) -> None:
    parent = new_sender()
    with assistant.session() as session:
        before = session.execute(select(func.count()).select_from(IncidentReport)).scalar_one()
    assert "chuyện gì đã xảy ra ạ? Quý phụ huynh chọn" in reply_text(assistant.say(parent, "báo cáo sự cố"))
    assert "chưa rõ loại sự cố" in reply_text(assistant.say(parent, "hôm nay trời đẹp quá"))
    assert "sự cố xảy ra ở lớp nào" in reply_text(assistant.say(parent, "Quấy rối, bắt nạt"))
    assert "chưa có thông tin nào được lưu" in reply_text(assistant.say(parent, "thôi"))
    with assistant.session() as session:
        after = session.execute(select(func.count()).select_from(IncidentReport)).scalar_one()
    assert after == before
    # the form is over
    assert "đã được liên kết" not in reply_text(assistant.say(parent, "hôm nay con học gì"))


def test_a_scam_report_is_advised_on_and_recorded(assistant: Assistant) -> None:
    parent = _linked_parent(assistant, assistant.school.hoa)
    advice = assistant.say(parent, "có người tự xưng phòng giáo dục gọi bán tài liệu")
    assert "mục 3" in reply_text(advice) and "công an địa phương" in reply_text(advice)
    reference = REFERENCE.search(reply_text(assistant.say(parent, "/affirm"))).group(0)
    with assistant.session() as session:
        report = _one(session, IncidentReport, reference=reference)
    assert report.kind is IncidentKind.SCAM and "phòng giáo dục" in report.description


def test_asking_for_a_teacher(assistant: Assistant) -> None:
    _linked_teacher(assistant, assistant.school.lan)
    parent = _linked_parent(assistant, assistant.school.binh)
    # The homeroom teacher is on the assistant: the message goes through the relay.
    assert "nhập lời nhắn cho thầy cô chủ nhiệm" in reply_text(assistant.say(parent, "gặp giáo viên"))
    assert "Nguyễn Thị Lan (chủ nhiệm lớp 6A)" in reply_text(assistant.say(parent, "Cô gọi lại giúp em"))
    # A student of a class whose teacher is not: the request is recorded for the school.
    other = _linked_parent(assistant, assistant.school.hoa)
    assert "chưa kết nối với trợ lý" in reply_text(assistant.say(other, "gặp giáo viên"))
    with assistant.session() as session:
        account = _one(session, ChatAccount, external_id=other)
        assert session.execute(select(HelpRequest).filter_by(account_id=account.id)).first()


def test_unlinking_needs_a_confirmation(assistant: Assistant) -> None:
    parent = _linked_parent(assistant, assistant.school.hoa)
    assert "chắc chắn" in reply_text(assistant.say(parent, "hủy liên kết"))
    assert "giữ nguyên liên kết" in reply_text(assistant.say(parent, "/deny"))
    assert "chắc chắn" in reply_text(assistant.say(parent, "xóa dữ liệu của tôi"))
    deleted = reply_text(assistant.say(parent, "/affirm"))
    assert "đã hủy liên kết và xóa:" in deleted and "liên kết với em Lê Thị Hoa (lớp 7B)" in deleted
    with assistant.session() as session:
        assert session.execute(select(ChatAccount).where(ChatAccount.external_id == parent)).first() is None
