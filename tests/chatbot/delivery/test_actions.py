"""The chat side: a teacher's notice with preview and confirmation, and "Đã nhận" receipts."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

import actions.common
from actions.broadcast import (
    SLOTS,
    ActionAskBroadcastTarget,
    ActionAskBroadcastText,
    ActionBroadcastCancel,
    ActionBroadcastPreview,
    ActionBroadcastReceived,
    ActionBroadcastSend,
    ActionBroadcastStart,
    ValidateBroadcastForm,
)
from chatbot.db.engine import session_scope
from chatbot.db.models import Broadcast, Role
from chatbot.delivery.audience import Audience
from chatbot.settings import PROJECT_ROOT, TIMEZONE
from tests.chatbot.delivery.conftest import SchoolData, add_account
from tests.chatbot.delivery.helpers import deliveries, queue
from tests.replies import render_async

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=TIMEZONE)
TEACHER, HEAD, PARENT = "telegram:t-lan", "telegram:t-quang", "telegram:p-6A-1"
NOTICE = "Chiều nay lớp nghỉ tiết Toán, các con ôn bài ở nhà."
DOMAIN = yaml.safe_load((PROJECT_ROOT / "chatbot" / "domain" / "broadcasts.yml").read_text("utf-8"))


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(actions.common, "clock", lambda: NOW)


async def run(
    action: Action,
    sender: str,
    text: str = "",
    slots: dict[str, Any] | None = None,
    entities: dict[str, str] | None = None,
) -> tuple[str, list[dict[str, Any]], list[dict[str, Any]]]:
    """Run an action on one message; return (what it said, as the person reads it, its buttons,
    its events)."""
    latest = {
        "text": text,
        "intent": {"name": "x", "confidence": 1.0},
        "entities": [{"entity": k, "value": v} for k, v in (entities or {}).items()],
    }
    tracker = Tracker(sender, dict(slots or {}), latest, [], False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, DOMAIN)
    messages = await render_async(dispatcher.messages)
    said = "\n".join(m["text"] for m in messages)
    buttons = [b for m in messages for b in m["buttons"]]
    return said, buttons, events


async def validate(sender: str, slot: str, text: str) -> tuple[dict[str, Any], str]:
    said, _, events = await run(ValidateBroadcastForm(), sender, text, {"requested_slot": slot})
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}, said


def broadcasts() -> list[Broadcast]:
    with session_scope() as session:
        return list(session.execute(select(Broadcast)).scalars())


async def test_only_teachers_and_staff_may_start(school: SchoolData) -> None:
    said, _, events = await run(ActionBroadcastStart(), PARENT, "gửi thông báo cho lớp")
    assert "chỉ dành cho giáo viên và cán bộ" in said
    assert FollowupAction("broadcast_form") not in events
    _, _, events = await run(ActionBroadcastStart(), TEACHER, "tôi muốn thông báo cho phụ huynh lớp 6A")
    assert events[-2:] == [SlotSet("broadcast_target", "6A"), FollowupAction("broadcast_form")]
    _, _, events = await run(ActionBroadcastStart(), TEACHER, "gửi thông báo cho lớp 7A")
    assert events[-2:] == [SlotSet("broadcast_target", None), FollowupAction("broadcast_form")]


async def test_a_teacher_sends_to_their_own_classes_only(school: SchoolData) -> None:
    assert (await validate(TEACHER, "broadcast_target", "6a"))[0] == {"broadcast_target": "6A"}
    slots, said = await validate(TEACHER, "broadcast_target", "lớp 7A")
    assert slots == {"broadcast_target": None} and "lớp 7A không thuộc" in said and "(6A)" in said
    slots, said = await validate(TEACHER, "broadcast_target", "toàn trường")
    assert slots == {"broadcast_target": None} and "chỉ cán bộ nhà trường" in said
    slots, said = await validate(TEACHER, "broadcast_target", "hôm nay")
    assert slots == {"broadcast_target": None} and "chưa rõ lớp nào" in said
    assert (await validate(HEAD, "broadcast_target", "Toàn trường"))[0] == {"broadcast_target": "toàn trường"}
    assert (await validate(HEAD, "broadcast_target", "7A"))[0] == {"broadcast_target": "7A"}
    slots, said = await validate(PARENT, "broadcast_target", "6A")
    assert slots["requested_slot"] is None and "chỉ dành cho giáo viên" in said


async def test_text_is_checked_and_thoi_stops(school: SchoolData) -> None:
    assert (await validate(TEACHER, "broadcast_text", f"  {NOTICE} "))[0] == {"broadcast_text": NOTICE}
    slots, said = await validate(TEACHER, "broadcast_text", "x" * 2001)
    assert slots == {"broadcast_text": None} and "quá giới hạn 2000" in said
    for slot in ("broadcast_target", "broadcast_text"):
        slots, _ = await validate(TEACHER, slot, "Thôi")
        assert slots == {**dict.fromkeys(SLOTS), "requested_slot": None}


async def test_target_buttons(school: SchoolData) -> None:
    _, buttons, _ = await run(ActionAskBroadcastTarget(), TEACHER)
    assert [b["title"] for b in buttons] == ["Lớp 6A", "Dừng"]
    _, buttons, _ = await run(ActionAskBroadcastTarget(), HEAD)
    assert [b["title"] for b in buttons] == ["Toàn trường", "Lớp 6A", "Lớp 6B", "Lớp 7A", "Dừng"]


async def test_preview_then_send_once(school: SchoolData) -> None:
    slots = {"broadcast_target": "6A", "broadcast_text": NOTICE}
    said, buttons, events = await run(ActionBroadcastPreview(), TEACHER, slots=slots)
    assert "tới phụ huynh và học sinh lớp 6A" in said
    assert f"{NOTICE}\n\nSố tin theo kênh (3 tin):\n• Telegram: 3\n\n" in said
    assert [b["payload"] for b in buttons] == ["/broadcast_confirm", "/broadcast_cancel"]
    assert broadcasts() == []  # nothing goes out before "Gửi"
    (draft,) = [e["value"] for e in events if e["name"] == "broadcast_draft"]
    slots["broadcast_draft"] = draft
    said, _, events = await run(ActionBroadcastSend(), TEACHER, slots=slots)
    assert "thông báo số 1 để gửi 3 tin tới phụ huynh và học sinh lớp 6A" in said and "trong ít phút" in said
    assert events == [SlotSet(s, None) for s in SLOTS]
    said, _, _ = await run(ActionBroadcastSend(), TEACHER, slots=slots)  # "Gửi" pressed again
    assert "đã được gửi rồi" in said
    (sent,) = broadcasts()
    assert (sent.audience, sent.sender, sent.ask_receipt, sent.text) == (
        "school=HS;class=6A", "Nguyễn Thị Lan (chat)", True, NOTICE
    )
    assert len(deliveries(sent.id)) == 3
    said, _, _ = await run(ActionBroadcastSend(), TEACHER, slots={})
    assert "không có thông báo nào chờ gửi" in said


async def test_staff_sends_to_the_whole_school_at_night_held_till_morning(
    school: SchoolData, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(actions.common, "clock", lambda: datetime(2026, 12, 2, 22, 0, tzinfo=TIMEZONE))
    slots = {"broadcast_target": "toàn trường", "broadcast_text": NOTICE, "broadcast_draft": "d1"}
    said, _, _ = await run(ActionBroadcastSend(), HEAD, slots=slots)
    assert "9 tin tới phụ huynh và học sinh toàn trường" in said and "giờ yên lặng (21:00–06:00)" in said
    assert "tin sẽ được gửi lúc 06:00 sáng mai" in said
    (sent,) = broadcasts()
    assert sent.audience == Audience().label("HS")
    morning = datetime(2026, 12, 3, 6, 0, tzinfo=TIMEZONE)
    assert {d.not_before for d in deliveries(sent.id).values()} == {morning}


async def test_a_forged_target_is_refused_at_send_time(school: SchoolData) -> None:
    slots = {"broadcast_target": "7A", "broadcast_text": NOTICE, "broadcast_draft": "d1"}
    said, _, _ = await run(ActionBroadcastSend(), TEACHER, slots=slots)
    assert "lớp 7A không thuộc danh sách" in said and "(6A)" in said and broadcasts() == []


async def test_preview_of_a_stopped_form_and_cancel(school: SchoolData) -> None:
    said, _, events = await run(ActionBroadcastPreview(), TEACHER, slots={"broadcast_target": None})
    assert "đã dừng" in said and events == [SlotSet(s, None) for s in SLOTS]
    said, _, _ = await run(ActionBroadcastCancel(), TEACHER, slots={"broadcast_draft": "d"})
    assert "đã hủy" in said and broadcasts() == []


async def test_receipts_only_from_the_recipient(school: SchoolData) -> None:
    queued = queue([school.accounts["p-6A-1"], school.accounts["p-6A-2"]], ask_receipt=True, now=NOW)
    mine = str(deliveries(queued.broadcast_id)[school.accounts["p-6A-1"]].id)
    said, _, _ = await run(ActionBroadcastReceived(), "telegram:p-6A-2", entities={"delivery_id": mine})
    assert "không tìm thấy thông báo này" in said
    said, _, _ = await run(ActionBroadcastReceived(), PARENT, entities={"delivery_id": mine})
    assert "đã ghi nhận Quý phụ huynh đã nhận được thông báo" in said
    said, _, _ = await run(ActionBroadcastReceived(), PARENT, entities={"delivery_id": mine})
    assert "đã xác nhận thông báo này rồi" in said
    said, _, _ = await run(ActionBroadcastReceived(), PARENT)
    assert "không tìm thấy" in said
    assert deliveries(queued.broadcast_id)[school.accounts["p-6A-1"]].acknowledged_at == NOW


STUDENT = "telegram:s-6A-1"


def add_student_account(school: SchoolData) -> int:
    """The student 6A-1's own account (the delivery school has parents' accounts only)."""
    with session_scope() as session:
        return add_account(session, "s-6A-1", [school.students[("6A", 1)]], role=Role.STUDENT)


def teacher_voice(said: str) -> bool:
    return said.startswith("Dạ,") and "thầy cô" in said.lower() and "Quý phụ huynh" not in said


def student_voice(said: str) -> bool:
    """No «Dạ»/«ạ», never «Quý phụ huynh»; the assistant is «trợ lý», the student «em»."""
    plain = not said.startswith("Dạ") and " ạ" not in said and "Quý phụ huynh" not in said
    return plain and "em" in said.lower().split()


async def test_the_notice_flow_speaks_to_thay_co(school: SchoolData) -> None:
    said, _, _ = await run(ActionAskBroadcastTarget(), TEACHER)
    assert said == "Dạ, thầy cô muốn gửi thông báo cho lớp nào ạ? (gõ tên lớp, ví dụ 6A)"
    said, buttons, _ = await run(
        ActionBroadcastPreview(), HEAD, slots={"broadcast_target": "6A", "broadcast_text": NOTICE}
    )
    assert teacher_voice(said) and "Thầy cô gõ “gửi” hoặc bấm “Gửi”" in said  # staff: as a teacher
    assert f":\n\n{NOTICE}\n\n" in said and [b["title"] for b in buttons] == ["Gửi", "Hủy"]
    said, _, _ = await run(ActionBroadcastSend(), TEACHER, slots={})
    assert teacher_voice(said) and "“gửi thông báo cho lớp”" in said


async def test_the_notice_text_is_shown_as_written(school: SchoolData) -> None:
    """The teacher's own words are a value: braces and quotes pass through untouched."""
    notice = 'Lịch {mới}: xem mục "Học tập" — 07:30'
    said, _, _ = await run(
        ActionBroadcastPreview(), TEACHER, slots={"broadcast_target": "6A", "broadcast_text": notice}
    )
    assert f"\n\n{notice}\n\n" in said


