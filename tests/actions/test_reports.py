"""The incident form, scam reports, asking for a person and marking a report handled."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

import actions.common
from actions.contacts import ActionCheckContact
from actions.human import ActionAskHuman
from actions.incident_form import (
    FORM_SLOTS,
    ActionAskIncidentClass,
    ActionSubmitIncident,
    ValidateIncidentForm,
)
from actions.mark_handled import ActionMarkHandled
from actions.scam import ActionScamAdvice, ActionSubmitScam
from chatbot.db.engine import session_scope
from chatbot.db.models import (
    Broadcast,
    Delivery,
    HelpRequest,
    IncidentKind,
    IncidentReport,
    IncidentStatus,
    Role,
)
from chatbot.settings import TIMEZONE, reset_settings
from tests.actions.conftest import DOMAIN, link_sender, make_tracker, run, texts
from tests.chatbot.school.sample import NOW, Sample
from tests.replies import render_async

PARENT = "telegram:100"
TEACHER = "telegram:lan"


async def _validate(sender: str, text: str, slots: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """Run the form's validation for one message; return the slots it sets and what it says."""
    dispatcher = CollectingDispatcher()
    events = await ValidateIncidentForm().run(dispatcher, make_tracker(sender, text, slots=slots), DOMAIN)
    said = texts(await render_async(dispatcher.messages))
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}, said


async def test_the_trigger_fills_the_kind_and_the_linked_class(school: Sample) -> None:
    link_sender(PARENT, Role.PARENT, student_id=school.minh_anh)
    slots, _ = await _validate(PARENT, "có người lạ vào lớp con tôi", {})
    assert slots == {"incident_kind": "stranger", "incident_class": str(school.class_6a)}
    slots, _ = await _validate("zalo:new", "báo cáo sự cố", {})
    assert slots == {}


async def test_answers_are_validated_and_bad_ones_asked_again(school: Sample) -> None:
    link_sender(PARENT, Role.PARENT, student_id=school.minh_anh)
    asked = {"requested_slot": "incident_kind"}
    assert (await _validate(PARENT, "Tài khoản bị chiếm", asked))[0]["incident_kind"] == "account_takeover"
    slots, said = await _validate(PARENT, "hôm nay trời đẹp", asked)
    assert slots["incident_kind"] is None and "chưa rõ loại sự cố" in said
    asked = {"requested_slot": "incident_class"}
    slots, said = await _validate(PARENT, "lớp 7B", asked)
    assert slots["incident_class"] is None and "chỉ gửi báo cáo cho lớp" in said
    assert (await _validate(PARENT, "6a", asked))[0]["incident_class"] == str(school.class_6a)
    asked = {"requested_slot": "incident_time"}
    slots, _ = await _validate(PARENT, "hôm qua 8h", asked)
    assert slots["incident_time"] == "2026-12-01T08:00:00+07:00"
    assert slots["incident_time_label"] == "08:00 ngày 01/12/2026"
    for nonsense, reason in [("32/13", "không hợp lệ"), ("ngày mai", "chưa tới"), ("bla bla", "chưa hiểu")]:
        slots, said = await _validate(PARENT, nonsense, asked)
        assert slots["incident_time"] is None and reason in said and "hôm qua 8h" in said
    asked = {"requested_slot": "incident_description"}
    assert (await _validate(PARENT, "không có thêm", asked))[0]["incident_description"] == ""


async def test_thoi_stops_the_form_and_nothing_is_stored(school: Sample) -> None:
    for slot in ("incident_kind", "incident_class", "incident_time", "incident_description"):
        slots, _ = await _validate(PARENT, "Thôi", {"requested_slot": slot, "incident_kind": "stranger"})
        assert slots["requested_slot"] is None and all(slots[s] is None for s in FORM_SLOTS)
    messages, events = await run(ActionSubmitIncident(), PARENT, "thôi", slots={"incident_kind": None})
    assert "chưa có thông tin nào được lưu" in texts(messages)
    assert events == [SlotSet(s, None) for s in FORM_SLOTS]
    with session_scope() as session:
        assert session.execute(select(IncidentReport)).first() is None


async def test_the_class_question_offers_the_linked_classes(school: Sample) -> None:
    link_sender(PARENT, Role.PARENT, student_id=school.minh_anh)
    link_sender(PARENT, Role.PARENT, student_id=school.hoa)
    messages, _ = await run(ActionAskIncidentClass(), PARENT)
    payloads = [b["payload"] for b in messages[0]["buttons"]]
    assert payloads == ["lớp 6A", "lớp 7B"]  # the classes first; "thôi" typed stops the report
    assert "Quý phụ huynh" not in messages[0]["text"] and "gõ “thôi”" in messages[0]["text"]


