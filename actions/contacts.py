""" "Is this really the school?": a pasted number, message or link checked against the list
of official contacts staff keep (chatbot/school/contacts.py), then the item 3 warning and an
offer to file a scam report."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.orm import Session

from actions.common import account_view, address, capitalized, db, off_loop, user_text
from actions.guard import SafeAction
from chatbot.school import contacts, incidents
from chatbot.school.accounts import AccountView

SCAM_SLOT = "scam_description"
KIND_NAMES = {"phone": "Số", "email": "Địa chỉ email", "web": "Trang"}
ITEM_3 = (
    "Lưu ý (mục 3): Phòng GDĐT đề nghị cảnh giác với những người mạo danh Bộ, Sở, Phòng GDĐT để rao "
    "bán thiết bị, tài liệu nhằm trục lợi. Nhà trường và Phòng GDĐT không bán hàng hay thu tiền qua "
    "điện thoại, tin nhắn; {you} không nên chuyển tiền hay đọc mã OTP cho người gọi, kể cả khi họ nói "
    "đúng tên, lớp của con."
)


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
        you = address(view)
        text = user_text(tracker)
        lines = await db(verdicts, text, view) if text else []
        if not lines:
            dispatcher.utter_message(
                text=f"Dạ, {you} dán giúp em số điện thoại, địa chỉ email hoặc đường link cần kiểm tra "
                "(ví dụ: «số 0912 345 678 gọi xưng là nhà trường có đúng không») ạ."
            )
            dispatcher.utter_message(text=ITEM_3.format(you=you))
            return []
        dispatcher.utter_message(
            text="Dạ, em đã đối chiếu với danh sách nhà trường cung cấp:\n" + "\n".join(lines)
        )
        dispatcher.utter_message(text=ITEM_3.format(you=you))
        dispatcher.utter_message(
            text=f"{capitalized(you)} có muốn gửi báo cáo mạo danh để nhà trường biết không ạ?",
            buttons=[
                {"title": "Gửi báo cáo", "payload": "/affirm"},
                {"title": "Không, cảm ơn", "payload": "/deny"},
            ],
        )
        description = await off_loop(lambda: text[: incidents.MAX_DESCRIPTION])
        return [SlotSet(SCAM_SLOT, description)]
