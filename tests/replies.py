"""What an action's messages look like to the person: rendered as Rasa renders them.

Actions send domain responses by name, with values and a ``role``; this runs them through
Rasa's own ``RemoteAction._utter_responses`` with the project's NLG and the whole domain, so a
test reads the text and buttons a user would see.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet
from rasa.shared.core.trackers import DialogueStateTracker

from chatbot.nlg import RoleAwareResponses
from chatbot.settings import PROJECT_ROOT


@lru_cache(maxsize=1)
def domain() -> Domain:
    return Domain.load(str(PROJECT_ROOT / "chatbot" / "domain"))


@lru_cache(maxsize=1)
def generator() -> RoleAwareResponses:
    return RoleAwareResponses(domain=domain())


class _Channel(CollectingOutputChannel):
    def __init__(self, name: str) -> None:
        super().__init__()
        self._name = name

    def name(self) -> str:  # type: ignore[override]
        return self._name


async def render_async(
    messages: Iterable[dict[str, Any]], slots: dict[str, Any] | None = None, channel: str = "rest",
) -> list[dict[str, Any]]:
    """``messages`` (as a ``CollectingDispatcher`` holds them) as the person reads them: each a
    dict with ``text``, ``buttons`` and, for a domain response, its name under ``response``; a
    response name the domain does not have fails the test."""
    tracker = DialogueStateTracker.from_events(
        "test", [SlotSet(name, value) for name, value in (slots or {}).items()], domain().slots,
    )
    drafts = copy.deepcopy(list(messages))
    names = [m.get("response") for m in drafts]
    missing = sorted({n for n in names if n and n not in domain().responses})
    assert not missing, f"responses not in the domain: {missing}"
    uttered = await RemoteAction._utter_responses(drafts, _Channel(channel), generator(), tracker)
    return [_as_dict(bot, name) for bot, name in zip(uttered, names, strict=True)]


def _as_dict(bot: Any, response: str | None) -> dict[str, Any]:
    data = bot.data or {}
    return {"text": bot.text or "", "buttons": data.get("buttons") or [], "response": response,
            "custom": data.get("custom")}
