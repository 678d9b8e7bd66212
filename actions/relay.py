"""The relay between a family and the homeroom teacher (chatbot/school/relay.py).

A family's "Hỏi giáo viên" opens ``relay_form`` (one slot: the message) when the class's
homeroom teacher is on the assistant; otherwise the request is recorded and the teacher
alerted as before (actions/human.py). «Trả lời» / «Nhắn tiep» under a relayed message
(intent ``relay_reply``) opens the form for that thread; on Telegram a reply to the relayed
message arrives with its text in the metadata and is passed on at once.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import db, entity_id, is_cancel, now, sender, user_text
from actions.guard import SafeAction, SafeFormValidationAction
from chatbot import relay_keys
from chatbot.school import relay
from chatbot.school.relay import RelayProblem, Sent
from chatbot.settings import TIMEZONE

FORM = "relay_form"
THREAD, STUDENT, TEXT = "relay_thread", "relay_student", "relay_text"
SLOTS = (THREAD, STUDENT, TEXT)
STOP_BUTTON = {"title": "Dừng", "payload": "thôi"}
OFFICE_HOURS = "Thầy cô sẽ trả lời trong giờ hành chính."


def reset() -> list[dict[str, Any]]:
    return [SlotSet(slot, None) for slot in SLOTS]


def open_form(thread_id: int | None = None, student_id: int | None = None) -> list[dict[str, Any]]:
    return [
        *reset(),
        SlotSet("requested_slot", None),
        SlotSet(THREAD, str(thread_id) if thread_id else None),
        SlotSet(STUDENT, str(student_id) if student_id else None),
        FollowupAction(FORM),
    ]


def problem_text(problem: RelayProblem) -> str:
    return {
        RelayProblem.NOT_LINKED: (
            "Dạ, tài khoản này chưa liên kết với học sinh nên em chưa biết chuyển lời nhắn cho thầy cô nào ạ."
        ),
        RelayProblem.NO_TEACHER: (
            "Dạ, thầy cô chủ nhiệm của lớp chưa kết nối với trợ lý nên em chưa chuyển lời nhắn được. Em đã "
            "ghi lại yêu cầu để nhà trường báo thầy cô; Quý phụ huynh cũng có thể liên hệ qua kênh "
            "liên lạc của lớp ạ."
        ),
        RelayProblem.EMPTY: "Dạ, lời nhắn đang trống; vui lòng gõ nội dung cần chuyển ạ.",
        RelayProblem.TOO_LONG: (
            f"Dạ, lời nhắn dài quá {relay.MAX_TEXT:,} ký tự nên em chưa chuyển được; vui lòng rút gọn hoặc "
            "chia thành vài tin ạ. Chưa có gì được gửi đi."
        ).replace(",", "."),
        RelayProblem.NOT_YOURS: "Dạ, em không tìm thấy trao đổi này trong các trao đổi của tài khoản ạ.",
        RelayProblem.CLOSED: (
            "Dạ, trao đổi này đã kết thúc. Muốn nhắn thầy cô chủ nhiệm, Quý phụ huynh bấm «Hỏi giáo viên» "
            "để mở trao đổi mới ạ."
        ),
    }[problem]


def close_payload(thread_id: int) -> str:
    return relay_keys.payload(relay_keys.CLOSE_INTENT, thread_id)


def sent_text(sent: Sent, to_teacher: bool) -> str:
    text = f"Dạ, em đã chuyển lời nhắn tới {sent.to_label} {relay_keys.tag(sent.thread_id)}."
    if to_teacher:
        if sent.held_until is not None:
            text += (
                f" Vì đang ngoài giờ, tin sẽ đến thầy cô lúc {sent.held_until.astimezone(TIMEZONE):%H:%M}."
            )
        text += f" {OFFICE_HOURS} Câu trả lời sẽ đến ngay trong cuộc trò chuyện này."
    return text


async def send(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    text: str,
    thread_id: int | None,
    student_id: int | None,
) -> None:
    channel, external_id = sender(tracker)
    if thread_id is not None:
        side = await db(relay.side_of, channel, external_id, thread_id)
        outcome = await db(
            relay.reply, channel=channel, external_id=external_id, thread_id=thread_id, text=text, now=now()
        )
        to_teacher = side == "family"
    else:
        outcome = await db(
            relay.family_message,
            channel=channel,
            external_id=external_id,
            student_id=student_id,
            text=text,
            now=now(),
        )
        to_teacher = True
    if isinstance(outcome, RelayProblem):
        dispatcher.utter_message(text=problem_text(outcome))
        return
    buttons = (
        []
        if to_teacher
        else [{"title": "Kết thúc trao đổi", "payload": close_payload(outcome.thread_id)}]
    )
    dispatcher.utter_message(text=sent_text(outcome, to_teacher), buttons=buttons)


def _telegram_reply_text(tracker: Tracker) -> str | None:
    """The text of a Telegram reply to a relayed message (set by connectors/telegram.py)."""
    if not str(tracker.sender_id or "").startswith("telegram:"):
        return None
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    telegram = metadata.get("telegram") if isinstance(metadata, dict) else None
    text = telegram.get("relay_text") if isinstance(telegram, dict) else None
    return text if isinstance(text, str) else None


class ActionRelayReply(SafeAction):
    """«Trả lời» / «Nhắn tiếp» under a relayed message, or a Telegram reply to it."""

    def name(self) -> str:
        return "action_relay_reply"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        thread_id = entity_id(tracker, THREAD)
        if thread_id is None:
            dispatcher.utter_message(text=problem_text(RelayProblem.NOT_YOURS))
            return reset()
        channel, external_id = sender(tracker)
        side = await db(relay.open_side, channel, external_id, thread_id)
        if isinstance(side, RelayProblem):
            dispatcher.utter_message(text=problem_text(side))
            return reset()
        text = _telegram_reply_text(tracker)
        if text is not None:
            await send(dispatcher, tracker, text, thread_id, None)
            return reset()
        return open_form(thread_id=thread_id)


class ActionRelayClose(SafeAction):
    def name(self) -> str:
        return "action_relay_close"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        thread_id = entity_id(tracker, THREAD)
        channel, external_id = sender(tracker)
        problem = (
            RelayProblem.NOT_YOURS
            if thread_id is None
            else await db(
                relay.close, channel=channel, external_id=external_id, thread_id=thread_id, now=now()
            )
        )
        if problem is not None:
            dispatcher.utter_message(text=problem_text(problem))
        else:
            dispatcher.utter_message(
                text=f"Dạ, em đã kết thúc trao đổi {relay_keys.tag(thread_id)} và báo cho bên kia. "
                "Nội dung vẫn được nhà trường lưu lại ạ."
            )
        return reset()


class ActionAskRelayText(SafeAction):
    def name(self) -> str:
        return "action_ask_relay_text"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        thread = tracker.get_slot(THREAD)
        if thread:
            text = (
                f"Dạ, mời nhập lời nhắn cho {relay_keys.tag(int(thread))}; em sẽ chuyển nguyên văn, kèm tên "
                "người viết (gõ «thôi» để dừng)."
            )
        else:
            text = (
                "Dạ, Quý phụ huynh nhập lời nhắn cho thầy cô chủ nhiệm; em sẽ chuyển nguyên văn. Việc gấp "
                "xin ghi chữ «khẩn» để thầy cô nhận ngay cả ngoài giờ (gõ «thôi» để dừng)."
            )
        dispatcher.utter_message(text=text, buttons=[STOP_BUTTON])
        return []


class ValidateRelayForm(SafeFormValidationAction):
    def name(self) -> str:
        return f"validate_{FORM}"

    async def extract_relay_text(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        text = user_text(tracker)  # empty for the button that opened the form
        return {TEXT: text} if text and tracker.get_slot("requested_slot") == TEXT else {}

    def validate_relay_text(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        text = str(value or "").strip()
        if is_cancel(text):
            return {**dict.fromkeys(SLOTS), "requested_slot": None}
        problem = relay.check_text(text)
        if problem is not None:
            dispatcher.utter_message(text=problem_text(problem))
            return {TEXT: None}
        return {TEXT: text}


class ActionRelaySend(SafeAction):
    """Runs when the form ends: passes the message on (or says nothing was sent)."""

    def name(self) -> str:
        return "action_relay_send"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        text = tracker.get_slot(TEXT)
        if not text:
            dispatcher.utter_message(text="Dạ, em đã dừng; chưa có lời nhắn nào được gửi đi ạ.")
            return reset()
        thread, student = tracker.get_slot(THREAD), tracker.get_slot(STUDENT)
        thread_id = int(thread) if thread and str(thread).isdigit() else None
        student_id = int(student) if student and str(student).isdigit() else None
        await send(dispatcher, tracker, str(text), thread_id, student_id)
        return reset()
