"""Unlinking an account and deleting its personal data, after a confirmation."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import AllSlotsReset
from rasa_sdk.executor import CollectingDispatcher

from actions.common import account_view, address, capitalized, db, sender
from actions.guard import SafeAction
from chatbot.school.privacy import forget_account

CONFIRM_BUTTONS = [
    {"title": "Có, hủy liên kết và xóa dữ liệu", "payload": "/affirm"},
    {"title": "Không", "payload": "/deny"},
]


class ActionAskUnlink(SafeAction):
    def name(self) -> str:
        return "action_ask_unlink"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        view = await account_view(tracker)
        if view.account_id is None:
            dispatcher.utter_message(text="Dạ, tài khoản này chưa liên kết và trợ lý chưa lưu dữ liệu nào.")
            return []
        linked = "; ".join(f"em {s.full_name} (lớp {s.class_name})" for s in view.students)
        what = f" khỏi {linked}" if linked else ""
        dispatcher.utter_message(
            text=f"Dạ, hủy liên kết sẽ gỡ tài khoản{what} và xóa dữ liệu cá nhân của tài khoản (liên "
            "kết, xác nhận nội quy, yêu cầu hỗ trợ). Báo cáo sự cố đã gửi vẫn được nhà trường giữ "
            f"nhưng không còn gắn với tài khoản. {capitalized(address(view))} chắc chắn chứ ạ?",
            buttons=CONFIRM_BUTTONS,
        )
        return []


class ActionForgetAccount(SafeAction):
    def name(self) -> str:
        return "action_forget_account"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        channel, external_id = sender(tracker)
        outcome = await db(forget_account, channel, external_id)
        if not outcome.had_data:
            dispatcher.utter_message(text="Dạ, tài khoản này không còn dữ liệu nào để xóa.")
        else:
            dispatcher.utter_message(
                text="Dạ, em đã hủy liên kết và xóa dữ liệu của tài khoản. Khi cần, có thể liên kết "
                "lại bằng mã mời mới do nhà trường cung cấp."
            )
        return [AllSlotsReset()]