async def test_submitting_stores_the_report_advises_and_queues_the_alert(school: Sample) -> None:
    link_sender(PARENT, Role.PARENT, student_id=school.minh_anh)
    link_sender(TEACHER, Role.TEACHER, staff_id=school.lan)
    slots = {
        "incident_kind": "stranger", "incident_class": str(school.class_6a),
        "incident_time": NOW.isoformat(), "incident_time_label": "10:00 ngày 02/12/2026",
        "incident_description": "Người lạ tên Batman bật nhạc",
    }
    messages, events = await run(ActionSubmitIncident(), PARENT, "Người lạ tên Batman bật nhạc", slots=slots)
    reply = texts(messages)
    with session_scope() as session:
        report = session.execute(select(IncidentReport)).scalar_one()
        broadcast = session.execute(select(Broadcast)).scalar_one()
        delivery = session.execute(select(Delivery)).scalar_one()
    assert f"đã nhận báo cáo {report.reference}" in reply and "đã được báo ngay" in reply
    assert "mục 2" in reply and "không nên trò chuyện với người lạ" in reply
    assert report.kind is IncidentKind.STRANGER and report.description == "Người lạ tên Batman bật nhạc"
    assert broadcast.urgent and report.reference in broadcast.text
    assert "10:00 ngày 02/12/2026" in broadcast.text
    assert delivery.broadcast_id == broadcast.id
    assert events == [SlotSet(s, None) for s in FORM_SLOTS]

    marked, _ = await run(ActionMarkHandled(), TEACHER, f"đã xử lý {report.reference.lower()}: đã khóa phòng")
    assert "đã được xử lý" in texts(marked) and "sẽ nhận được thông báo" in texts(marked)
    payload = f'/mark_handled{{"incident_reference":"{report.reference}"}}'
    button = {"incident_reference": report.reference}
    again, _ = await run(ActionMarkHandled(), TEACHER, payload, entities=button)
    assert "đã được Nguyễn Thị Lan đánh dấu xử lý" in texts(again)
    refused, _ = await run(ActionMarkHandled(), PARENT, f"đã xử lý {report.reference}")
    assert "chỉ giáo viên của lớp" in texts(refused)
    with session_scope() as session:
        report = session.execute(select(IncidentReport)).scalar_one()
        assert report.status is IncidentStatus.HANDLED and report.action_taken == "đã khóa phòng"
        assert len(session.execute(select(Delivery)).scalars().all()) == 2  # the alert and the notice


async def test_mark_handled_needs_a_reference(school: Sample) -> None:
    link_sender(TEACHER, Role.TEACHER, staff_id=school.lan)
    messages, _ = await run(ActionMarkHandled(), TEACHER, "đã xử lý xong")
    assert "thầy cô gửi kèm mã báo cáo" in texts(messages) and "SC-2026-000123" in texts(messages)
    stranger, _ = await run(ActionMarkHandled(), "zalo:nobody", "đã xử lý xong")
    assert texts(stranger).startswith("Dạ, chỉ giáo viên của lớp") and "thầy cô gửi" not in texts(stranger)


async def test_a_scam_is_advised_on_and_recorded_when_the_family_agrees(school: Sample) -> None:
    text = "có người tự xưng phòng giáo dục gọi bán tài liệu"
    messages, events = await run(ActionScamAdvice(), PARENT, text)
    reply = texts(messages)
    assert "mục 3" in reply and "không nên chuyển tiền" in reply and "công an địa phương" in reply
    assert [b["payload"] for b in messages[-1]["buttons"]] == ["/affirm", "/deny"]
    assert events == [SlotSet("scam_description", text)]
    messages, _ = await run(ActionSubmitScam(), PARENT, "/affirm", slots={"scam_description": text})
    with session_scope() as session:
        report = session.execute(select(IncidentReport)).scalar_one()
    assert report.kind is IncidentKind.SCAM and report.description == text
    assert report.school_id == school.school_id
    assert report.reference in texts(messages)


