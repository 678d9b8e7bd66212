"""The relay between a family and the homeroom teacher (chatbot/school/relay.py).

A family's "Hỏi giáo viên" opens ``relay_form`` (one slot: the message) when the class's
homeroom teacher is on the assistant; otherwise the request is recorded and the teacher
alerted as before (actions/human.py). "Trả lời" / "Nhắn tiếp" under a relayed message
(intent ``relay_reply``) opens the form for that thread; on Telegram a reply to the relayed
message arrives with its text in the metadata and is passed on at once.

Replies are the ``utter_relay_*`` responses of chatbot/domain/relay.yml: the family side in its
own voice (a parent, or a student writing to their teacher), the teacher side as "thầy cô".
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.orm import Session

from actions.common import db, entity_id, is_cancel, now, role_of, sender, user_text
from actions.guard import SafeAction, SafeFormValidationAction
from chatbot import relay_keys
from chatbot.school import relay
from chatbot.school.accounts import load_account
from chatbot.school.relay import RelayProblem, Sent
from chatbot.settings import TIMEZONE

FORM = "relay_form"
THREAD, STUDENT, TEXT = "relay_thread", "relay_student", "relay_text"
SLOTS = (THREAD, STUDENT, TEXT)
PROBLEM_REPLIES = {
    RelayProblem.NOT_LINKED: "utter_relay_not_linked",
    RelayProblem.NO_TEACHER: "utter_relay_no_teacher",
    RelayProblem.EMPTY: "utter_relay_empty",
    RelayProblem.TOO_LONG: "utter_relay_too_long",
    RelayProblem.NOT_YOURS: "utter_relay_not_yours",
    RelayProblem.CLOSED: "utter_relay_closed",
}


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


def speaker(
    session: Session, channel: str, external_id: str, thread_id: int | None,
) -> tuple[str | None, str]:
    """The account's side in thread ``thread_id`` ("family", "teacher" or None) and the role the
    replies address: "teacher" on a thread's teacher side (even for a teacher who is also a
    parent), otherwise the account's own role (parent, student, or guest when not linked)."""
    side = relay.side_of(session, channel, external_id, thread_id) if thread_id is not None else None
    return side, "teacher" if side == "teacher" else role_of(load_account(session, channel, external_id))


async def role_in(tracker: Tracker, thread_id: int | None) -> str:
    channel, external_id = sender(tracker)
    return (await db(speaker, channel, external_id, thread_id))[1]


def thread_slot(tracker: Tracker) -> int | None:
    thread = tracker.get_slot(THREAD)
    return int(thread) if thread and str(thread).isdigit() else None


def reply_with(
    dispatcher: CollectingDispatcher, response: str, role: str, *,
    buttons: list[dict[str, Any]] | None = None, **values: Any,
) -> None:
    """Send the domain response ``response`` in its variation for ``role``, filled with ``values``."""
    dispatcher.utter_message(response=response, buttons=buttons, role=role, **values)


def say_problem(dispatcher: CollectingDispatcher, problem: RelayProblem, role: str) -> None:
    limit = f"{relay.MAX_TEXT:,}".replace(",", ".")  # 1.500
    reply_with(dispatcher, PROBLEM_REPLIES[problem], role, limit=limit)


def close_payload(thread_id: int) -> str:
    return relay_keys.payload(relay_keys.CLOSE_INTENT, thread_id)


def clock_label(at: datetime) -> str:
    """When a held message arrives: "06:00", or "06:00 sáng mai" when that is tomorrow."""
    local = at.astimezone(TIMEZONE)
    return f"{local:%H:%M}" + (" sáng mai" if local.date() > now().astimezone(TIMEZONE).date() else "")


