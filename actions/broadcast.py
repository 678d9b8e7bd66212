"""Notices from the chat, and families' "Đã nhận" receipts.

A linked teacher sends to the classes they teach or lead; school staff (role "staff") to any
class or the whole school. The flow: ``action_broadcast_start`` checks who is asking and opens
``broadcast_form`` (target, then text); ``action_broadcast_preview`` shows exactly what will
go out and to how many accounts; only ``action_broadcast_send`` (after "Gửi") queues it. The
draft id set at preview time is part of the idempotency key, so pressing "Gửi" twice sends once.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.orm import Session

from actions.common import (
    account_view,
    address,
    capitalized,
    db,
    entity_id,
    is_cancel,
    now,
    sender,
    user_text,
)
from actions.guard import SafeAction, SafeFormValidationAction
from chatbot.db.models import BroadcastKind, School, StaffRole
from chatbot.delivery.audience import Audience, recipients
from chatbot.delivery.notices import family_ids
from chatbot.delivery.outbox import Queued, derive_key, queue_broadcast
from chatbot.delivery.quiet_hours import hold
from chatbot.delivery.receipts import Ack, acknowledge, acknowledge_latest
from chatbot.school.accounts import load_account
from chatbot.school.dates import fold
from chatbot.school.timetable import class_names, mentioned_class
from chatbot.settings import get_settings

FORM = "broadcast_form"
TARGET, TEXT, DRAFT = "broadcast_target", "broadcast_text", "broadcast_draft"
SLOTS = (TARGET, TEXT, DRAFT)
WHOLE_SCHOOL = "toàn trường"
_WHOLE_SCHOOL_WORDS = {"toan truong", "ca truong", "tat ca cac lop", "toan bo truong", "ca truong hoc"}
MAX_TEXT = 2000
MAX_CLASS_BUTTONS = 8
STOP_BUTTON = {"title": "Dừng", "payload": "thôi"}
NOT_STAFF = (
    "Dạ, chức năng gửi thông báo chỉ dành cho giáo viên và cán bộ nhà trường đã liên kết tài khoản "
    "với trợ lý. Nếu là giáo viên, thầy cô vui lòng gõ mã mời nhà trường cung cấp để liên kết."
)


@dataclass(frozen=True)
class Scope:
    """What one staff account may send to."""

    account_id: int
    sender_name: str
    school_id: int
    school_code: str
    classes: tuple[str, ...]
    whole_school: bool

    def allows(self, target: str) -> bool:
        return target in self.classes or (target == WHOLE_SCHOOL and self.whole_school)


def scope_of(session: Session, channel: str, external_id: str) -> Scope | None:
    """The sending scope of a linked teacher or staff member; None for everyone else."""
    view = load_account(session, channel, external_id)
    if view.staff is None or view.account_id is None:
        return None
    school = session.get(School, view.staff.school_id)
    assert school is not None
    return Scope(
        account_id=view.account_id,
        sender_name=view.staff.full_name,
        school_id=school.id,
        school_code=school.code,
        classes=tuple(class_names(session, view.staff.class_ids)),
        whole_school=view.staff.role is StaffRole.STAFF,
    )


def target_in(text: str) -> str | None:
    """The class (or the whole school) a message names, whether allowed or not."""
    if fold(text).strip(" .!") in _WHOLE_SCHOOL_WORDS:
        return WHOLE_SCHOOL
    return mentioned_class(text) or mentioned_class(f"lớp {text.strip()}")


def audience_of(target: str) -> Audience:
    return Audience() if target == WHOLE_SCHOOL else Audience(classes=(target,))


def _school(session: Session, scope: Scope) -> School:
    school = session.get(School, scope.school_id)
    assert school is not None
    return school


def count_recipients(session: Session, scope: Scope, target: str) -> int:
    return len(recipients(session, _school(session, scope), audience_of(target)))


def queue_from_chat(session: Session, scope: Scope, target: str, text: str, draft: str) -> Queued:
    audience = audience_of(target)
    school = _school(session, scope)
    return queue_broadcast(
        session,
        key=derive_key("chat", scope.account_id, draft, target, text),
        kind=BroadcastKind.ANNOUNCEMENT,
        audience=audience.label(scope.school_code),
        text=text,
        account_ids=recipients(session, school, audience),
        sender=f"{scope.sender_name} (chat)",
        school_id=scope.school_id,
        ask_receipt=True,
        now=now(),
        families=family_ids(session, school, audience),  # families without an account: ZNS
    )


def target_label(target: str) -> str:
    return "toàn trường" if target == WHOLE_SCHOOL else f"lớp {target}"


async def scope_for(tracker: Tracker) -> Scope | None:
    channel, external_id = sender(tracker)
    return await db(scope_of, channel, external_id)


def _reset() -> list[dict[str, Any]]:
    return [SlotSet(slot, None) for slot in SLOTS]


class ActionBroadcastStart(SafeAction):
    """Checks who asks; opens the form for teachers and staff (a class named is kept)."""

    def name(self) -> str:
        return "action_broadcast_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        scope = await scope_for(tracker)
        if scope is None:
            dispatcher.utter_message(text=NOT_STAFF)
            return _reset()
        if not scope.classes and not scope.whole_school:
            dispatcher.utter_message(
                text="Dạ, tài khoản của thầy cô chưa được phân công lớp nào nên chưa gửi thông báo "
                "được. Thầy cô vui lòng liên hệ nhà trường để cập nhật phân công."
            )
            return _reset()
        named = mentioned_class(user_text(tracker))  # "gửi thông báo cho lớp 6A"
        prefill = named if named is not None and scope.allows(named) else None
        return [*_reset(), SlotSet(TARGET, prefill), FollowupAction(FORM)]


class ValidateBroadcastForm(SafeFormValidationAction):
    def name(self) -> str:
        return f"validate_{FORM}"

    async def extract_broadcast_target(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        return {TARGET: user_text(tracker)} if tracker.get_slot("requested_slot") == TARGET else {}

    async def validate_broadcast_target(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        text = str(value or "")
        if is_cancel(text):
            return {**dict.fromkeys(SLOTS), "requested_slot": None}
        scope = await scope_for(tracker)
        if scope is None:
            dispatcher.utter_message(text=NOT_STAFF)
            return {**dict.fromkeys(SLOTS), "requested_slot": None}
        target = target_in(text)
        if target is not None and scope.allows(target):
            return {TARGET: target}
        if target is None:
            dispatcher.utter_message(text="Dạ, em chưa rõ lớp nào; thầy cô gõ tên lớp, ví dụ 6A.")
        elif target == WHOLE_SCHOOL:
            dispatcher.utter_message(
                text="Dạ, chỉ cán bộ nhà trường mới gửi thông báo cho toàn trường; thầy cô chọn một lớp ạ."
            )
        else:
            dispatcher.utter_message(
                text=f"Dạ, thầy cô chỉ gửi được cho lớp mình dạy hoặc chủ nhiệm "
                f"({', '.join(scope.classes) or 'chưa có'}); lớp {target} không thuộc danh sách này."
            )
        return {TARGET: None}

    async def extract_broadcast_text(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        return {TEXT: user_text(tracker)} if tracker.get_slot("requested_slot") == TEXT else {}

    def validate_broadcast_text(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        text = str(value or "").strip()
        if is_cancel(text):
            return {**dict.fromkeys(SLOTS), "requested_slot": None}
        if not text:
            dispatcher.utter_message(text="Dạ, nội dung đang trống; thầy cô gõ nội dung thông báo ạ.")
            return {TEXT: None}
        if len(text) > MAX_TEXT:
            dispatcher.utter_message(
                text=f"Dạ, nội dung dài {len(text)} ký tự, quá giới hạn {MAX_TEXT}; "
                "thầy cô rút gọn giúp em ạ."
            )
            return {TEXT: None}
        return {TEXT: text}


class ActionAskBroadcastTarget(SafeAction):
    """Asks which class, offering the teacher's classes (and the whole school to staff)."""

    def name(self) -> str:
        return "action_ask_broadcast_target"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        scope = await scope_for(tracker)
        buttons: list[dict[str, str]] = []
        if scope is not None and scope.whole_school:
            buttons.append({"title": "Toàn trường", "payload": WHOLE_SCHOOL})
        if scope is not None and len(scope.classes) <= MAX_CLASS_BUTTONS:
            buttons.extend({"title": f"Lớp {name}", "payload": name} for name in scope.classes)
        buttons.append(STOP_BUTTON)
        dispatcher.utter_message(
            text="Dạ, thầy cô muốn gửi thông báo cho lớp nào ạ? (gõ tên lớp, ví dụ 6A)", buttons=buttons
        )
        return []


