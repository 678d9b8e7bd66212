"""How a relayed message names its thread: the ``[Trao đổi số N]`` tag in its text, and the
buttons under it (see :mod:`chatbot.school.relay`). A leaf module: the delivery worker attaches
the buttons through :mod:`chatbot.alert_keys` without importing the school services."""

from __future__ import annotations

import json
import re

REPLY_INTENT = "relay_reply"
CLOSE_INTENT = "relay_close"
# Bounded width: runs on the text of the message a teacher replies to on Telegram.
_TAG = re.compile(r"\[Trao đổi số (\d{1,9})\]")


def tag(thread_id: int) -> str:
    return f"[Trao đổi số {thread_id}]"


def thread_in(text: str) -> int | None:
    """The thread a relayed message belongs to, read from its tag."""
    match = _TAG.search(text[:500])
    return int(match.group(1)) if match else None


def payload(intent: str, thread_id: int) -> str:
    return f"/{intent}" + json.dumps({"relay_thread": str(thread_id)}, separators=(",", ":"))


def relay_buttons(key: str) -> list[tuple[str, str]]:
    """The buttons under a relayed message, from its idempotency key (see :mod:`chatbot.alert_keys`)."""
    side, _, rest = key.partition(":")
    thread_id, _, _ = rest.partition(":")
    if not thread_id.isdigit():
        return []
    number = int(thread_id)
    if side == "relay-t":
        return [
            ("Trả lời", payload(REPLY_INTENT, number)),
            ("Kết thúc trao đổi", payload(CLOSE_INTENT, number)),
        ]
    if side == "relay-f":
        return [("Nhắn tiếp", payload(REPLY_INTENT, number))]
    return []