async def test_asking_for_a_person(school: Sample) -> None:
    link_sender(PARENT, Role.PARENT, student_id=school.minh_anh)
    link_sender(PARENT, Role.PARENT, student_id=school.hoa)
    link_sender(TEACHER, Role.TEACHER, staff_id=school.lan)
    which, _ = await run(ActionAskHuman(), PARENT, "gặp giáo viên")
    assert [b["payload"] for b in which[0]["buttons"]] == [
        f'/ask_human{{"student_id": "{school.minh_anh}"}}', f'/ask_human{{"student_id": "{school.hoa}"}}',
    ]
    minh_anh = {"student_id": str(school.minh_anh)}
    done, events = await run(ActionAskHuman(), PARENT, "/ask_human", entities=minh_anh)
    assert texts(done) == ""  # 6A's teacher is on the assistant: the relay form asks for the message
    assert {"event": "followup", "name": "relay_form"} in [
        {"event": e["event"], "name": e.get("name")} for e in events
    ]
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert slots["relay_student"] == str(school.minh_anh)
    hoa = {"student_id": str(school.hoa)}
    no_teacher, _ = await run(ActionAskHuman(), PARENT, "/ask_human", entities=hoa)
    assert "chưa kết nối với trợ lý" in texts(no_teacher)
    unlinked, _ = await run(ActionAskHuman(), "zalo:new", "cho tôi gặp người thật")
    assert "chưa liên kết" in texts(unlinked)
    with session_scope() as session:
        assert len(session.execute(select(HelpRequest)).scalars().all()) == 2
        assert len(session.execute(select(Broadcast)).scalars().all()) == 0


async def test_a_confident_other_question_is_left_to_the_assistant(school: Sample) -> None:
    link_sender(PARENT, Role.PARENT, student_id=school.minh_anh)
    for slot, text in [("incident_kind", "tên hiển thị đặt thế nào"), ("incident_class", "mai học gì"),
                       ("incident_time", "tên hiển thị đặt thế nào")]:
        intent = "rule_display_name" if "tên" in text else "ask_timetable"
        tracker = make_tracker(PARENT, text, slots={"requested_slot": slot}, intent=intent)
        events = await ValidateIncidentForm().run(CollectingDispatcher(), tracker, DOMAIN)
        assert not [e for e in events if e["event"] == "slot" and e["name"] == slot], slot
    tracker = make_tracker(PARENT, "6A", slots={"requested_slot": "incident_class"}, intent="ask_timetable")
    events = await ValidateIncidentForm().run(CollectingDispatcher(), tracker, DOMAIN)
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert slots["incident_class"] == str(school.class_6a)  # an answer is never a digression


# --- One voice per role (docs/replies.md): the same flows, addressed to whoever writes. ---

STUDENT = "telegram:hs"


def _student_voice(reply: str) -> None:
    """To a student the assistant is «trợ lý» and says «em»: no «Dạ», «ạ» or «Quý phụ huynh»."""
    assert "Quý phụ huynh" not in reply and "Dạ" not in reply and " ạ" not in reply, reply


def _submitted(school: Sample) -> dict[str, Any]:
    return {
        "incident_kind": "harassment", "incident_class": str(school.class_6a),
        "incident_time": NOW.isoformat(), "incident_time_label": "vừa xong", "incident_description": "",
    }


async def test_a_student_reporting_is_addressed_as_a_student(school: Sample) -> None:
    link_sender(STUDENT, Role.STUDENT, student_id=school.minh_anh)
    link_sender(TEACHER, Role.TEACHER, staff_id=school.lan)
    messages, _ = await run(ActionSubmitIncident(), STUDENT, slots=_submitted(school))
    reply = texts(messages)
    _student_voice(reply)
    assert "Nhà trường đã nhận báo cáo SC-" in reply and "của em" in reply
    assert "Em không nên đáp trả" in reply and "trợ lý sẽ báo lại em nhé" in reply
    _, said = await _validate(STUDENT, "hôm nay trời đẹp", {"requested_slot": "incident_kind"})
    assert said == "Trợ lý chưa rõ loại sự cố này."
    _, said = await _validate(STUDENT, "bla bla", {"requested_slot": "incident_time"})
    _student_voice(said)
    assert said.startswith("Trợ lý chưa hiểu") and "Em gõ lại nhé" in said
    advice, _ = await run(ActionScamAdvice(), STUDENT, "có người bán tài liệu xưng là phòng giáo dục")
    _student_voice(texts(advice))
    assert "Em không nên chuyển tiền" in texts(advice) and "Em có muốn gửi luôn không?" in texts(advice)
    sent, _ = await run(ActionSubmitScam(), STUDENT, "/affirm", slots={"scam_description": "bán tài liệu"})
    _student_voice(texts(sent))
    assert "Cảm ơn em đã cảnh giác" in texts(sent)


