"""The session start reads whom the replies address, and the replies of the guard and the
unanswered action reach each role in its own form of address (docs/replies.md)."""

from __future__ import annotations

import pytest
from rasa_sdk.events import ActionExecuted, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

import actions.unanswered
from actions.guard import MAX_MESSAGE, SafeAction
from actions.session import ActionSessionStart
from actions.unanswered import ActionUnanswered
from chatbot.db.models import Role
from tests.actions.conftest import link_sender, make_tracker, run, texts
from tests.chatbot.school.sample import Sample

SESSION_DOMAIN = {"session_config": {"carry_over_slots_to_new_session": True}}


class _Failing(SafeAction):
    """An action that fails inside: the guard answers for it."""

    def name(self) -> str:
        return "action_failing"

    async def run(self, dispatcher, tracker, domain):  # noqa: ANN001, ANN201
        raise RuntimeError("boom")


async def _session_role(sender: str, slots: dict | None = None) -> list:
    tracker = make_tracker(sender, slots=slots)
    return await ActionSessionStart().run(CollectingDispatcher(), tracker, SESSION_DOMAIN)


@pytest.mark.parametrize(
    ("role", "ids", "expected"),
    [
        (Role.STUDENT, {"student_id": "hoa"}, "student"),
        (Role.PARENT, {"student_id": "binh"}, "parent"),
        (Role.TEACHER, {"staff_id": "lan"}, "teacher"),
        (Role.STAFF, {"staff_id": "principal"}, "staff"),
    ],
)
async def test_the_session_start_sets_the_role_of_the_linked_account(
    school: Sample, role: Role, ids: dict[str, str], expected: str,
) -> None:
    sender = "telegram:8101"
    link_sender(sender, role, **{key: getattr(school, value) for key, value in ids.items()})
    events = await _session_role(sender, {"role": "guest", "relay_thread": "4"})
    assert events == [SessionStarted(), SlotSet("relay_thread", "4"), SlotSet("role", expected),
                      ActionExecuted("action_listen")]


async def test_an_account_not_linked_starts_as_a_guest(school: Sample) -> None:
    events = await _session_role("telegram:8102")
    assert SlotSet("role", "guest") in events


async def test_the_session_starts_even_when_the_account_cannot_be_read(
    school: Sample, monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def broken(_tracker):
        raise RuntimeError("database down")

    monkeypatch.setattr("actions.session.account_view", broken)
    events = await _session_role("telegram:8103", {"role": "student"})
    assert events == [SessionStarted(), ActionExecuted("action_listen")]


@pytest.mark.parametrize(
    ("role", "start", "absent"),
    [
        ("student", "Câu này trợ lý chưa trả lời được", "Quý phụ huynh"),
        ("teacher", "Dạ, câu này em chưa trả lời được", "Quý phụ huynh"),
        ("staff", "Dạ, câu này em chưa trả lời được", "Quý phụ huynh"),
        ("parent", "Dạ, câu này em chưa trả lời được", "thầy cô có thể"),
        ("guest", "Dạ, câu này em chưa trả lời được", "thầy cô có thể"),
    ],
)
async def test_the_unanswered_reply_speaks_to_the_role_in_the_slot(
    school: Sample, monkeypatch: pytest.MonkeyPatch, role: str, start: str, absent: str,
) -> None:
    async def stored(*_args):
        return None

    monkeypatch.setattr(actions.unanswered, "db", stored)
    messages, _ = await run(ActionUnanswered(), "telegram:8104", "giá vàng hôm nay", slots={"role": role})
    assert texts(messages).startswith(start) and absent not in texts(messages)
    assert 1 <= len(messages[0]["buttons"]) <= 5


async def test_a_teachers_menu_after_an_unanswered_question_offers_a_notice(
    school: Sample, monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def stored(*_args):
        return None

    monkeypatch.setattr(actions.unanswered, "db", stored)
    messages, _ = await run(ActionUnanswered(), "telegram:8105", "abc xyz", slots={"role": "teacher"})
    assert "/teacher_broadcast" in [b["payload"] for b in messages[0]["buttons"]]


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("student", "Tin nhắn này dài quá nên trợ lý chưa đọc được. Em gửi ngắn gọn hơn, tối đa 4.096"),
        ("teacher", "Dạ, tin nhắn này dài quá nên em chưa đọc được. Thầy cô gửi ngắn gọn hơn"),
        ("parent", "Dạ, tin nhắn này dài quá nên em chưa đọc được. Quý phụ huynh vui lòng"),
    ],
)
async def test_the_guard_refuses_a_long_message_in_the_role_of_the_slot(
    school: Sample, role: str, expected: str,
) -> None:
    assert MAX_MESSAGE == 4096
    messages, events = await run(_Failing(), "telegram:8106", "a" * 5000, slots={"role": role})
    assert texts(messages).startswith(expected) and "{limit}" not in texts(messages)
    assert events == []


async def test_the_guard_apologises_to_a_student_as_em(school: Sample) -> None:
    messages, _ = await run(_Failing(), "telegram:8107", "lịch học", slots={"role": "student"})
    assert texts(messages).startswith("Trợ lý đang gặp trục trặc") and "Dạ" not in texts(messages)
