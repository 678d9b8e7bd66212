"""Run actions directly with rasa_sdk against the sample school in a migrated SQLite database."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions.common
from chatbot.db.engine import session_scope
from chatbot.db.models import Role
from chatbot.settings import PROJECT_ROOT
from tests.chatbot.school.sample import NOW, Sample, build_school, link
from tests.replies import render_async

DOMAIN_FILES = ("onboarding.yml", "timetable.yml", "reports.yml", "privacy.yml")


def _domain() -> dict[str, Any]:
    merged: dict[str, Any] = {"slots": {}, "forms": {}}
    for name in DOMAIN_FILES:
        data = yaml.safe_load(Path(PROJECT_ROOT / "chatbot" / "domain" / name).read_text(encoding="utf-8"))
        merged["slots"].update(data.get("slots") or {})
        merged["forms"].update(data.get("forms") or {})
    return merged


DOMAIN = _domain()


@pytest.fixture
def school(db: str, monkeypatch: pytest.MonkeyPatch) -> Sample:
    monkeypatch.setattr(actions.common, "clock", lambda: NOW)
    with session_scope() as session:
        return build_school(session)


def make_tracker(
    sender: str,
    text: str = "",
    *,
    intent: str | None = None,
    entities: dict[str, str] | None = None,
    slots: dict[str, Any] | None = None,
    latest_action: str = "action_listen",
) -> Tracker:
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": 1.0},
        "entities": [{"entity": k, "value": v} for k, v in (entities or {}).items()],
    }
    return Tracker(sender, dict(slots or {}), latest, [], False, None, {}, latest_action)


async def run(action: Action, sender: str, text: str = "", **kwargs: Any) -> tuple[list[dict], list[dict]]:
    """Run ``action`` for one message; return (bot messages as the person reads them, events)."""
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, make_tracker(sender, text, **kwargs), DOMAIN)
    return await render_async(dispatcher.messages, kwargs.get("slots")), events


def texts(messages: Iterable[dict]) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


def link_sender(sender: str, role: Role, **ids: int) -> None:
    """Link the Rasa sender id ``sender`` (e.g. ``telegram:1``) with a fresh code."""
    from chatbot.channels import split_sender_id

    with session_scope() as session:
        link(session, split_sender_id(sender), role, **ids)