class ActionBroadcastPreview(SafeAction):
    """Shows the notice exactly as it will go out, with how many accounts get it."""

    def name(self) -> str:
        return "action_broadcast_preview"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        target, text = tracker.get_slot(TARGET), tracker.get_slot(TEXT)
        scope = await scope_for(tracker)
        if not target or not text or scope is None or not scope.allows(target):
            dispatcher.utter_message(text="Dạ, em đã dừng; chưa có thông báo nào được gửi.")
            return _reset()
        count = await db(count_recipients, scope, target)
        if count == 0:
            dispatcher.utter_message(
                text=f"Dạ, {target_label(target)} chưa có gia đình nào kết nối với trợ lý nên em chưa "
                "gửi được thông báo."
            )
            return _reset()
        dispatcher.utter_message(
            text=f"Dạ, em sẽ gửi thông báo dưới đây tới {count} tài khoản phụ huynh và học sinh "
            f"{target_label(target)}, kèm nút «Đã nhận» để gia đình xác nhận:\n\n{text}\n\n"
            "Thầy cô bấm «Gửi» để gửi, hoặc «Hủy» nếu chưa muốn gửi ạ.",
            buttons=[
                {"title": "Gửi", "payload": "/broadcast_confirm"},
                {"title": "Hủy", "payload": "/broadcast_cancel"},
            ],
        )
        return [SlotSet(DRAFT, uuid.uuid4().hex[:16])]


