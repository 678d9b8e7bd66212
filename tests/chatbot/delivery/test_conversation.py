"""The chat notice and the "Đã nhận" receipt through the running Rasa and action servers."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from chatbot.db.models import Broadcast, Delivery, Role
from tests.assistant import Assistant

NOTICE = "Chiều thứ Sáu lớp 6A nghỉ học trực tuyến để nhà trường bảo trì hệ thống."


def text_of(replies: list[dict]) -> str:
    return "\n".join(r.get("text", "") for r in replies)


def linked(assistant: Assistant, role: Role, **ids: int) -> str:
    sender = f"test-{uuid.uuid4().hex[:12]}"
    assistant.say(sender, assistant.issue(role, **ids))
    return sender


def test_a_teacher_previews_confirms_and_a_parent_acknowledges(assistant: Assistant) -> None:
    teacher = linked(assistant, Role.TEACHER, staff_member_id=assistant.school.lan)
    parent = linked(assistant, Role.PARENT, student_id=assistant.school.minh_anh)
    student = linked(assistant, Role.STUDENT, student_id=assistant.school.binh)
    stranger = linked(assistant, Role.PARENT, student_id=assistant.school.hoa)

    refused = text_of(assistant.say(stranger, "gửi thông báo cho lớp"))
    assert "chỉ dành cho giáo viên và cán bộ" in refused and "Quý phụ huynh bấm “Hỏi giáo viên” ạ" in refused
    refused = text_of(assistant.say(student, "gửi thông báo cho lớp"))
    assert refused.startswith("Chức năng gửi thông báo chỉ dành cho thầy cô") and "em bấm" in refused

    asked = text_of(assistant.say(teacher, "tôi muốn thông báo cho phụ huynh lớp 6A"))
    assert "thầy cô nhập nội dung thông báo cần gửi lớp 6A" in asked  # the class came with the request
    preview = assistant.say(teacher, NOTICE)
    assert "tới phụ huynh và học sinh lớp 6A" in text_of(preview) and NOTICE in text_of(preview)
    assert "Số tin theo kênh (" in text_of(preview)
    assert "Thầy cô gõ “gửi” hoặc bấm “Gửi”" in text_of(preview)
    assert [b["payload"] for r in preview for b in r.get("buttons", [])] == [
        "/broadcast_confirm", "/broadcast_cancel"
    ]
    with assistant.session() as session:
        assert session.execute(select(Broadcast).where(Broadcast.text == NOTICE)).first() is None
    queued = text_of(assistant.say(teacher, "gửi"))
    assert "em đã xếp thông báo số" in queued
    assert "không có thông báo nào chờ gửi" in text_of(assistant.say(teacher, "/broadcast_confirm"))

    with assistant.session() as session:
        broadcast = session.execute(select(Broadcast).where(Broadcast.text == NOTICE)).scalar_one()
        delivery_ids = list(
            session.execute(select(Delivery.id).where(Delivery.broadcast_id == broadcast.id)).scalars()
        )
    assert broadcast.ask_receipt and broadcast.audience == "school=HS;class=6A"
    receipt = '/broadcast_received{"delivery_id": %d}'
    answers = [text_of(assistant.say(parent, receipt % d)) for d in delivery_ids]
    assert sum("đã ghi nhận Quý phụ huynh" in a for a in answers) == 1  # only the parent's own delivery
    answers = [text_of(assistant.say(student, receipt % d)) for d in delivery_ids]
    assert answers.count("Trợ lý đã ghi nhận em đã nhận được thông báo. Cảm ơn em nhé!") == 1
    assert "không tìm thấy" in text_of(assistant.say(stranger, receipt % delivery_ids[0]))


def test_thoi_stops_the_notice(assistant: Assistant) -> None:
    teacher = linked(assistant, Role.TEACHER, staff_member_id=assistant.school.lan)
    assert "lớp nào" in text_of(assistant.say(teacher, "gửi thông báo cho lớp"))
    assert "chỉ gửi được cho lớp mình" in text_of(assistant.say(teacher, "7B"))
    assert "nhập nội dung" in text_of(assistant.say(teacher, "6A"))
    assert "chưa có thông báo nào được gửi" in text_of(assistant.say(teacher, "thôi"))
