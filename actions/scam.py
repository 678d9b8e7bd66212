"""Someone posing as the Ministry, Department or Office selling devices or documents (section 3)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import account_view, address, capitalized, db, now, sender, user_text
from actions.guard import SafeAction
from actions.incident_form import too_many_reports
from chatbot.school import contacts, incidents

SLOT = "scam_description"

ADVICE = (
    "Dạ, Phòng GDĐT đề nghị tăng cường cảnh giác với các đối tượng mạo danh Bộ, Sở, Phòng GDĐT để "
    "rao bán thiết bị, tài liệu nhằm trục lợi (mục 3).\n"
    "• {you} không nên chuyển tiền hay cung cấp thông tin cá nhân cho người đó.\n"
    "• Nên hỏi lại nhà trường hoặc giáo viên chủ nhiệm trước khi làm theo bất kỳ yêu cầu nào.\n"
    "• Có thể báo cho công an địa phương."
)


class ActionScamAdvice(SafeAction):
    def name(self) -> str:
        return "action_scam_advice"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        view = await account_view(tracker)
        dispatcher.utter_message(text=ADVICE.format(you=capitalized(address(view))))
        dispatcher.utter_message(
            text="Em có thể gửi báo cáo này cho nhà trường. Gửi luôn không ạ?",
            buttons=[
                {"title": "Gửi báo cáo", "payload": "/affirm"},
                {"title": "Không, cảm ơn", "payload": "/deny"},
            ],
        )
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
        if outcome.status is incidents.ReportStatus.TOO_MANY:
            dispatcher.utter_message(text=too_many_reports(address(await account_view(tracker))))
            return [SlotSet(SLOT, None)]
        await db(contacts.record_numbers, outcome.reference, tracker.get_slot(SLOT) or "")
        dispatcher.utter_message(
            text=f"Dạ, nhà trường đã nhận báo cáo {outcome.reference}. Cảm ơn gia đình đã cảnh giác và "
            "báo lại cho nhà trường."
        )
        return [SlotSet(SLOT, None)]