def say_sent(dispatcher: CollectingDispatcher, sent: Sent, role: str, to_teacher: bool, urgent: bool) -> None:
    thread = relay_keys.tag(sent.thread_id)
    if to_teacher:
        values = {"teacher": sent.to_label, "thread": thread}
        if urgent:
            reply_with(dispatcher, "utter_relay_sent_urgent", role, **values)
        elif sent.held_until is not None:
            reply_with(dispatcher, "utter_relay_sent_to_teacher_held", role, **values,
                       time=clock_label(sent.held_until))
        else:
            reply_with(dispatcher, "utter_relay_sent_to_teacher", role, **values)
        return
    buttons = [{"title": "Kết thúc trao đổi", "payload": close_payload(sent.thread_id)}]
    if sent.held_until is not None:
        reply_with(dispatcher, "utter_relay_sent_to_family_held", role, buttons=buttons, thread=thread,
                   time=clock_label(sent.held_until))
    else:
        reply_with(dispatcher, "utter_relay_sent_to_family", role, buttons=buttons, thread=thread)


async def send(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    text: str,
    thread_id: int | None,
    student_id: int | None,
) -> None:
    channel, external_id = sender(tracker)
    side, role = await db(speaker, channel, external_id, thread_id)
    if thread_id is not None:
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
    if outcome is RelayProblem.NO_TEACHER and thread_id is None:  # kept as a request for the school
        reply_with(dispatcher, "utter_relay_no_teacher_recorded", role)
    elif isinstance(outcome, RelayProblem):
        say_problem(dispatcher, outcome, role)
    else:
        say_sent(dispatcher, outcome, role, to_teacher, to_teacher and relay.is_urgent(text))


def _telegram_reply_text(tracker: Tracker) -> str | None:
    """The text of a Telegram reply to a relayed message (set by connectors/telegram.py)."""
    if not str(tracker.sender_id or "").startswith("telegram:"):
        return None
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    telegram = metadata.get("telegram") if isinstance(metadata, dict) else None
    text = telegram.get("relay_text") if isinstance(telegram, dict) else None
    return text if isinstance(text, str) else None


class ActionRelayReply(SafeAction):
    """"Trả lời" / "Nhắn tiếp" under a relayed message, or a Telegram reply to it."""

    def name(self) -> str:
        return "action_relay_reply"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        thread_id = entity_id(tracker, THREAD)
        if thread_id is None:
            say_problem(dispatcher, RelayProblem.NOT_YOURS, await role_in(tracker, None))
            return reset()
        channel, external_id = sender(tracker)
        side = await db(relay.open_side, channel, external_id, thread_id)
        if isinstance(side, RelayProblem):
            say_problem(dispatcher, side, await role_in(tracker, thread_id))
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
        role = await role_in(tracker, thread_id)
        if problem is not None:
            say_problem(dispatcher, problem, role)
        else:
            assert thread_id is not None
            reply_with(dispatcher, "utter_relay_ended", role, thread=relay_keys.tag(thread_id))
        return reset()


class ActionAskRelayText(SafeAction):
    def name(self) -> str:
        return "action_ask_relay_text"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        thread_id = thread_slot(tracker)
        role = await role_in(tracker, thread_id)
        if thread_id is not None:
            reply_with(dispatcher, "utter_relay_ask_text_thread", role, thread=relay_keys.tag(thread_id))
        else:
            reply_with(dispatcher, "utter_relay_ask_text", role)
        return []


class ValidateRelayForm(SafeFormValidationAction):
    def name(self) -> str:
        return f"validate_{FORM}"

    async def extract_relay_text(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        text = user_text(tracker)  # empty for the button that opened the form
        return {TEXT: text} if text and tracker.get_slot("requested_slot") == TEXT else {}

    async def validate_relay_text(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        text = str(value or "").strip()
        if is_cancel(text):
            return {**dict.fromkeys(SLOTS), "requested_slot": None}
        problem = relay.check_text(text)
        if problem is not None:
            say_problem(dispatcher, problem, await role_in(tracker, thread_slot(tracker)))
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
        thread_id = thread_slot(tracker)
        if not text:
            reply_with(dispatcher, "utter_relay_stopped", await role_in(tracker, thread_id))
            return reset()
        student = tracker.get_slot(STUDENT)
        student_id = int(student) if student and str(student).isdigit() else None
        await send(dispatcher, tracker, str(text), thread_id, student_id)
        return reset()
