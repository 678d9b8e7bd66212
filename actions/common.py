"""What every flow needs: who is talking, the current time, and database work off the loop.

The action server runs all conversations on one event loop, so every database call goes
through :func:`db`, which runs a plain ``chatbot.school`` function in a worker thread inside
its own session (committed when it returns).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from datetime import date, datetime, timezone
from typing import Any, TypeVar

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.guard import MAX_MESSAGE, BadInput
from chatbot.channels import split_sender_id
from chatbot.db.engine import session_scope
from chatbot.db.models import StaffRole
from chatbot.reply_roles import GUEST, ROLE_SLOT
from chatbot.school.accounts import AccountView, load_account
from chatbot.school.dates import fold
from chatbot.settings import TIMEZONE

T = TypeVar("T")

WEEKDAY_NAMES = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")
MAX_ENTITY = 200
MAX_ID = 2**31 - 1  # the largest id a database integer column holds
MAX_EXTERNAL_ID = 128  # ChatAccount.external_id
# C0 and C1 control characters except tab and line breaks: NUL is refused by PostgreSQL, the
# others only disguise text.
_CONTROLS = dict.fromkeys([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0)])


def system_now() -> datetime:
    return datetime.now(timezone.utc)


clock: Callable[[], datetime] = system_now  # tests set a fixed moment here


def now() -> datetime:
    """The current moment (aware UTC), read from :data:`clock`."""
    return clock()


def local_now() -> datetime:
    return now().astimezone(TIMEZONE)


async def db(fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """Run ``fn(session, *args, **kwargs)`` in a worker thread, in a session of its own."""

    def work() -> T:
        with session_scope() as session:
            return fn(session, *args, **kwargs)

    return await asyncio.to_thread(work)


async def off_loop(fn: Callable[..., T], /, *args: Any) -> T:
    """Run text work ``fn(*args)`` in a worker thread, so other conversations keep going.

    Every text reader is linear and messages are capped, so this bounds how long one message
    can hold the loop rather than how long it takes.
    """
    return await asyncio.to_thread(fn, *args)


def sender(tracker: Tracker) -> tuple[str, str]:
    """(channel, external id) of the person in this conversation.

    :class:`BadInput` for a sender id no channel makes (too long, control characters); the
    REST channel passes any id it is given.
    """
    channel, external_id = split_sender_id(str(tracker.sender_id or ""))
    if not external_id or len(external_id) > MAX_EXTERNAL_ID or clean_text(external_id) != external_id:
        raise BadInput("sender id")
    return channel, external_id


async def account_view(tracker: Tracker) -> AccountView:
    channel, external_id = sender(tracker)
    return await db(load_account, channel, external_id)


def clean_text(text: str) -> str:
    """``text`` without control characters (NUL included) and lone surrogates."""
    return text.encode("utf-8", "ignore").decode("utf-8").translate(_CONTROLS)


def is_payload(text: str) -> bool:
    """Whether ``text`` is a button payload such as ``/intent`` or ``/intent{"slot":"value"}``."""
    if not text.startswith("/"):
        return False
    name, brace, _ = text[1:].partition("{")
    word = bool(name) and all(ch.isalnum() or ch == "_" for ch in name)
    return word and (not brace or text.endswith("}"))


def user_text(tracker: Tracker) -> str:
    """The latest message as typed, cleaned and capped; empty for a button payload."""
    text = clean_text(((tracker.latest_message or {}).get("text") or "")[:MAX_MESSAGE])
    return "" if is_payload(text.strip()) else text


def entity(tracker: Tracker, name: str) -> str | None:
    """The latest value of entity ``name``, cleaned; :class:`BadInput` when it is not text."""
    value = next(tracker.get_latest_entity_values(name), None)
    if value is None:
        return None
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise BadInput(f"entity {name} is not text")
    text = clean_text(str(value)).strip()
    if len(text) > MAX_ENTITY:
        raise BadInput(f"entity {name} is too long")
    return text or None


def entity_id(tracker: Tracker, name: str) -> int | None:
    """A database id given as entity ``name`` (ASCII digits, at most :data:`MAX_ID`).

    None when the message has none; :class:`BadInput` for "²", "-1", a 20-digit number or
    anything else that is not such an id.
    """
    value = entity(tracker, name)
    if value is None:
        return None
    if not (value.isascii() and value.isdigit() and len(value) <= 10 and 0 < int(value) <= MAX_ID):
        raise BadInput(f"entity {name} is not an id")
    return int(value)


def role_of(view: AccountView) -> str:
    """The role replies address: a teacher or staff member without children of their own in
    the school is ``teacher``/``staff``, a student ``student``, a family ``parent``, and an
    account not linked yet :data:`~chatbot.reply_roles.GUEST` (addressed as an adult)."""
    if view.staff is not None and not view.students:
        return "staff" if view.staff.role is StaffRole.STAFF else "teacher"
    if view.is_student:
        return "student"
    return "parent" if view.students else GUEST


def role_event(view: AccountView) -> dict[str, Any]:
    """Keep the ``role`` slot current for the responses that rules utter directly."""
    return SlotSet(ROLE_SLOT, role_of(view))


def say(
    dispatcher: CollectingDispatcher, response: str, view: AccountView | None = None, *,
    buttons: list[dict[str, Any]] | None = None, **values: Any,
) -> None:
    """Send the domain response ``response``, in the variation for ``view``'s role (the
    ``role`` slot when no view is given), filled with ``values`` and followed by ``buttons``."""
    if view is not None:
        values[ROLE_SLOT] = role_of(view)
    dispatcher.utter_message(response=response, buttons=buttons, **values)


def weekday_name(day: date) -> str:
    return WEEKDAY_NAMES[day.weekday()]


_CANCEL = re.compile(
    r"^(?:thoi|huy|huy bo|dung|dung lai|stop|cancel|thoi khong bao nua|khong bao nua|"
    r"thoi khong can|khong can nua|bo qua bao cao|thoi bo qua)$"
)


def is_cancel(text: str) -> bool:
    """Whether a whole message asks to stop the current form ("thôi", "hủy", "dừng lại")."""
    return bool(_CANCEL.match(fold(text).strip(" .!")))


