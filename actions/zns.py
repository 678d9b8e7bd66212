"""A family's phone numbers and ZNS in chat: confirming the roster number after linking, and
saying that the family wants no ZNS (or wants it again). Thin over chatbot.school.phone_consent."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import db, entity_id, now, sender
from actions.guard import SafeAction
from chatbot.school.phone_consent import confirm_phone, phone_to_confirm, set_zns_choice

NO_ZNS_BUTTON = {"title": "Không nhận ZNS", "payload": "/zns_opt_out"}
NO_NUMBER = (
    "Dạ, tài khoản này chưa liên kết với học sinh nào có số điện thoại phụ huynh trong danh sách "
    "của nhà trường, nên không có tin ZNS nào được gửi ạ."
)


async def ask_phone(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """After linking: ask whether the roster's number is this parent's (buttons)."""
    channel, external_id = sender(tracker)
    question = await db(phone_to_confirm, channel, external_id)
    if question is None:
        return
    dispatcher.utter_message(
        text=(
            f"Dạ, danh sách lớp có số điện thoại phụ huynh {question.masked}. Đây có phải số của "
            "Quý phụ huynh không ạ? Khi không nhắn được qua Zalo OA, nhà trường gửi thông báo "
            "tới số này qua ZNS (tin báo của Zalo)."
        ),
        buttons=[
            {"title": "Đúng, số của tôi", "payload": f'/phone_confirm{{"phone_id": "{question.phone_id}"}}'},
            {"title": "Không phải", "payload": "/phone_deny"},
            NO_ZNS_BUTTON,
        ],
    )


class ActionPhoneConfirm(SafeAction):
    def name(self) -> str:
        return "action_phone_confirm"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        phone_id = entity_id(tracker, "phone_id")
        channel, external_id = sender(tracker)
        if phone_id is None:  # typed rather than pressed: the button names the number
            dispatcher.utter_message(
                text="Dạ, Quý phụ huynh vui lòng bấm nút «Đúng, số của tôi» dưới tin nhắn hỏi số "
                "điện thoại để em ghi nhận đúng số ạ."
            )
            return []
        shown = await db(confirm_phone, channel, external_id, phone_id, now())
        if shown is None:
            dispatcher.utter_message(
                text="Dạ, em không tìm thấy số điện thoại này trong hồ sơ của gia đình ạ."
            )
            return []
        dispatcher.utter_message(
            text=f"Dạ, nhà trường đã ghi nhận số {shown} là của Quý phụ huynh. Cảm ơn Quý phụ huynh!",
            buttons=[NO_ZNS_BUTTON],
        )
        return []


class ActionPhoneDeny(SafeAction):
    def name(self) -> str:
        return "action_phone_deny"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(
            text=(
                "Dạ, em đã ghi nhận. Quý phụ huynh vui lòng báo giáo viên chủ nhiệm số điện thoại "
                "đúng để nhà trường cập nhật danh sách lớp ạ."
            )
        )
        return []


class ActionZnsOptOut(SafeAction):
    def name(self) -> str:
        return "action_zns_opt_out"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        channel, external_id = sender(tracker)
        count = await db(set_zns_choice, channel, external_id, False, now())
        if not count:
            dispatcher.utter_message(text=NO_NUMBER)
            return []
        dispatcher.utter_message(
            text=(
                "Dạ, nhà trường sẽ không gửi tin ZNS tới số điện thoại của gia đình nữa; thông báo "
                "vẫn đến qua kênh chat này khi gửi được. Muốn nhận lại, Quý phụ huynh nhắn "
                "“nhận lại ZNS” ạ."
            )
        )
        return []


class ActionZnsOptIn(SafeAction):
    def name(self) -> str:
        return "action_zns_opt_in"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        channel, external_id = sender(tracker)
        count = await db(set_zns_choice, channel, external_id, True, now())
        if not count:
            dispatcher.utter_message(text=NO_NUMBER)
            return []
        dispatcher.utter_message(
            text="Dạ, nhà trường sẽ gửi lại thông báo qua ZNS khi không nhắn được qua Zalo OA ạ.",
            buttons=[NO_ZNS_BUTTON],
        )
        return []
