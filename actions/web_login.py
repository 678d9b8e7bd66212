"""A teacher or staff member asks for the web app ("đăng nhập web"): a one-time sign-in link.

The link is sent only to a chat account already linked to a staff member by a teacher's
invite code, so whoever holds that chat is the teacher; it works once, for a few minutes.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import account_view, db
from actions.guard import SafeAction
from chatbot.school.staff_accounts import sign_in_link_for_staff
from chatbot.settings import get_settings

NOT_STAFF = (
    "Dạ, trang quản lý dành cho giáo viên và cán bộ nhà trường. Thầy cô hãy gõ mã mời giáo viên nhà "
    "trường cung cấp để liên kết tài khoản này trước, rồi nhắn “đăng nhập web” ạ."
)
DISABLED = (
    "Dạ, tài khoản trang quản lý của thầy cô đang bị khoá; thầy cô vui lòng liên hệ quản trị nhà trường."
)


class ActionWebLogin(SafeAction):
    def name(self) -> str:
        return "action_web_login"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        view = await account_view(tracker)
        if view.staff is None:
            dispatcher.utter_message(text=NOT_STAFF)
            return []
        url = await db(sign_in_link_for_staff, view.staff.staff_member_id)
        if url is None:
            dispatcher.utter_message(text=DISABLED)
            return []
        minutes = get_settings().web_sign_in_link_minutes
        dispatcher.utter_message(
            text=(
                "Dạ, đây là liên kết đăng nhập trang quản lý của thầy cô, dùng một lần trong "
                f"{minutes} phút:\n{url}\nThầy cô không chuyển liên kết này cho người khác ạ."
            ),
            buttons=[{"title": "Mở trang quản lý", "payload": url}],
        )
        return []
