"""Unlinking with a confirmation, and database work that never blocks other conversations."""

from __future__ import annotations

import asyncio
import time

from rasa_sdk.events import AllSlotsReset, SlotSet
from sqlalchemy import select

import chatbot.school.timetable
from actions.display_name import ActionMyDisplayName
from actions.privacy import ActionAskUnlink, ActionForgetAccount
from actions.timetable import ActionTimetable
from chatbot.db.engine import session_scope
from chatbot.db.models import AccountLink, ChatAccount, Role
from tests.actions.conftest import link_sender, run, texts
from tests.chatbot.school.sample import Sample

PARENT = "telegram:100"


async def test_unlinking_asks_first_then_deletes(school: Sample) -> None:
    link_sender(PARENT, Role.PARENT, student_id=school.minh_anh)
    messages, _ = await run(ActionAskUnlink(), PARENT, "xóa dữ liệu của tôi")
    assert "em Nguyễn Minh Anh (lớp 6A)" in texts(messages) and "chắc chắn" in texts(messages)
    assert [b["payload"] for b in messages[0]["buttons"]] == ["/affirm", "/deny"]
    with session_scope() as session:
        assert session.execute(select(AccountLink)).first() is not None  # asking deletes nothing
    messages, events = await run(ActionForgetAccount(), PARENT, "/affirm")
    reply = texts(messages)
    assert "đã hủy liên kết và xóa:" in reply and "liên kết với em Nguyễn Minh Anh (lớp 6A)" in reply
    assert "toàn bộ lịch sử trò chuyện" in reply and "Quý phụ huynh có thể liên kết lại" in reply
    assert events == [AllSlotsReset(), SlotSet("conversation_erasure", "requested"), SlotSet("role", "guest")]
    with session_scope() as session:
        assert session.execute(select(ChatAccount)).first() is None
    nothing, _ = await run(ActionAskUnlink(), PARENT, "hủy liên kết")
    assert "chỉ lưu lịch sử trò chuyện" in texts(nothing)
    assert [b["payload"] for b in nothing[0]["buttons"]] == ["/affirm", "/deny"]
    erased, events = await run(ActionForgetAccount(), PARENT, "/affirm")
    assert "không có liên kết hay dữ liệu nào khác" in texts(erased) and "lịch sử trò chuyện" in texts(erased)
    assert SlotSet("conversation_erasure", "requested") in events and SlotSet("role", "guest") in events


async def test_unlinking_speaks_to_a_student_and_a_teacher_in_their_own_voice(school: Sample) -> None:
    link_sender("zalo:s", Role.STUDENT, student_id=school.binh)
    link_sender("zalo:t", Role.TEACHER, staff_id=school.lan)
    student, _ = await run(ActionAskUnlink(), "zalo:s", "hủy liên kết")
    teacher, _ = await run(ActionAskUnlink(), "zalo:t", "hủy liên kết")
    assert texts(student).startswith("Hủy liên kết sẽ gỡ liên kết của tài khoản này với em,")
    assert texts(student).endswith("Em chắc chắn muốn hủy liên kết chứ?")
    assert texts(teacher).endswith("Thầy cô chắc chắn muốn hủy liên kết chứ ạ?")
    assert "Quý phụ huynh" not in texts(student) + texts(teacher)
    done, events = await run(ActionForgetAccount(), "zalo:s", "/affirm")
    assert texts(done).startswith(
        "Trợ lý đã hủy liên kết và xóa:\n• liên kết với em Trần Văn Bình (lớp 6A);\n")
    assert "em có thể liên kết lại" in texts(done) and " ạ" not in texts(done)
    assert events[-1] == SlotSet("role", "guest")
    done, events = await run(ActionForgetAccount(), "zalo:t", "/affirm")
    assert "• liên kết với thầy cô Nguyễn Thị Lan;" in texts(done)
    assert "thầy cô có thể liên kết lại" in texts(done)
    assert events[-1] == SlotSet("role", "guest")


async def test_a_slow_query_in_one_conversation_does_not_hold_up_another(school, monkeypatch) -> None:  # noqa: ANN001
    link_sender(PARENT, Role.PARENT, student_id=school.minh_anh)
    link_sender("zalo:2", Role.PARENT, student_id=school.hoa)
    slow_schedule = chatbot.school.timetable.schedule

    def sleepy(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202 - runs in a worker thread
        time.sleep(1.0)
        return slow_schedule(*args, **kwargs)

    monkeypatch.setattr(chatbot.school.timetable, "schedule", sleepy)
    finished: dict[str, float] = {}
    start = time.perf_counter()

    async def timed(name: str, coroutine) -> list[dict]:  # noqa: ANN001
        messages, _ = await coroutine
        finished[name] = time.perf_counter() - start
        return messages

    slow, fast = await asyncio.gather(
        timed("slow", run(ActionTimetable(), PARENT, "hôm nay")),
        timed("fast", run(ActionMyDisplayName(), "zalo:2", "tên hiển thị của con")),
    )
    assert finished["slow"] >= 1.0 and "Ngữ văn" in texts(slow)
    assert finished["fast"] < 0.5 and "12 - Lê Thị Hoa" in texts(fast)
