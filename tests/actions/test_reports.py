"""The incident form, scam reports, asking for a person and marking a report handled."""

from __future__ import annotations

from typing import Any

from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

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
from tests.actions.conftest import DOMAIN, link_sender, make_tracker, run, texts
from tests.chatbot.school.sample import NOW, Sample

PARENT = "telegram:100"
TEACHER = "telegram:lan"


async def _validate(sender: str, text: str, slots: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """Run the form's validation for one message; return the slots it sets and what it says."""
    dispatcher = CollectingDispatcher()
    events = await ValidateIncidentForm().run(dispatcher, make_tracker(sender, text, slots=slots), DOMAIN)
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}, texts(dispatcher.messages)


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
    assert payloads == ["lớp 6A", "lớp 7B", "thôi"]


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
    messages, _ = await run(ActionMarkHandled(), TEACHER, "đã xử lý xong")
    assert "SC-2026-000123" in texts(messages)


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
