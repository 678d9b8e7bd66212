"""Notices from the chat, and families' "Đã nhận" receipts.

A linked teacher sends to the classes they teach or lead; school staff (role "staff") to any
class or the whole school. The flow: ``action_broadcast_start`` checks who is asking and opens
``broadcast_form`` (target, then text); ``action_broadcast_preview`` shows exactly what will
go out, how many messages each route carries and what the paid ones cost; only
``action_broadcast_send`` (after "Gửi", typed or pressed) queues it. The draft id set at
preview time is part of the idempotency key, so pressing "Gửi" twice sends once.

Replies are the ``utter_broadcast_*`` responses of chatbot/domain/broadcasts.yml. The notice
flow addresses the sender as a teacher or staff member (their sending scope decides, so a
teacher with children in the school is still "thầy cô" here); everyone else is addressed by
the role of their account.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.orm import Session

from actions.common import (
    account_view,
    db,
    entity_id,
    is_cancel,
    now,
    role_of,
    say,
    sender,
    user_text,
)
from actions.guard import SafeAction, SafeFormValidationAction
from chatbot.db.models import BroadcastKind, School, StaffRole
from chatbot.delivery.audience import Audience, recipients
from chatbot.delivery.notices import AudiencePreview, family_ids, preview_audience
from chatbot.delivery.outbox import Queued, derive_key, queue_broadcast
from chatbot.delivery.quiet_hours import hold
from chatbot.delivery.receipts import Ack, acknowledge, acknowledge_latest
from chatbot.school.accounts import AccountView, load_account
from chatbot.school.dates import fold
from chatbot.school.timetable import class_names, mentioned_class
from chatbot.settings import TIMEZONE, get_settings

FORM = "broadcast_form"
TARGET, TEXT, DRAFT = "broadcast_target", "broadcast_text", "broadcast_draft"
SLOTS = (TARGET, TEXT, DRAFT)
WHOLE_SCHOOL = "toàn trường"
_WHOLE_SCHOOL_WORDS = {"toan truong", "ca truong", "tat ca cac lop", "toan bo truong", "ca truong hoc"}
MAX_TEXT = 2000
MAX_CLASS_BUTTONS = 8
STOP_BUTTON = {"title": "Dừng", "payload": "thôi"}
RECEIPT_REPLIES = {
    Ack.RECORDED: "utter_broadcast_receipt_recorded",
    Ack.ALREADY: "utter_broadcast_receipt_already",
}


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

    @property
    def role(self) -> str:
        """Whom the notice flow's replies address: school staff or a teacher."""
        return "staff" if self.whole_school else "teacher"


@dataclass(frozen=True)
class Asker:
    """Who writes: their sending scope (None unless a linked teacher or staff member), and the
    role the replies address."""

    scope: Scope | None
    role: str


def asker_of(session: Session, channel: str, external_id: str) -> Asker:
    view = load_account(session, channel, external_id)
    scope = scope_of(session, view)
    return Asker(scope, scope.role if scope is not None else role_of(view))


def scope_of(session: Session, view: AccountView) -> Scope | None:
    """The sending scope of a linked teacher or staff member; None for everyone else."""
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


def reach_of(session: Session, scope: Scope, target: str, text: str) -> AudiencePreview:
    """The messages the notice would take, per route, with the cost of the paid ones (the
    preview the web app and the command line show)."""
    return preview_audience(
        session, _school(session, scope), audience_of(target), text, ask_receipt=True, now=now()
    )


def vnd(amount: int) -> str:
    return f"{amount:,}".replace(",", ".") + " đ"


def route_lines(reach: AudiencePreview) -> str:
    """One line per route: "• Telegram: 3", "• ZNS (số điện thoại): 2 (480 đ)"."""
    return "\n".join(
        f"• {line.label}: {line.count}" + (f" ({vnd(line.cost_vnd)})" if line.cost_vnd is not None else "")
        for line in reach.lines
    )


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


def release_label(release: datetime, moment: datetime) -> str:
    """When a held notice goes out: "06:00", or "06:00 sáng mai" when that is tomorrow."""
    local = release.astimezone(TIMEZONE)
    tomorrow = local.date() > moment.astimezone(TIMEZONE).date()
    return f"{local:%H:%M}" + (" sáng mai" if tomorrow else "")


async def asker_for(tracker: Tracker) -> Asker:
    channel, external_id = sender(tracker)
    return await db(asker_of, channel, external_id)


def reply(
    dispatcher: CollectingDispatcher, response: str, role: str, *,
    buttons: list[dict[str, Any]] | None = None, **values: Any,
) -> None:
    """Send the domain response ``response`` in its variation for ``role``, filled with ``values``."""
    dispatcher.utter_message(response=response, buttons=buttons, role=role, **values)


def refuse_class(dispatcher: CollectingDispatcher, scope: Scope, target: str) -> None:
    reply(dispatcher, "utter_broadcast_not_your_class", scope.role, school_class=target,
          classes=", ".join(scope.classes) or "chưa có")


def _reset() -> list[dict[str, Any]]:
    return [SlotSet(slot, None) for slot in SLOTS]


