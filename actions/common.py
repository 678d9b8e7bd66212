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

from chatbot.channels import split_sender_id
from chatbot.db.engine import session_scope
from chatbot.school.accounts import AccountView, load_account
from chatbot.school.dates import fold
from chatbot.settings import TIMEZONE

T = TypeVar("T")

WEEKDAY_NAMES = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")
PAYLOAD = re.compile(r"^/\w+(\{.*\})?$", re.DOTALL)

HOW_TO_LINK = (
    "để liên kết, Quý phụ huynh hoặc học sinh gõ mã mời nhà trường cung cấp (8 ký tự, "
    "dạng ABCD-2345) vào đây."
)


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


def sender(tracker: Tracker) -> tuple[str, str]:
    """(channel, external id) of the person in this conversation."""
    return split_sender_id(tracker.sender_id)


async def account_view(tracker: Tracker) -> AccountView:
    channel, external_id = sender(tracker)
    return await db(load_account, channel, external_id)


def user_text(tracker: Tracker) -> str:
    """The latest message as typed; empty for a button payload such as ``/intent{...}``."""
    text = (tracker.latest_message or {}).get("text") or ""
    return "" if PAYLOAD.match(text.strip()) else text


def entity(tracker: Tracker, name: str) -> str | None:
    value = next(tracker.get_latest_entity_values(name), None)
    return str(value) if value is not None else None


def address(view: AccountView) -> str:
    """How to address the person: a student is "em", a teacher "thầy cô", others "Quý phụ huynh"."""
    if view.staff is not None and not view.students:
        return "thầy cô"
    if view.is_student:
        return "em"
    return "Quý phụ huynh"


def capitalized(words: str) -> str:
    return words[:1].upper() + words[1:]


def weekday_name(day: date) -> str:
    return WEEKDAY_NAMES[day.weekday()]


_CANCEL = re.compile(
    r"^(?:thoi|huy|huy bo|dung|dung lai|stop|cancel|thoi khong bao nua|khong bao nua|"
    r"thoi khong can|khong can nua|bo qua bao cao|thoi bo qua)$"
)


def is_cancel(text: str) -> bool:
    """Whether a whole message asks to stop the current form ("thôi", "hủy", "dừng lại")."""
    return bool(_CANCEL.match(fold(text).strip(" .!")))


NOT_LINKED = "Dạ, tài khoản này chưa được liên kết với học sinh nào; " + HOW_TO_LINK
