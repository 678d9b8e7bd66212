"""Asking for a person: the relay to the homeroom teacher when they are on the assistant
(actions/relay.py); otherwise the request is recorded and the homeroom teacher alerted."""

from __future__ import annotations

import json
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import account_view, db, entity_id, now, say, sender, user_text
from actions.guard import SafeAction
from actions.relay import open_form
from chatbot.school.alerts import homeroom_accounts
from chatbot.school.help_requests import HelpStatus, request_help

REPLIES = {
    HelpStatus.ALERTED: "utter_human_alerted",
    HelpStatus.ALREADY_ASKED: "utter_human_already_asked",
    HelpStatus.NO_TEACHER_ACCOUNT: "utter_human_no_teacher",
    HelpStatus.NOT_LINKED: "utter_human_not_linked",
}


class ActionAskHuman(SafeAction):
    def name(self) -> str:
        return "action_ask_human"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        view = await account_view(tracker)
        student_id = entity_id(tracker, "student_id")
        if len(view.students) > 1 and (student_id is None or view.student(student_id) is None):
            buttons = [
                {
                    "title": f"Em {s.full_name} (lớp {s.class_name})",
                    "payload": "/ask_human" + json.dumps({"student_id": str(s.student_id)}),
                }
                for s in view.students
            ]
            say(dispatcher, "utter_human_which_child", view, buttons=buttons)
            return []
        chosen = view.student(student_id) if student_id is not None else None
        if chosen is None and len(view.students) == 1:
            chosen = view.students[0]
        if chosen is not None and await db(homeroom_accounts, chosen.class_id):
            return open_form(student_id=chosen.student_id)  # the teacher answers through the relay
        channel, external_id = sender(tracker)
        outcome = await db(
            request_help, channel=channel, external_id=external_id, message=user_text(tracker),
            student_id=student_id, now=now(),
        )
        if outcome.student is None:  # no class to pass the request to, asked before or not
            say(dispatcher, REPLIES[HelpStatus.NOT_LINKED], view)
            return []
        say(dispatcher, REPLIES[outcome.status], view, class_name=outcome.student.class_name)
        return []
