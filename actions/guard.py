"""The guard every action runs behind.

- A message longer than :data:`MAX_MESSAGE` characters is not read: the first action of the
  turn answers politely and the others stay silent (the channels cap length first; this is
  the second line).
- Input that fails validation (:class:`BadInput`: a crafted entity, an unusable sender id)
  gets a short polite reply.
- Any other error inside an action becomes a polite apology. The log line names the action,
  the exception type and the code locations, never the exception's message or the tracker,
  since either may hold a name, a meeting password or an invite code.
- These replies are domain responses (chatbot/domain/safety.yml) in the variation of the
  ``role`` slot: the guard does not read the account.

Actions subclass :class:`SafeAction` (which wraps their ``run``) or
:class:`SafeFormValidationAction`; ``tests/hardening/test_actions_guarded.py`` checks that
every registered action does.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.executor import CollectingDispatcher

from chatbot.logs import code_locations
from chatbot.replies import thousands

logger = logging.getLogger(__name__)

MAX_MESSAGE = 4096  # Telegram's own limit; Zalo's is lower
TOO_LONG_RESPONSE = "utter_message_too_long"
BAD_INPUT_RESPONSE = "utter_bad_input"
FAILED_RESPONSE = "utter_action_failed"

Events = list[dict[str, Any]]
Run = Callable[[CollectingDispatcher, Tracker, dict[str, Any]], Awaitable[Events]]


class BadInput(ValueError):
    """A value from the message (entity, slot, sender id) that an action must not use.

    The message names the field only, never the value.
    """


def message_too_long(tracker: Tracker) -> bool:
    text = (tracker.latest_message or {}).get("text") or ""
    return len(text) > MAX_MESSAGE


async def run_guarded(name: str, run: Run, dispatcher: CollectingDispatcher, tracker: Tracker,
                      domain: dict[str, Any]) -> Events:
    """Run one action's ``run`` behind the guard described in the module docstring."""
    if message_too_long(tracker):
        if tracker.latest_action_name in (None, "action_listen"):  # once per turn
            dispatcher.utter_message(response=TOO_LONG_RESPONSE, limit=thousands(MAX_MESSAGE))
        return []
    try:
        return await run(dispatcher, tracker, domain)
    except BadInput as exc:
        logger.warning("action %s refused its input: %s", name, exc)
        dispatcher.messages.clear()
        dispatcher.utter_message(response=BAD_INPUT_RESPONSE)
    except Exception as exc:  # noqa: BLE001 - every failure gets the same polite answer
        logger.error("action %s failed: %s at %s", name, type(exc).__name__, code_locations(exc))
        dispatcher.messages.clear()
        dispatcher.utter_message(response=FAILED_RESPONSE)
    return []


def _guarded(run: Callable[..., Awaitable[Events]]) -> Callable[..., Awaitable[Events]]:
    @wraps(run)
    async def guarded_run(self: Action, dispatcher: CollectingDispatcher, tracker: Tracker,
                          domain: dict[str, Any]) -> Events:
        async def bound(d: CollectingDispatcher, t: Tracker, dom: dict[str, Any]) -> Events:
            return await run(self, d, t, dom)

        return await run_guarded(self.name(), bound, dispatcher, tracker, domain)

    guarded_run.__guarded__ = True  # type: ignore[attr-defined]
    return guarded_run


class SafeAction(Action, ABC):
    """An action whose ``run`` (as written by each subclass) runs behind the guard."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        run = cls.__dict__.get("run")
        if run is not None and not getattr(run, "__guarded__", False):
            cls.run = _guarded(run)  # type: ignore[method-assign]

    @abstractmethod
    def name(self) -> str:
        """The action's name in the domain."""


class SafeFormValidationAction(FormValidationAction, ABC):
    """A form validation action whose extraction and validation run behind the guard."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> Events:
        return await run_guarded(self.name(), super().run, dispatcher, tracker, domain)

    @abstractmethod
    def name(self) -> str:
        """``validate_<form name>``."""
