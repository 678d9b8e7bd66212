"""The issue-17 actions run directly (no Rasa): who may do what, and crafted input."""

from __future__ import annotations

from actions.absence import (
    ActionAbsenceCancel,
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
    assert "báo nghỉ thứ Năm 03/12 cho con nào" in texts(which)
    assert len(which[0]["buttons"]) == 2  # two children
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert slots["absence_day"] == "2026-12-03" and slots["absence_periods"] == "2"
    chosen, events = await run(
        ActionAbsenceStart(), PARENT, "/report_absence", entities={"student_id": str(school.hoa)}, slots=slots
    )
    assert "con Lê Thị Hoa (lớp 7B) nghỉ học thứ Năm 03/12, tiết 2" in texts(chosen)
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
    assert "môn Ngữ văn của lớp 6A do Lê Thị Hồng dạy" in texts(info)
    assert "Giáo viên chủ nhiệm: Nguyễn Thị Lan" in texts(info)
    stranger, _ = await run(ActionChildInfo(), "zalo:nobody", "con tôi học lớp mấy")
    assert "chưa được liên kết" in texts(stranger)


STUDENT = "zalo:student-hoa"


async def test_a_notice_reads_back_in_the_familys_voice_with_its_buttons(school: Sample) -> None:
    link_sender(PARENT, Role.PARENT, student_id=school.minh_anh)
    shown, events = await run(ActionAbsenceStart(), PARENT, "mai con nghỉ vì sốt")
    assert shown[0]["text"].startswith(
        "Dạ, em xin xác nhận: con Nguyễn Minh Anh (lớp 6A) nghỉ học thứ Năm 03/12"
    )
    assert "Lời nhắn: “" in shown[0]["text"] and "Quý phụ huynh bấm “Gửi báo nghỉ”" in shown[0]["text"]
    assert [b["title"] for b in shown[0]["buttons"]] == ["Gửi báo nghỉ", "Hủy"]
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    stored, _ = await run(ActionAbsenceSubmit(), PARENT, "/absence_confirm", slots=slots)
    assert stored[0]["response"].startswith("utter_absence_recorded")
    assert [b["title"] for b in stored[0]["buttons"]] == ["Rút báo nghỉ"]
    withdrawn, _ = await run(ActionWithdrawAbsence(), PARENT, "rút báo nghỉ")
    assert withdrawn[0]["text"].startswith("Dạ, em đã rút báo nghỉ thứ Năm 03/12, cả ngày của con (")


async def test_a_student_is_refused_absence_notices_in_a_students_voice(school: Sample) -> None:
    link_sender(STUDENT, Role.STUDENT, student_id=school.hoa)
    expected = (
        "Báo nghỉ do bố mẹ gửi cho thầy cô chủ nhiệm. Em nhờ bố mẹ nhắn cho trợ lý, hoặc tự báo thầy cô "
        "chủ nhiệm nhé."
    )
    for action, text in ((ActionAbsenceStart(), "mai em nghỉ ốm"), (ActionWithdrawAbsence(), "rút báo nghỉ")):
        reply, events = await run(action, STUDENT, text)
        assert [m["text"] for m in reply] == [expected], text
        assert not any(e.get("value") for e in events)  # no notice kept for a student
    declined, _ = await run(ActionAbsenceCancel(), STUDENT, "không")
    assert declined[0]["text"] == "Trợ lý chưa gửi báo nghỉ nào."
    nothing, _ = await run(ActionAbsenceSubmit(), STUDENT, "gửi đi")
    assert "Quý phụ huynh" not in texts(nothing) and not texts(nothing).startswith("Dạ")
    today, _ = await run(ActionAbsencesToday(), STUDENT, "hôm nay lớp mình ai nghỉ")
    assert today[0]["text"].startswith("Danh sách nghỉ học của lớp chỉ thầy cô xem được.")


async def test_a_teacher_is_told_notices_come_from_families_then_sees_todays(school: Sample) -> None:
    link_sender(TEACHER, Role.TEACHER, staff_id=school.lan)
    link_sender(PARENT, Role.PARENT, student_id=school.minh_anh)
    _, events = await run(ActionAbsenceStart(), PARENT, "hôm nay con nghỉ tiết 3 vì đi khám")
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    await run(ActionAbsenceSubmit(), PARENT, "/absence_confirm", slots=slots)
    reply, _ = await run(ActionAbsenceStart(), TEACHER, "mai tôi nghỉ ốm")
    assert [m["response"] for m in reply] == ["utter_absence_teacher_start", "utter_absence_today"]
    assert "thầy cô cần nghỉ dạy thì báo nhà trường" in reply[0]["text"]
    assert reply[1]["text"].startswith("Dạ, báo nghỉ thứ Tư 02/12 của các lớp thầy cô (1):")
    assert "• 6A: " in reply[1]["text"] and "tiết 3" in reply[1]["text"] and "“" in reply[1]["text"]
    withdraw, _ = await run(ActionWithdrawAbsence(), TEACHER, "rút báo nghỉ")
    assert "thầy cô nhắn “hôm nay lớp mình ai nghỉ”" in texts(withdraw)


async def test_child_details_in_each_voice(school: Sample) -> None:
    link_sender(STUDENT, Role.STUDENT, student_id=school.hoa)
    link_sender(PARENT, Role.PARENT, student_id=school.hoa)
    student, _ = await run(ActionChildInfo(), STUDENT, "thầy chủ nhiệm của em là ai")
    assert student[0]["text"].startswith("Em học lớp 7B")
    assert "Giáo viên chủ nhiệm của lớp em: Trần Văn Hùng." in student[0]["text"]
    assert student[-1]["text"] == "Muốn hỏi thầy cô chủ nhiệm, em bấm “Hỏi giáo viên” nhé."
    assert [b["title"] for b in student[-1]["buttons"]] == ["Hỏi giáo viên", "Lịch học của em"]
    parent, _ = await run(ActionChildInfo(), PARENT, "các thầy cô bộ môn của con")
    assert parent[0]["text"].startswith("Dạ, con Lê Thị Hoa học lớp 7B")
    assert parent[1]["text"].startswith("Dạ, giáo viên bộ môn của lớp 7B:\n• ")
    assert [b["title"] for b in parent[-1]["buttons"]] == ["Hỏi giáo viên", "Lịch học của con"]