async def test_a_parent_reporting_is_addressed_as_quy_phu_huynh(school: Sample) -> None:
    link_sender(PARENT, Role.PARENT, student_id=school.minh_anh)
    link_sender(TEACHER, Role.TEACHER, staff_id=school.lan)
    messages, _ = await run(ActionSubmitIncident(), PARENT, slots=_submitted(school))
    reply = texts(messages)
    assert reply.startswith("Dạ, nhà trường đã nhận báo cáo SC-") and "em sẽ báo lại Quý phụ huynh ạ" in reply
    assert "gia đình nên lưu lại tin nhắn" in reply and "trợ lý" not in reply
    advice, _ = await run(ActionScamAdvice(), PARENT, "có người bán tài liệu xưng là phòng giáo dục")
    assert "Quý phụ huynh không nên chuyển tiền" in texts(advice)
    assert "Quý phụ huynh có muốn gửi luôn không ạ?" in texts(advice)
    sent, _ = await run(ActionSubmitScam(), PARENT, "/affirm", slots={"scam_description": "bán tài liệu"})
    assert "Cảm ơn Quý phụ huynh đã cảnh giác" in texts(sent)


async def test_a_teacher_reporting_is_addressed_as_thay_co(school: Sample) -> None:
    link_sender(TEACHER, Role.TEACHER, staff_id=school.lan)
    messages, _ = await run(ActionSubmitIncident(), TEACHER, slots=_submitted(school))
    reply = texts(messages)
    assert "Quý phụ huynh" not in reply and "trợ lý sẽ" not in reply
    assert "giáo viên báo cáo lãnh đạo nhà trường" in reply and "em sẽ báo lại thầy cô ạ" in reply
    _, said = await _validate(TEACHER, "lớp 7B", {"requested_slot": "incident_class"})
    assert said == "Dạ, tài khoản của thầy cô chỉ gửi báo cáo cho các lớp thầy cô phụ trách ạ."
    advice, _ = await run(ActionScamAdvice(), TEACHER, "có người bán tài liệu xưng là phòng giáo dục")
    assert "Quý phụ huynh" not in texts(advice) and "Thầy cô có muốn gửi luôn không ạ?" in texts(advice)
    assert [b["title"] for b in advice[-1]["buttons"]] == ["Gửi báo cáo", "Không, cảm ơn"]


async def test_marking_handled_speaks_to_teachers_and_staff_alone(school: Sample) -> None:
    principal = "telegram:principal"
    link_sender(TEACHER, Role.TEACHER, staff_id=school.hung)  # 7B's teacher, not 6A's
    link_sender(principal, Role.TEACHER, staff_id=school.principal)
    link_sender(PARENT, Role.PARENT, student_id=school.minh_anh)
    link_sender(STUDENT, Role.STUDENT, student_id=school.minh_anh)
    await run(ActionSubmitIncident(), PARENT, slots=_submitted(school))
    with session_scope() as session:
        reference = session.execute(select(IncidentReport.reference)).scalar_one()
    other, _ = await run(ActionMarkHandled(), TEACHER, f"đã xử lý {reference}")
    assert texts(other).startswith(f"Dạ, báo cáo {reference} không thuộc lớp hay trường thầy cô phụ trách")
    student, _ = await run(ActionMarkHandled(), STUDENT, f"đã xử lý {reference}")
    _student_voice(texts(student))
    assert texts(student).startswith("Chỉ thầy cô của lớp có báo cáo")
    missing, _ = await run(ActionMarkHandled(), principal, "đã xử lý SC-2026-999999")
    assert texts(missing) == "Dạ, em không tìm thấy báo cáo có mã SC-2026-999999 ạ."
    done, _ = await run(ActionMarkHandled(), principal, f"đã xử lý {reference}")
    assert texts(done).startswith(f"Dạ, em đã đánh dấu báo cáo {reference} là đã được xử lý.")


async def test_the_form_questions_follow_the_role_slot_and_fit_zalo() -> None:
    for role, opening in [("student", "Chuyện gì đã xảy ra vậy em?"), ("teacher", "Dạ, chuyện gì"),
                          ("parent", "Dạ, chuyện gì"), ("guest", "Dạ, chuyện gì")]:
        (asked,) = await render_async([{"response": "utter_ask_incident_kind"}], {"role": role})
        assert asked["text"].startswith(opening), role
        assert ("Thầy cô chọn" in asked["text"]) == (role == "teacher"), role
        assert len(asked["buttons"]) == 5, role  # Zalo shows five buttons at most
    (first,) = await render_async([{"response": "utter_incident_first_advice"}], {"role": "student"})
    _student_voice(first["text"])
    assert "em hãy báo ngay cho thầy cô phụ trách lớp và bố mẹ" in first["text"]


