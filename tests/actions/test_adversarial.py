"""Every action that reads free text answers crafted 4,096-character messages quickly and
politely (tests/hardening/adversarial.py); longer messages are not read at all."""

from __future__ import annotations

import time
from typing import Any

import pytest
from rasa_sdk import Action
from rasa_sdk.executor import CollectingDispatcher

from actions.broadcast import ActionBroadcastStart, ValidateBroadcastForm
from actions.display_name import ActionCheckDisplayName, ValidateDisplayNameForm
from actions.guard import MAX_MESSAGE
from actions.human import ActionAskHuman
from actions.incident_form import ValidateIncidentForm
from actions.join_class import ActionJoinClass
from actions.mark_handled import ActionMarkHandled
from actions.onboarding import ActionLinkAccount
from actions.scam import ActionScamAdvice, ActionSubmitScam
from actions.timetable import ActionTimetable
from actions.unanswered import ActionUnanswered
from chatbot.db.models import Role
from tests.actions.conftest import DOMAIN, link_sender, make_tracker
from tests.chatbot.school.sample import Sample
from tests.house.adversarial import family

PARENT, TEACHER = "telegram:500", "telegram:501"
LIMIT = 2.0  # seconds per message, database work included; the old name check took 18 s

# (action, who sends, slots of the conversation at that moment)
READERS: list[tuple[Action, str, dict[str, Any]]] = [
    (ActionCheckDisplayName(), PARENT, {}),
    (ValidateDisplayNameForm(), PARENT, {"requested_slot": "display_name_candidate"}),
    (ValidateIncidentForm(), PARENT, {}),
    *[(ValidateIncidentForm(), PARENT, {"requested_slot": slot, "incident_kind": "stranger"})
      for slot in ("incident_kind", "incident_class", "incident_time", "incident_description")],
    (ActionScamAdvice(), PARENT, {}),
    (ActionAskHuman(), PARENT, {}),
    (ActionMarkHandled(), TEACHER, {}),
    (ActionTimetable(), PARENT, {}),
    (ActionJoinClass(), PARENT, {}),
    (ActionLinkAccount(), "telegram:502", {}),
    (ActionBroadcastStart(), TEACHER, {}),
    (ValidateBroadcastForm(), TEACHER, {"requested_slot": "broadcast_target"}),
    (ValidateBroadcastForm(), TEACHER, {"requested_slot": "broadcast_text"}),
    (ActionUnanswered(), PARENT, {}),
]


async def _run(action: Action, sender: str, text: str, slots: dict[str, Any]) -> tuple[float, list[dict]]:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(sender, text, intent="nlu_fallback", slots=slots)
    start = time.perf_counter()
    await action.run(dispatcher, tracker, DOMAIN)
    return time.perf_counter() - start, dispatcher.messages


def _label(value: object) -> str:
    return value.name() if isinstance(value, Action) else ""


@pytest.mark.parametrize(("action", "sender", "slots"), READERS, ids=_label)
async def test_crafted_messages_get_a_prompt_answer(
    school: Sample, action: Action, sender: str, slots: dict[str, Any]
) -> None:
    link_sender(PARENT, Role.PARENT, student_id=school.minh_anh)
    link_sender(TEACHER, Role.TEACHER, staff_id=school.lan)
    for name, text in family(MAX_MESSAGE).items():
        seconds, messages = await _run(action, sender, text, slots)
        assert seconds < LIMIT, f"{action.name()} took {seconds:.1f} s on {name!r}"
        for message in messages:
            assert message.get("response") != "utter_action_failed", f"{action.name()} failed on {name!r}"


async def test_the_submitted_scam_description_is_capped(school: Sample) -> None:
    seconds, messages = await _run(ActionSubmitScam(), PARENT, "/affirm", {"scam_description": "«" * 50_000})
    assert seconds < LIMIT and [m["response"] for m in messages] == ["utter_scam_received"]


async def test_a_message_over_the_limit_is_not_read(school: Sample) -> None:
    _, messages = await _run(ActionCheckDisplayName(), PARENT, '"' + " " * MAX_MESSAGE, {})
    assert [m.get("response") for m in messages] == ["utter_message_too_long"]
