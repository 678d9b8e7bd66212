"""The issue-17 actions run directly (no Rasa): who may do what, and crafted input."""

from __future__ import annotations

from actions.absence import (
    ActionAbsenceStart,
    ActionAbsencesToday,
    ActionAbsenceSubmit,
    ActionWithdrawAbsence,
)
from actions.child_info import ActionChildInfo
from actions.contacts import ActionCheckContact
from actions.relay import ActionRelayClose, ActionRelayReply, ActionRelaySend
from chatbot.db.models import Role
from tests.actions.conftest import link_sender, run, texts
from tests.chatbot.school.sample import Sample

PARENT = "zalo:200"
TEACHER = "telegram:lan"


def refused(messages: list[dict]) -> bool:
    """The guard's polite answer to crafted input (a response of the domain)."""
    return [m.get("response") for m in messages] == ["utter_bad_input"]


async def test_a_notice_is_shown_back_then_stored_only_on_confirmation(school: Sample) -> None:
    link_sender(PARENT, Role.PARENT, student_id=school.minh_anh)
    link_sender(PARENT, Role.PARENT, student_id=school.hoa)
    which, events = await run(ActionAbsenceStart(), PARENT, "mai con nghỉ tiết 2")
    assert "thứ Năm 03/12/2026" in texts(which) and len(which[0]["buttons"]) == 2  # two children
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert slots["absence_day"] == "2026-12-03" and slots["absence_periods"] == "2"
    chosen, events = await run(
        ActionAbsenceStart(), PARENT, "/report_absence", entities={"student_id": str(school.hoa)}, slots=slots
    )
    assert "em Lê Thị Hoa (lớp 7B) nghỉ học thứ Năm 03/12/2026, tiết 2" in texts(chosen)
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    stored, _ = await run(ActionAbsenceSubmit(), PARENT, "/absence_confirm", slots=slots)
    assert "đã ghi nhận báo nghỉ" in texts(stored)
    withdrawn, _ = await run(ActionWithdrawAbsence(), PARENT, "hủy báo nghỉ")
    assert "đã rút báo nghỉ" in texts(withdrawn)
    crafted, _ = await run(
        ActionWithdrawAbsence(), PARENT, "/withdraw_absence", entities={"absence_id": "-1"}
    )
    assert refused(crafted)


async def test_a_teacher_speaking_of_absences_gets_todays_list(school: Sample) -> None:
    link_sender(TEACHER, Role.TEACHER, staff_id=school.lan)
    for action in (ActionAbsenceStart(), ActionAbsencesToday()):
        reply, _ = await run(action, TEACHER, "hôm nay lớp mình ai nghỉ")
        assert "chưa có báo nghỉ nào" in texts(reply)
    stranger, _ = await run(ActionAbsencesToday(), "zalo:nobody", "hôm nay lớp mình ai nghỉ")
    assert "chưa được liên kết" in texts(stranger)


async def test_relay_buttons_of_other_people_and_crafted_threads(school: Sample) -> None:
    link_sender(PARENT, Role.PARENT, student_id=school.minh_anh)
    for action in (ActionRelayReply(), ActionRelayClose()):
        nobody, _ = await run(action, PARENT, "/relay_reply", entities={"relay_thread": "999"})
        assert "không tìm thấy trao đổi" in texts(nobody)
        crafted, _ = await run(action, PARENT, "/relay_reply", entities={"relay_thread": "1e9"})
        assert refused(crafted)
    stopped, _ = await run(ActionRelaySend(), PARENT, "thôi")
    assert "chưa có lời nhắn nào được gửi" in texts(stopped)


async def test_a_telegram_reply_from_someone_else_is_not_passed_on(school: Sample) -> None:
    link_sender("telegram:300", Role.PARENT, student_id=school.hoa)
    reply, _ = await run(ActionRelayReply(), "telegram:300", "/relay_reply", entities={"relay_thread": "1"})
    assert "không tìm thấy trao đổi" in texts(reply)


async def test_contact_check_and_child_info_need_no_phone_numbers(school: Sample) -> None:
    link_sender(PARENT, Role.PARENT, student_id=school.minh_anh)
    empty, events = await run(ActionCheckContact(), PARENT, "có phải trường gọi không")
    assert "dán giúp em số điện thoại" in texts(empty) and "mục 3" in texts(empty) and events == []
    info, _ = await run(ActionChildInfo(), PARENT, "cô dạy văn của con tên gì")
    assert "Môn Ngữ văn: Lê Thị Hồng" in texts(info) and "Giáo viên chủ nhiệm: Nguyễn Thị Lan" in texts(info)
    stranger, _ = await run(ActionChildInfo(), "zalo:nobody", "con tôi học lớp mấy")
    assert "chưa được liên kết" in texts(stranger)