async def test_checking_a_contact_and_asking_for_a_person_by_role(school: Sample) -> None:
    link_sender(STUDENT, Role.STUDENT, student_id=school.hoa)  # 7B: its teacher is not on the assistant
    link_sender(TEACHER, Role.TEACHER, staff_id=school.lan)
    link_sender(PARENT, Role.PARENT, student_id=school.hoa)
    asked, _ = await run(ActionCheckContact(), STUDENT, "có phải trường gọi không")
    _student_voice(texts(asked))
    assert "Em dán số điện thoại" in texts(asked) and "lớp của em" in texts(asked)
    checked, _ = await run(ActionCheckContact(), STUDENT, "số 0987 654 321 gọi xưng là nhà trường")
    _student_voice(texts(checked))
    assert texts(checked).startswith("Trợ lý đã đối chiếu") and "0987654321 KHÔNG có trong" in texts(checked)
    assert [b["payload"] for b in checked[-1]["buttons"]] == ["/affirm", "/deny"]
    teacher, _ = await run(ActionCheckContact(), TEACHER, "có phải trường gọi không")
    assert "thầy cô dán giúp em" in texts(teacher) and "Quý phụ huynh" not in texts(teacher)
    parent, _ = await run(ActionCheckContact(), PARENT, "số 0987 654 321 gọi xưng là nhà trường")
    assert "Quý phụ huynh không nên chuyển tiền" in texts(parent)
    assert "không bán hàng" not in texts(parent)  # item 3 says no such thing

    student, _ = await run(ActionAskHuman(), STUDENT, "cho em gặp cô chủ nhiệm")
    _student_voice(texts(student))
    assert texts(student).startswith("Trợ lý đã ghi nhận yêu cầu") and "lớp 7B" in texts(student)
    again, _ = await run(ActionAskHuman(), STUDENT, "cho em gặp cô chủ nhiệm")
    assert texts(again).startswith("Trợ lý đã ghi nhận yêu cầu này trước đó")
    colleague, _ = await run(ActionAskHuman(), TEACHER, "cho tôi gặp người thật")
    assert "tài khoản của thầy cô chưa gắn với học sinh nào" in texts(colleague)
    stranger, _ = await run(ActionAskHuman(), "zalo:new", "cho tôi gặp người thật")
    repeated, _ = await run(ActionAskHuman(), "zalo:new", "cho tôi gặp người thật")
    assert texts(stranger) == texts(repeated) and "mã mời" in texts(repeated)


async def test_the_hourly_limit_and_a_held_report_are_told_in_the_right_voice(
    school: Sample, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INCIDENT_REPORTS_PER_ACCOUNT_PER_HOUR", "1")
    reset_settings()
    try:
        link_sender(STUDENT, Role.STUDENT, student_id=school.minh_anh)
        link_sender(TEACHER, Role.TEACHER, staff_id=school.lan)
        await run(ActionSubmitIncident(), STUDENT, slots=_submitted(school))
        refused, _ = await run(ActionSubmitIncident(), STUDENT, slots=_submitted(school))
        _student_voice(texts(refused))
        assert texts(refused).startswith("Tài khoản của em đã gửi 1 báo cáo trong một giờ qua")
        scam, _ = await run(ActionSubmitScam(), TEACHER, "/affirm", slots={"scam_description": "x"})
        await run(ActionSubmitScam(), TEACHER, "/affirm", slots={"scam_description": "x"})
        again, _ = await run(ActionSubmitScam(), TEACHER, "/affirm", slots={"scam_description": "x"})
        assert "Cảm ơn thầy cô" in texts(scam) and "thầy cô vui lòng báo trực tiếp" in texts(again)
    finally:
        reset_settings()
    night = datetime(2026, 12, 2, 3, 0, tzinfo=TIMEZONE)  # inside the default quiet hours
    monkeypatch.setattr(actions.common, "clock", lambda: night)
    slots = {**_submitted(school), "incident_time": night.isoformat(),
             "incident_class_confirmed": str(school.class_6a)}
    held, _ = await run(ActionSubmitIncident(), "zalo:night", slots=slots)
    assert "thầy cô chủ nhiệm sẽ nhận được báo cáo lúc 06:00" in texts(held)
    assert "Quý phụ huynh vui lòng liên hệ trực tiếp" in texts(held)
