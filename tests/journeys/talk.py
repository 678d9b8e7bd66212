"""Small helpers the journeys share: fresh senders, and what a list of replies says."""

from __future__ import annotations

import uuid

from chatbot.db.models import Role
from tests.assistant import Assistant


def new_sender(prefix: str = "test") -> str:
    """A sender id no other test uses, so each conversation starts fresh."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def reply_text(replies: list[dict]) -> str:
    return "\n".join(r.get("text", "") for r in replies)


def button_payloads(replies: list[dict]) -> list[str]:
    return [b["payload"] for r in replies for b in r.get("buttons", [])]


def linked(assistant: Assistant, role: Role, **ids: int) -> str:
    """A new sender linked with a fresh invite code for ``role``."""
    sender = new_sender()
    assistant.say(sender, assistant.issue(role, **ids))
    return sender
