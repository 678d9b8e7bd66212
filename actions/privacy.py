"""Unlinking an account and deleting its personal data and conversation, after a confirmation.

``action_forget_account`` deletes the school data (chatbot/school/privacy.py) and sets the
erasure slot, on which the project's tracker stores erase every message of this
conversation, this turn's included, when Rasa saves it (chatbot/tracker_events.py).
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import AllSlotsReset, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import account_view, address, capitalized, db, sender
from actions.guard import SafeAction
from chatbot.school.privacy import ForgetOutcome, forget_account
from chatbot.tracker_events import ERASE_SLOT, ERASE_VALUE

CONFIRM_BUTTONS = [
    {"title": "Có, hủy liên kết và xóa dữ liệu", "payload": "/affirm"},
    {"title": "Không", "payload": "/deny"},
]
HISTORY = "toàn bộ lịch sử trò chuyện của tài khoản này với trợ lý"
KEPT_ATTEMPTS = (
    "Các lần nhập sai mã mời (nếu có) được giữ thêm một ngày để chống dò mã, rồi tự xóa."
)


class ActionAskUnlink(SafeAction):
    def name(self) -> str:
        return "action_ask_unlink"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        view = await account_view(tracker)
        you = capitalized(address(view))
        if view.account_id is None:
            dispatcher.utter_message(
                text=f"Dạ, tài khoản này chưa liên kết; trợ lý chỉ lưu lịch sử trò chuyện. {you} có muốn "
                "xóa lịch sử trò chuyện không ạ?",
                buttons=[{"title": "Có, xóa lịch sử", "payload": "/affirm"}, CONFIRM_BUTTONS[1]],
            )
            return []
        linked = "; ".join(f"em {s.full_name} (lớp {s.class_name})" for s in view.students)
        what = f" khỏi {linked}" if linked else ""
        dispatcher.utter_message(
            text=f"Dạ, hủy liên kết sẽ gỡ tài khoản{what}, xóa dữ liệu cá nhân của tài khoản (liên "
            "kết, xác nhận nội quy, yêu cầu hỗ trợ, tin nhà trường đã gửi) và lịch sử trò chuyện với "
            "trợ lý. Báo cáo sự cố đã gửi vẫn được nhà trường giữ nhưng không còn gắn với tài khoản "
            f"và được bỏ tên của con. {you} chắc chắn chứ ạ?",
            buttons=CONFIRM_BUTTONS,
        )
        return []


def _count(number: int, what: str) -> str | None:
    return f"{number} {what}" if number else None


def deletion_summary(outcome: ForgetOutcome, you: str) -> str:
    """Exactly what was deleted, kept and changed, for the reply."""
    if not outcome.had_data:
        return f"Dạ, tài khoản này không có liên kết hay dữ liệu nào khác; em đã xóa {HISTORY}."
    items = []
    if outcome.students:
        names = "; ".join(f"em {s.full_name} (lớp {s.class_name})" for s in outcome.students)
        items.append(f"liên kết với {names}")
    if outcome.staff_name:
        items.append(f"liên kết với thầy cô {outcome.staff_name}")
    counts = [
        _count(outcome.acknowledgements, "xác nhận nội quy"),
        _count(outcome.help_requests, "yêu cầu hỗ trợ"),
        _count(outcome.messages, "tin nhà trường đã gửi tới tài khoản"),
    ]
    if any(counts):
        items.append(", ".join(c for c in counts if c))
    items.append(HISTORY)
    lines = ["Dạ, em đã hủy liên kết và xóa:", *(f"• {item};" for item in items[:-1]), f"• {items[-1]}."]
    if outcome.reports_anonymised:
        lines.append(
            f"Nhà trường vẫn giữ {outcome.reports_anonymised} báo cáo sự cố {you} đã gửi, nhưng không còn "
            "gắn với tài khoản và đã bỏ tên của con (cả trong tin đã báo thầy cô)."
        )
    lines.append(KEPT_ATTEMPTS)
    lines.append("Khi cần, có thể liên kết lại bằng mã mời mới do nhà trường cung cấp.")
    return "\n".join(lines)


class ActionForgetAccount(SafeAction):
    def name(self) -> str:
        return "action_forget_account"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        view = await account_view(tracker)
        channel, external_id = sender(tracker)
        outcome = await db(forget_account, channel, external_id)
        dispatcher.utter_message(text=deletion_summary(outcome, address(view)))
        return [AllSlotsReset(), SlotSet(ERASE_SLOT, ERASE_VALUE)]
