"""The display name a student must use (item 1.4.b), and checking a name they plan to use."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import HOW_TO_LINK, account_view, is_cancel, off_loop, user_text
from actions.guard import SafeAction, SafeFormValidationAction
from chatbot.school.accounts import AccountView, LinkedStudent
from chatbot.school.display_names import NameCheck, NameProblem, candidate_in_message, check_display_name

FORM = "display_name_form"
SLOT = "display_name_candidate"

RULE = (
    "Theo mục 1.4.b, học sinh phải dùng tên thật, ghi số thứ tự và các thông tin khác trong "
    "danh sách lớp theo yêu cầu của giáo viên."
)

_PROBLEM_TEXT = {
    NameProblem.NO_ROLL: "thiếu số thứ tự trong danh sách lớp",
    NameProblem.WRONG_ROLL: "số thứ tự chưa đúng",
    NameProblem.DIACRITICS: "họ tên cần viết đúng và đủ dấu tiếng Việt",
    NameProblem.WRONG_NAME: "họ tên chưa khớp với danh sách lớp",
    NameProblem.LAYOUT: "cách ghi chưa đúng mẫu (số thứ tự hai chữ số, đứng trước họ tên)",
}


NOT_LINKED_RULE = (
    "Dạ, theo mục 1.4.b, học sinh dùng tên thật và ghi số thứ tự theo danh sách lớp. Tài khoản "
    f"này chưa được liên kết nên em chưa biết số thứ tự của con; {HOW_TO_LINK}"
)


def _name_lines(view: AccountView) -> str:
    if view.is_student:
        student = view.students[0]
        return f"Dạ, tên hiển thị của em khi vào lớp trực tuyến là: {student.display_name}"
    lines = [f"• Em {s.full_name} (lớp {s.class_name}): {s.display_name}" for s in view.students]
    return "Dạ, tên hiển thị khi vào lớp trực tuyến:\n" + "\n".join(lines)


def _verdict(check: NameCheck, student: LinkedStudent, several: bool) -> str:
    whose = f" của em {student.full_name}" if several else ""
    if check.ok:
        return f"Dạ, tên «{check.candidate}» đã đúng mẫu{whose}: {check.required}. 👍"
    reasons = "; ".join(_PROBLEM_TEXT[p] for p in check.problems)
    return (
        f"Dạ, tên «{check.candidate}» chưa đúng ({reasons}). Tên hiển thị đúng{whose} là: "
        f"{check.required}"
    )


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
            dispatcher.utter_message(text=NOT_LINKED_RULE)
            return []
        dispatcher.utter_message(
            text=f"{_name_lines(view)}\n{RULE}",
            buttons=[{"title": "Kiểm tra tên định dùng", "payload": "/check_display_name"}],
        )
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
        if after_form and not candidate:
            dispatcher.utter_message(text="Dạ, vâng ạ. Khi cần, em cứ gửi tên định dùng để kiểm tra nhé.")
            return [SlotSet(SLOT, None)]
        view = await account_view(tracker)
        if not view.students:
            dispatcher.utter_message(text=NOT_LINKED_RULE)
            return [SlotSet(SLOT, None)]
        if not candidate:
            dispatcher.utter_message(response="utter_ask_display_name_candidate")
            return [ActiveLoop(FORM), SlotSet("requested_slot", SLOT), FollowupAction("action_listen")]
        check, student = await off_loop(_best_match, candidate, view.students)
        dispatcher.utter_message(text=_verdict(check, student, len(view.students) > 1))
        if not check.ok:
            dispatcher.utter_message(text=RULE)
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
