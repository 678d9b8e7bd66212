"""Every action validates its input and answers its own failures politely, logging no values
(issue 11, point 8)."""

from __future__ import annotations

import logging

import pytest
from rasa_sdk.executor import ActionExecutor

import actions.human
from actions.broadcast import ActionBroadcastReceived
from actions.guard import SafeAction, SafeFormValidationAction
from actions.human import ActionAskHuman
from actions.lessons import targets_for  # noqa: F401 - the module registers ActionTimetable's base
from actions.mark_handled import ActionMarkHandled
from actions.timetable import ActionTimetable
from chatbot.db.models import Role
from tests.actions.conftest import link_sender, run
from tests.chatbot.school.sample import SECRET_6A, Sample

PARENT = "telegram:700"


def _responses(messages: list[dict]) -> list[str | None]:
    return [m.get("response") for m in messages]


def test_every_registered_action_is_guarded() -> None:
    executor = ActionExecutor()
    executor.register_package("actions")
    assert len(executor.actions) > 20
    for name, run_action in executor.actions.items():
        action = run_action.__self__
        assert isinstance(action, (SafeAction, SafeFormValidationAction)), name
        if isinstance(action, SafeAction):
            assert getattr(type(action).run, "__guarded__", False), name


@pytest.mark.parametrize(
    ("action", "entities"),
    [
        (ActionAskHuman(), {"student_id": "²"}),
        (ActionAskHuman(), {"student_id": "99999999999999999999"}),
        (ActionAskHuman(), {"student_id": "٣"}),
        (ActionAskHuman(), {"student_id": "-1"}),
        (ActionAskHuman(), {"student_id": ["1"]}),
        (ActionTimetable(), {"student_id": "0"}),
        (ActionBroadcastReceived(), {"delivery_id": "99999999999999999999"}),
        (ActionBroadcastReceived(), {"delivery_id": "1e3"}),
        (ActionMarkHandled(), {"incident_reference": "SC-2026-000001%"}),
        (ActionMarkHandled(), {"incident_reference": "x" * 300}),
    ],
)
async def test_crafted_entities_get_a_polite_answer(
    school: Sample, action: SafeAction, entities: dict[str, object], caplog: pytest.LogCaptureFixture
) -> None:
    link_sender(PARENT, Role.PARENT, student_id=school.minh_anh)
    with caplog.at_level(logging.INFO):
        messages, events = await run(action, PARENT, "/x", entities=entities)
    assert _responses(messages) == ["utter_bad_input"] and events == []
    assert "refused its input" in caplog.text
    for value in entities.values():
        assert str(value) not in caplog.text


async def test_nul_bytes_are_taken_out_of_what_actions_read(school: Sample) -> None:
    link_sender(PARENT, Role.PARENT, student_id=school.minh_anh)
    messages, _ = await run(ActionAskHuman(), PARENT, "gặp\x00 giáo viên", entities={"student_id": "\x00"})
    assert messages[0]["text"].startswith("Dạ")


@pytest.mark.parametrize("sender", ["a\x00b", "x" * 200, "telegram:" + "1" * 130])
async def test_a_sender_id_no_channel_makes_gets_a_polite_answer(school: Sample, sender: str) -> None:
    messages, _ = await run(ActionTimetable(), sender, "lịch học hôm nay")
    assert _responses(messages) == ["utter_bad_input"]


async def test_an_error_inside_an_action_is_a_polite_apology_and_a_log_line_without_values(
    school: Sample, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    link_sender(PARENT, Role.PARENT, student_id=school.minh_anh)

    def broken(*_: object, **__: object) -> None:
        raise KeyError(f"Nguyễn Minh Anh {SECRET_6A}")

    monkeypatch.setattr(actions.human, "request_help", broken)
    with caplog.at_level(logging.DEBUG):
        messages, events = await run(ActionAskHuman(), PARENT, "gặp giáo viên")
    assert _responses(messages) == ["utter_action_failed"] and events == []
    assert "action action_ask_human failed: KeyError at" in caplog.text
    assert "Nguyễn Minh Anh" not in caplog.text and SECRET_6A not in caplog.text