class ActionBroadcastSend(SafeAction):
    """Queues the previewed notice (the delivery worker sends it)."""

    def name(self) -> str:
        return "action_broadcast_send"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        target, text, draft = (tracker.get_slot(s) for s in SLOTS)
        if not (target and text and draft):
            dispatcher.utter_message(
                text="Dạ, hiện không có thông báo nào chờ gửi. Muốn gửi thông báo mới, thầy cô nhắn "
                "«gửi thông báo cho lớp» ạ."
            )
            return _reset()
        scope = await scope_for(tracker)
        if scope is None or not scope.allows(target):
            dispatcher.utter_message(text=NOT_STAFF)
            return _reset()
        queued = await db(queue_from_chat, scope, target, text, draft)
        if not queued.created:
            dispatcher.utter_message(text=f"Dạ, thông báo này đã được gửi rồi ạ (số {queued.broadcast_id}).")
            return _reset()
        moment = now()
        later = hold(moment, urgent=False) > moment
        settings = get_settings()
        start, end = settings.quiet_hours_start, settings.quiet_hours_end
        when = (
            f"Vì đang trong giờ yên lặng ({start:%H:%M}–{end:%H:%M}), tin sẽ được gửi lúc {end:%H:%M}."
            if later
            else "Tin sẽ đến các gia đình trong ít phút."
        )
        dispatcher.utter_message(
            text=f"Dạ, em đã xếp thông báo số {queued.broadcast_id} để gửi tới {queued.recipients} tài "
            f"khoản {target_label(target)}. {when}"
        )
        return _reset()


class ActionBroadcastCancel(SafeAction):
    def name(self) -> str:
        return "action_broadcast_cancel"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(text="Dạ, em đã hủy; chưa có thông báo nào được gửi.")
        return _reset()


class ActionBroadcastReceived(SafeAction):
    """Records a "Đã nhận" press, only from the account the notice was sent to."""

    def name(self) -> str:
        return "action_broadcast_received"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        delivery_id = entity_id(tracker, "delivery_id")
        view = await account_view(tracker)
        you = address(view)
        channel, external_id = sender(tracker)
        if delivery_id is not None:
            outcome = await db(acknowledge, delivery_id, channel, external_id, now())
        else:  # typed "đã nhận", or a channel that returns the button as text
            outcome = await db(acknowledge_latest, channel, external_id, now())
        if outcome is Ack.RECORDED:
            text = f"Dạ, nhà trường đã ghi nhận {you} đã nhận được thông báo. Cảm ơn {you} ạ!"
        elif outcome is Ack.ALREADY:
            text = f"Dạ, {you} đã xác nhận thông báo này rồi ạ. Cảm ơn {you}!"
        else:
            text = (
                f"Dạ, em không tìm thấy thông báo này trong các tin đã gửi tới tài khoản của {you}. "
                f"{capitalized(you)} có thể hỏi lại thầy cô chủ nhiệm ạ."
            )
        dispatcher.utter_message(text=text)
        return []
