"""A teacher marks an incident report handled ("đã xử lý SC-2026-000123" or the alert's button).

Only teachers and staff may; the replies to them are written for teachers alone, and anyone
else is told who may mark a report handled.
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import account_view, db, entity, now, say, sender, user_text
from actions.guard import BadInput, SafeAction
from chatbot.db.models import StaffRole
from chatbot.school.accounts import StaffLink
from chatbot.school.incidents import HandleOutcome, HandleStatus, mark_handled

REFERENCE = re.compile(r"\b([A-Za-z]{2}-\d{4}-\d{6,10})\b")
NOT_ALLOWED = "utter_mark_handled_not_allowed"


def reference_and_note(tracker: Tracker) -> tuple[str | None, str]:
    """The report reference (entity or typed) and any note typed after it."""
    text = user_text(tracker)
    match = REFERENCE.search(text)
    note = text[match.end():].strip(" :-–—,.") if match else ""
    reference = entity(tracker, "incident_reference")
    if reference is not None and not REFERENCE.fullmatch(reference):
        raise BadInput("entity incident_reference is not a report reference")
    return reference or (match.group(1) if match else None), note


def staff_role(staff: StaffLink) -> str:
    """A teacher or staff member is addressed as one here, even one with children in the school."""
    return "staff" if staff.role is StaffRole.STAFF else "teacher"


def reply(outcome: HandleOutcome) -> tuple[str, dict[str, str]]:
    """The response for a teacher's or staff member's outcome, and its values."""
    values = {"reference": outcome.reference}
    if outcome.status is HandleStatus.HANDLED:
        if outcome.reporter_notified:
            return "utter_mark_handled_done", values
        return "utter_mark_handled_done_unnotified", values
    if outcome.status is HandleStatus.ALREADY_HANDLED:
        if outcome.handled_by:
            return "utter_mark_handled_already", {**values, "handled_by": outcome.handled_by}
        return "utter_mark_handled_already_unnamed", values
    if outcome.status is HandleStatus.NOT_FOUND:
        return "utter_mark_handled_not_found", values
    return NOT_ALLOWED, values


class ActionMarkHandled(SafeAction):
    def name(self) -> str:
        return "action_mark_handled"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        reference, note = reference_and_note(tracker)
        view = await account_view(tracker)
        if view.staff is None:
            say(dispatcher, NOT_ALLOWED, view)
            return []
        role = staff_role(view.staff)
        if reference is None:
            say(dispatcher, "utter_mark_handled_no_reference", role=role)
            return []
        channel, external_id = sender(tracker)
        outcome = await db(
            mark_handled, channel=channel, external_id=external_id, reference=reference, note=note,
            now=now(),
        )
        response, values = reply(outcome)
        say(dispatcher, response, role=role, **values)
        return []