class ActionBroadcastStart(SafeAction):
    """Checks who asks; opens the form for teachers and staff (a class named is kept)."""

    def name(self) -> str:
        return "action_broadcast_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        asker = await asker_for(tracker)
        scope = asker.scope
        if scope is None:
            reply(dispatcher, "utter_broadcast_not_staff", asker.role)
            return _reset()
        if not scope.classes and not scope.whole_school:
            reply(dispatcher, "utter_broadcast_no_classes", scope.role)
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
        asker = await asker_for(tracker)
        scope = asker.scope
        if scope is None:
            reply(dispatcher, "utter_broadcast_not_staff", asker.role)
            return {**dict.fromkeys(SLOTS), "requested_slot": None}
        target = target_in(text)
        if target is not None and scope.allows(target):
            return {TARGET: target}
        if target is None:
            reply(dispatcher, "utter_broadcast_class_unclear", scope.role)
        elif target == WHOLE_SCHOOL:
            reply(dispatcher, "utter_broadcast_whole_school_staff_only", scope.role)
        else:
            refuse_class(dispatcher, scope, target)
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
        # Only a teacher or staff member gets this far (the start and the target are checked).
        if not text:
            reply(dispatcher, "utter_broadcast_text_empty", "teacher")
            return {TEXT: None}
        if len(text) > MAX_TEXT:
            reply(dispatcher, "utter_broadcast_text_too_long", "teacher", length=len(text), limit=MAX_TEXT)
            return {TEXT: None}
        return {TEXT: text}


class ActionAskBroadcastTarget(SafeAction):
    """Asks which class, offering the teacher's classes (and the whole school to staff)."""

    def name(self) -> str:
        return "action_ask_broadcast_target"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        scope = (await asker_for(tracker)).scope
        buttons: list[dict[str, str]] = []
        if scope is not None and scope.whole_school:
            buttons.append({"title": "Toàn trường", "payload": WHOLE_SCHOOL})
        if scope is not None and len(scope.classes) <= MAX_CLASS_BUTTONS:
            buttons.extend({"title": f"Lớp {name}", "payload": name} for name in scope.classes)
        buttons.append(STOP_BUTTON)  # last, after the class choices
        reply(dispatcher, "utter_broadcast_ask_target", scope.role if scope else "teacher", buttons=buttons)
        return []


class ActionAskBroadcastText(SafeAction):
    """Asks for the notice's text, naming where it goes."""

    def name(self) -> str:
        return "action_ask_broadcast_text"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        target = tracker.get_slot(TARGET)
        reply(dispatcher, "utter_broadcast_ask_text", "teacher", target=target_label(str(target or "")))
        return []


class ActionBroadcastPreview(SafeAction):
    """Shows the notice exactly as it will go out, with how many accounts get it."""

    def name(self) -> str:
        return "action_broadcast_preview"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        target, text = tracker.get_slot(TARGET), tracker.get_slot(TEXT)
        asker = await asker_for(tracker)
        scope = asker.scope
        if not target or not text or scope is None or not scope.allows(target):
            reply(dispatcher, "utter_broadcast_stopped", asker.role)
            return _reset()
        reach = await db(reach_of, scope, target, text)
        where = target_label(target)
        if reach.total == 0:
            reply(dispatcher, "utter_broadcast_no_families", scope.role, target=where)
            return _reset()
        if reach.refusal:  # a paid Zalo template cannot carry this text
            reply(dispatcher, "utter_broadcast_template_refuses", scope.role, reason=reach.refusal)
            return _reset()
        if reach.unreachable:
            reply(dispatcher, "utter_broadcast_unreachable", scope.role, families=reach.unreachable,
                  target=where)
        values = {"count": reach.total, "target": where, "notice": text, "routes": route_lines(reach)}
        if reach.has_costs:
            reply(dispatcher, "utter_broadcast_preview_paid", scope.role, **values, cost=vnd(reach.cost_vnd))
        else:
            reply(dispatcher, "utter_broadcast_preview", scope.role, **values)
        return [SlotSet(DRAFT, uuid.uuid4().hex[:16])]


class ActionBroadcastSend(SafeAction):
    """Queues the previewed notice (the delivery worker sends it)."""

    def name(self) -> str:
        return "action_broadcast_send"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        target, text, draft = (tracker.get_slot(s) for s in SLOTS)
        asker = await asker_for(tracker)
        scope = asker.scope
        if not (target and text and draft):  # anyone may type "gửi"
            reply(dispatcher, "utter_broadcast_nothing_pending", asker.role)
            return _reset()
        if scope is None:
            reply(dispatcher, "utter_broadcast_not_staff", asker.role)
            return _reset()
        if not scope.allows(target):
            refuse_class(dispatcher, scope, target)
            return _reset()
        queued = await db(queue_from_chat, scope, target, text, draft)
        if not queued.created:
            reply(dispatcher, "utter_broadcast_already_sent", scope.role, number=queued.broadcast_id)
            return _reset()
        moment = now()
        release = hold(moment, urgent=False)
        sent = {"number": queued.broadcast_id, "count": queued.recipients, "target": target_label(target)}
        if release > moment:
            settings = get_settings()
            reply(dispatcher, "utter_broadcast_queued_quiet", scope.role, **sent,
                  start=f"{settings.quiet_hours_start:%H:%M}", end=f"{settings.quiet_hours_end:%H:%M}",
                  release=release_label(release, moment))
        else:
            reply(dispatcher, "utter_broadcast_queued", scope.role, **sent)
        return _reset()


class ActionBroadcastCancel(SafeAction):
    def name(self) -> str:
        return "action_broadcast_cancel"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        reply(dispatcher, "utter_broadcast_cancelled", (await asker_for(tracker)).role)
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
        channel, external_id = sender(tracker)
        if delivery_id is not None:
            outcome = await db(acknowledge, delivery_id, channel, external_id, now())
        else:  # typed "đã nhận", or a channel that returns the button as text
            outcome = await db(acknowledge_latest, channel, external_id, now())
        say(dispatcher, RECEIPT_REPLIES.get(outcome, "utter_broadcast_receipt_not_found"), view)
        return []
