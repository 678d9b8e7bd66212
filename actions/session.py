"""A new conversation session: carry the slots over and read whom the replies address."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import ActionExecuted, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import account_view, role_event
from actions.guard import SafeAction
from chatbot.logs import code_locations
from chatbot.reply_roles import ROLE_SLOT

logger = logging.getLogger(__name__)


class ActionSessionStart(SafeAction):
    """Rasa's session start, plus the ``role`` slot from the school data.

    The session always starts: when the account cannot be read, the role slot is left as it
    was and the replies fall back to the adult form.
    """

    def name(self) -> str:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = [SessionStarted()]
        if (domain.get("session_config") or {}).get("carry_over_slots_to_new_session", True):
            events += [
                SlotSet(name, value) for name, value in tracker.current_slot_values().items()
                if value is not None and name != ROLE_SLOT
            ]
        try:
            events.append(role_event(await account_view(tracker)))
        except Exception as exc:  # noqa: BLE001 - a session must start even without the database
            logger.warning("session start without role: %s at %s", type(exc).__name__, code_locations(exc))
        events.append(ActionExecuted("action_listen"))
        return events
