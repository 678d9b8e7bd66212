"""Someone posing as the Ministry, Department or Office selling devices or documents (section 3)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import account_view, db, now, say, sender, user_text
from actions.guard import SafeAction
from actions.incident_form import say_too_many_reports
from chatbot.school import contacts, incidents

SLOT = "scam_description"


class ActionScamAdvice(SafeAction):
    """What item 3 says, advice worded as advice, and an offer to send a report."""

    def name(self) -> str:
        return "action_scam_advice"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        view = await account_view(tracker)
        say(dispatcher, "utter_scam_advice", view)
        say(dispatcher, "utter_scam_offer_report", view)  # "Gửi báo cáo" / "Không, cảm ơn"
        return [SlotSet(SLOT, user_text(tracker)[: incidents.MAX_DESCRIPTION])]


class ActionSubmitScam(SafeAction):
    def name(self) -> str:
        return "action_submit_scam"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        channel, external_id = sender(tracker)
        outcome = await db(
            incidents.report_scam, channel=channel, external_id=external_id,
            description=tracker.get_slot(SLOT) or "", now=now(),
        )
        view = await account_view(tracker)
        if outcome.status is incidents.ReportStatus.TOO_MANY:
            say_too_many_reports(dispatcher, view)
            return [SlotSet(SLOT, None)]
        await db(contacts.record_numbers, outcome.reference, tracker.get_slot(SLOT) or "")
        say(dispatcher, "utter_scam_received", view, reference=outcome.reference or "")
        return [SlotSet(SLOT, None)]
