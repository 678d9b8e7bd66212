""" "Is this really the school?": a pasted number, message or link checked against the list
of official contacts staff keep (chatbot/school/contacts.py), then the item 3 warning and an
offer to file a scam report. The verdict lines are data (each number, address or link found and
its owner); the replies around them are domain responses."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.orm import Session

from actions.common import account_view, db, off_loop, say, user_text
from actions.guard import SafeAction
from chatbot.school import contacts, incidents
from chatbot.school.accounts import AccountView

SCAM_SLOT = "scam_description"
KIND_NAMES = {"phone": "Số", "email": "Địa chỉ email", "web": "Trang"}


def verdicts(session: Session, text: str, view: AccountView) -> list[str]:
    lines = []
    for found in contacts.check_text(session, text, view.school_ids or None):
        label = f"{KIND_NAMES[found.kind]} {found.value}"
        if found.contact is not None:
            lines.append(
                f"✅ {label} có trong danh sách liên hệ chính thức: "
                f"{contacts.owner_text(found.contact, session)}."
            )
        else:
            lines.append(
                f"⚠️ {label} KHÔNG có trong danh sách liên hệ chính thức của nhà trường và Phòng GDĐT."
            )
    return lines


class ActionCheckContact(SafeAction):
    def name(self) -> str:
        return "action_check_contact"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        view = await account_view(tracker)
        text = user_text(tracker)
        lines = await db(verdicts, text, view) if text else []
        if not lines:
            say(dispatcher, "utter_contact_ask_what", view)
            say(dispatcher, "utter_contact_item3", view)
            return []
        say(dispatcher, "utter_contact_checked", view, verdicts="\n".join(lines))
        say(dispatcher, "utter_contact_item3", view)
        say(dispatcher, "utter_contact_offer_report", view)  # "Gửi báo cáo" / "Không, cảm ơn"
        description = await off_loop(lambda: text[: incidents.MAX_DESCRIPTION])
        return [SlotSet(SCAM_SLOT, description)]
