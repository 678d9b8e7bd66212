"""The display name a student must use (item 1.4.b), and checking a name they plan to use.

Replies are domain responses (chatbot/domain/onboarding.yml) in the variation for the
person's role: a student hears about "tên hiển thị của em", a parent about their child's."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import account_view, is_cancel, off_loop, say, user_text
from actions.guard import SafeAction, SafeFormValidationAction
from chatbot.school.accounts import AccountView, LinkedStudent
from chatbot.school.display_names import NameCheck, NameProblem, candidate_in_message, check_display_name

FORM = "display_name_form"
SLOT = "display_name_candidate"

_PROBLEM_TEXT = {
    NameProblem.NO_ROLL: "thiếu số thứ tự trong danh sách lớp",
    NameProblem.WRONG_ROLL: "số thứ tự chưa đúng",
    NameProblem.DIACRITICS: "họ tên cần viết đúng và đủ dấu tiếng Việt",
    NameProblem.WRONG_NAME: "họ tên chưa khớp với danh sách lớp",
    NameProblem.LAYOUT: "cách ghi chưa đúng mẫu (số thứ tự hai chữ số, đứng trước họ tên)",
}


def _say_names(dispatcher: CollectingDispatcher, view: AccountView) -> None:
    lines = "\n".join(f"• Em {s.full_name} (lớp {s.class_name}): {s.display_name}" for s in view.students)
    say(dispatcher, "utter_display_name_mine", view, names=lines, display_name=view.students[0].display_name)


def _say_verdict(
    dispatcher: CollectingDispatcher, view: AccountView, check: NameCheck, student: LinkedStudent
) -> None:
    values = {"candidate": check.candidate, "required": check.required, "student": student.full_name}
    if check.ok:
        say(dispatcher, "utter_display_name_ok", view, **values)
        return
    reasons = "; ".join(_PROBLEM_TEXT[p] for p in check.problems)
    say(dispatcher, "utter_display_name_wrong", view, reasons=reasons, **values)


def _best_match(candidate: str, students: tuple[LinkedStudent, ...]) -> tuple[NameCheck, LinkedStudent]:
    checks = [
        (check_display_name(candidate, s.roll_number, s.full_name, s.class_name), s) for s in students
    ]
    return min(checks, key=lambda pair: len(pair[0].problems))


class ActionMyDisplayName(SafeAction):
    def name(self) -> str:
        return "action_my_display_name"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        view = await account_view(tracker)
        if not view.students:
            say(dispatcher, "utter_display_name_not_linked", view)
            return []
        _say_names(dispatcher, view)
        return []


class ActionCheckDisplayName(SafeAction):
    """Checks a proposed name; asks for it (through the form) when the message holds none."""

    def name(self) -> str:
        return "action_check_display_name"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        after_form = tracker.latest_action_name == FORM
        if after_form:
            candidate = tracker.get_slot(SLOT)
        else:
            candidate = await off_loop(candidate_in_message, user_text(tracker))
        view = await account_view(tracker)
        if after_form and not candidate:
            say(dispatcher, "utter_display_name_later", view)
            return [SlotSet(SLOT, None)]
        if not view.students:
            say(dispatcher, "utter_display_name_not_linked", view)
            return [SlotSet(SLOT, None)]
        if not candidate:
            say(dispatcher, "utter_ask_display_name_candidate", view)
            return [ActiveLoop(FORM), SlotSet("requested_slot", SLOT), FollowupAction("action_listen")]
        check, student = await off_loop(_best_match, candidate, view.students)
        _say_verdict(dispatcher, view, check, student)
        return [SlotSet(SLOT, None)]


class ValidateDisplayNameForm(SafeFormValidationAction):
    def name(self) -> str:
        return f"validate_{FORM}"

    async def extract_display_name_candidate(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") != SLOT:
            return {}
        return {SLOT: user_text(tracker).strip()}

    def validate_display_name_candidate(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        if not value or is_cancel(str(value)):
            return {SLOT: None, "requested_slot": None}
        return {SLOT: str(value)[:120]}