async def test_a_teacher_who_is_also_a_parent_sends_as_a_teacher(school: SchoolData) -> None:
    with session_scope() as session:
        add_account(
            session, "t-lan-home", [school.students[("6B", 1)]], staff_member_id=school.staff["teacher"]
        )
    said, _, _ = await run(
        ActionBroadcastPreview(), "telegram:t-lan-home",
        slots={"broadcast_target": "6A", "broadcast_text": NOTICE},
    )
    assert teacher_voice(said) and "(3 tin)" in said


async def test_families_who_try_to_send_a_notice_are_refused_in_their_own_voice(school: SchoolData) -> None:
    said, buttons, _ = await run(ActionBroadcastStart(), PARENT, "gửi thông báo cho lớp 6A")
    assert said.startswith("Dạ,") and "Quý phụ huynh bấm “Hỏi giáo viên” ạ" in said
    assert [b["payload"] for b in buttons] == ["/ask_human"]
    add_student_account(school)
    said, buttons, _ = await run(ActionBroadcastStart(), STUDENT, "gửi thông báo cho lớp 6A")
    assert said.startswith("Chức năng gửi thông báo chỉ dành cho thầy cô") and student_voice(said)
    assert "em bấm “Hỏi giáo viên” nhé" in said and [b["payload"] for b in buttons] == ["/ask_human"]
    said, _, _ = await run(ActionBroadcastStart(), "telegram:stranger", "gửi thông báo cho lớp 6A")
    assert "Nếu là giáo viên, thầy cô vui lòng gõ mã mời" in said  # not linked: maybe a teacher
    said, _, _ = await run(ActionBroadcastSend(), PARENT, "gửi", slots={})  # "gửi" typed by a parent
    assert said.startswith("Dạ, hiện không có tin nào chờ gửi") and "Quý phụ huynh bấm" in said
    said, _, _ = await run(ActionBroadcastCancel(), STUDENT, "thôi đừng gửi nữa")
    assert said == "Trợ lý đã dừng; không có tin nào được gửi đi nhé."


