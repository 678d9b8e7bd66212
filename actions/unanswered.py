"""``action_unanswered``: log an out-of-scope or low-confidence message, then offer the menu.

The message is stored scrubbed of personal data (see :mod:`chatbot.school.unanswered`)
with the classifier's best real guess, so staff can see what to add. A database failure
never stops the reply.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import db, user_text
from actions.guard import SafeAction
from chatbot.logs import code_locations
from chatbot.school.unanswered import record_unanswered

logger = logging.getLogger(__name__)

FALLBACK_INTENT = "nlu_fallback"


def best_guess(parse_data: dict[str, Any]) -> tuple[str | None, float | None]:
    """The top intent other than ``nlu_fallback`` and its confidence."""
    ranking = parse_data.get("intent_ranking") or [parse_data.get("intent") or {}]
    for entry in ranking:
        name = entry.get("name")
        if name and name != FALLBACK_INTENT:
            return name, entry.get("confidence")
    return None, None


class ActionUnanswered(SafeAction):
    def name(self) -> str:
        return "action_unanswered"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        text = user_text(tracker)
        if text:
            intent, confidence = best_guess(tracker.latest_message or {})
            try:
                await db(record_unanswered, text, intent, confidence)
            except Exception as exc:  # noqa: BLE001 - logging must not cost the user the reply
                # Type and place only: the message could repeat the text (chatbot/logs.py).
                logger.error("could not store an unanswered message: %s at %s", type(exc).__name__,
                             code_locations(exc))
        dispatcher.utter_message(response="utter_unanswered")
        return []
