"""Unlinking an account and deleting its personal data and conversation, after a confirmation.

``action_forget_account`` deletes the school data (chatbot/school/privacy.py) and sets the
erasure slot, on which the project's tracker stores erase every message of this
conversation, this turn's included, when Rasa saves it (chatbot/tracker_events.py). Nothing
stays linked, so the ``role`` slot becomes ``guest``. Replies are domain responses
(chatbot/domain/privacy.yml), addressed in the role the person had before.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import AllSlotsReset, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import account_view, db, role_event, say, sender
from actions.guard import SafeAction
from chatbot.school.accounts import AccountView
from chatbot.school.privacy import ForgetOutcome, forget_account
from chatbot.tracker_events import ERASE_SLOT, ERASE_VALUE


def _students(view_or_outcome: AccountView | ForgetOutcome) -> str:
    return "; ".join(f"em {s.full_name} (lớp {s.class_name})" for s in view_or_outcome.students)


class ActionAskUnlink(SafeAction):
    def name(self) -> str:
        return "action_ask_unlink"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        view = await account_view(tracker)
        if not view.linked:
            say(dispatcher, "utter_unlink_ask_unlinked", view)
        else:
            say(dispatcher, "utter_unlink_ask", view, students=_students(view))
        return []


def _count(number: int, what: str) -> str | None:
    return f"{number} {what}" if number else None


def deleted_lines(outcome: ForgetOutcome) -> str:
    """What was deleted besides the conversation, one "• …;" line each (empty when nothing)."""
    items = []
    if outcome.students:
        items.append(f"liên kết với {_students(outcome)}")
    if outcome.staff_name:
        items.append(f"liên kết với thầy cô {outcome.staff_name}")
    counts = [
        _count(outcome.acknowledgements, "xác nhận nội quy"),
        _count(outcome.help_requests, "yêu cầu hỗ trợ"),
        _count(outcome.messages, "tin nhà trường đã gửi tới tài khoản"),
    ]
    if any(counts):
        items.append(", ".join(c for c in counts if c))
    return "".join(f"• {item};\n" for item in items)


def say_deletion_summary(dispatcher: CollectingDispatcher, outcome: ForgetOutcome, view: AccountView) -> None:
    """Exactly what was deleted, kept and changed."""
    if not outcome.had_data:
        say(dispatcher, "utter_forget_nothing", view)
        return
    say(dispatcher, "utter_forget_done", view, deleted=deleted_lines(outcome))
    if outcome.reports_anonymised:
        kept = "utter_forget_reports_kept" if outcome.students else "utter_forget_reports_detached"
        say(dispatcher, kept, view, count=outcome.reports_anonymised)


class ActionForgetAccount(SafeAction):
    def name(self) -> str:
        return "action_forget_account"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        view = await account_view(tracker)
        channel, external_id = sender(tracker)
        outcome = await db(forget_account, channel, external_id)
        say_deletion_summary(dispatcher, outcome, view)
        return [AllSlotsReset(), SlotSet(ERASE_SLOT, ERASE_VALUE), role_event(AccountView())]