async def test_receipts_in_each_voice(school: SchoolData) -> None:
    student = add_student_account(school)
    teacher, parent = school.accounts["teacher"], school.accounts["p-6A-1"]
    queued = queue([student, teacher, parent], ask_receipt=True, now=NOW)
    ids = {account: {"delivery_id": str(d.id)} for account, d in deliveries(queued.broadcast_id).items()}
    said, _, _ = await run(ActionBroadcastReceived(), STUDENT, entities=ids[student])
    assert said == "Trợ lý đã ghi nhận em đã nhận được thông báo. Cảm ơn em nhé!"
    said, _, _ = await run(ActionBroadcastReceived(), STUDENT, entities=ids[student])
    assert said == "Em đã xác nhận thông báo này rồi. Cảm ơn em nhé!"
    said, _, _ = await run(ActionBroadcastReceived(), TEACHER, entities=ids[teacher])
    assert said == "Dạ, nhà trường đã ghi nhận thầy cô đã nhận được thông báo. Em cảm ơn thầy cô ạ!"
    said, _, _ = await run(ActionBroadcastReceived(), STUDENT, entities=ids[parent])
    assert said.startswith("Trợ lý không tìm thấy thông báo này") and "của em" in said and student_voice(said)


def test_domain_and_rules_name_only_declared_things() -> None:
    from rasa.shared.core.domain import Domain

    domain = Domain.load(str(PROJECT_ROOT / "chatbot" / "domain"))
    rules = yaml.safe_load(Path(PROJECT_ROOT / "chatbot/data/rules/broadcasts.yml").read_text("utf-8"))
    for rule in rules["rules"]:
        for step in rule["steps"]:
            if "intent" in step:
                assert step["intent"] in domain.intents
            if "action" in step:
                assert step["action"] in domain.action_names_or_texts
    for cls in (ActionBroadcastStart, ValidateBroadcastForm, ActionAskBroadcastTarget, ActionAskBroadcastText,
                ActionBroadcastPreview, ActionBroadcastSend, ActionBroadcastCancel, ActionBroadcastReceived):
        assert cls().name() in domain.action_names_or_texts
    assert "broadcast_form" in domain.form_names and "delivery_id" in domain.entities
