"""Asking for a person: the relay to the homeroom teacher when they are on the assistant
(actions/relay.py); otherwise the request is recorded and the homeroom teacher alerted."""

from __future__ import annotations

import json
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import (
    HOW_TO_LINK,
    account_view,
    address,
    capitalized,
    db,
    entity_id,
    now,
    sender,
    user_text,
)
from actions.guard import SafeAction
from actions.relay import open_form
from chatbot.school.alerts import homeroom_accounts
from chatbot.school.help_requests import HelpStatus, request_help


class ActionAskHuman(SafeAction):
    def name(self) -> str:
        return "action_ask_human"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        view = await account_view(tracker)
        student_id = entity_id(tracker, "student_id")
        if len(view.students) > 1 and (student_id is None or view.student(student_id) is None):
            dispatcher.utter_message(
                text="Dạ, Quý phụ huynh muốn trao đổi với thầy cô chủ nhiệm của con nào ạ?",
                buttons=[
                    {
                        "title": f"Em {s.full_name} (lớp {s.class_name})",
                        "payload": "/ask_human" + json.dumps({"student_id": str(s.student_id)}),
                    }
                    for s in view.students
                ],
            )
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
        class_name = outcome.student.class_name if outcome.student else ""
        you = address(view)
        texts = {
            HelpStatus.ALERTED: (
                f"Dạ, em đã nhắn thầy cô chủ nhiệm lớp {class_name}; thầy cô sẽ liên hệ lại khi thuận tiện."
            ),
            HelpStatus.ALREADY_ASKED: (
                "Dạ, yêu cầu trước đó đã được chuyển tới thầy cô chủ nhiệm; thầy cô sẽ liên hệ lại khi "
                "thuận tiện."
            ),
            HelpStatus.NO_TEACHER_ACCOUNT: (
                f"Dạ, em đã ghi nhận yêu cầu, nhưng thầy cô chủ nhiệm lớp {class_name} chưa kết nối với "
                f"trợ lý. {capitalized(you)} vui lòng liên hệ trực tiếp thầy cô qua kênh liên lạc "
                "của lớp."
            ),
            HelpStatus.NOT_LINKED: (
                "Dạ, em đã ghi nhận yêu cầu. Vì tài khoản chưa liên kết nên em chưa biết lớp để báo thầy "
                f"cô chủ nhiệm; {HOW_TO_LINK}"
            ),
        }
        dispatcher.utter_message(text=texts[outcome.status])
        return []
