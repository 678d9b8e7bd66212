"""A teacher marks an incident report handled ("đã xử lý SC-2026-000123" or the alert's button)."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import db, entity, now, sender, user_text
from actions.guard import BadInput, SafeAction
from chatbot.school.incidents import HandleStatus, mark_handled

REFERENCE = re.compile(r"\b([A-Za-z]{2}-\d{4}-\d{6,10})\b")


def reference_and_note(tracker: Tracker) -> tuple[str | None, str]:
    """The report reference (entity or typed) and any note typed after it."""
    text = user_text(tracker)
    match = REFERENCE.search(text)
    note = text[match.end():].strip(" :-–—,.") if match else ""
    reference = entity(tracker, "incident_reference")
    if reference is not None and not REFERENCE.fullmatch(reference):
        raise BadInput("entity incident_reference is not a report reference")
    return reference or (match.group(1) if match else None), note


class ActionMarkHandled(SafeAction):
    def name(self) -> str:
        return "action_mark_handled"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        reference, note = reference_and_note(tracker)
        if reference is None:
            dispatcher.utter_message(
                text="Dạ, thầy cô gửi kèm mã báo cáo giúp em, ví dụ: đã xử lý SC-2026-000123."
            )
            return []
        channel, external_id = sender(tracker)
        outcome = await db(
            mark_handled, channel=channel, external_id=external_id, reference=reference, note=note,
            now=now(),
        )
        ref = outcome.reference
        if outcome.status is HandleStatus.HANDLED:
            told = (
                "Người báo cáo sẽ nhận được thông báo."
                if outcome.reporter_notified
                else "Người báo cáo không còn liên kết với trợ lý nên không nhận được thông báo."
            )
            text = f"Dạ, em đã ghi nhận báo cáo {ref} đã được xử lý. {told}"
        elif outcome.status is HandleStatus.ALREADY_HANDLED:
            text = f"Dạ, báo cáo {ref} đã được {outcome.handled_by} đánh dấu xử lý trước đó."
        elif outcome.status is HandleStatus.NOT_FOUND:
            text = f"Dạ, em không tìm thấy báo cáo có mã {ref}."
        else:
            text = (
                "Dạ, chỉ giáo viên của lớp có báo cáo, hoặc cán bộ nhà trường, mới đánh dấu được báo "
                "cáo là đã xử lý."
            )
        dispatcher.utter_message(text=text)
        return []
