"""Domain responses in the variation that fits the person: one voice, addressed by role.

Every fixed reply lives in the domain (``chatbot/domain/*.yml``). A response may carry
conditional variations on the ``role`` slot (``parent``, ``student``, ``teacher``, ``staff``)
and channel variations (``channel: zalo_bot``); the variation without a condition speaks to an
adult whose role is unknown or who is a parent. Forms of address follow the table in
``docs/replies.md``.

Actions pass the role they have just read from the school data as ``role=...`` beside the
response's values; Rasa renders a custom action's responses with the tracker as it was before
the action's events, so the slot alone would lag by one turn after linking or unlinking.
Responses that rules utter directly use the ``role`` slot, which the session start and the
link and unlink actions keep current.

A ``staff`` member is addressed like a teacher ("thầy cô") unless a response has its own
``staff`` variation.
"""

from __future__ import annotations

import copy
import logging
from typing import Any

from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from chatbot.reply_roles import ROLE_SLOT, fitting_role

logger = logging.getLogger(__name__)



_LONGEST_NAME = 64
_FILLED_KEYS = ("text", "image", "custom", "buttons", "attachment", "quick_replies")


def fill(template: str, values: dict[str, Any], missing: set[str] | None = None) -> str:
    """``template`` with each ``{name}`` replaced by ``values[name]``, inserted verbatim;
    ``{{`` and ``}}`` stand for literal braces, and any other brace stays as written.

    Rasa's own interpolation returns the bare template whenever a value happens to contain
    ``0[`` (a notice text, a typed name); here a value is never read again. An unknown
    placeholder stays as written and is added to ``missing``. One pass over the template.
    """
    parts: list[str] = []
    start = 0
    while True:
        brace = _next_brace(template, start)
        if brace < 0:
            parts.append(template[start:])
            return "".join(parts)
        parts.append(template[start:brace])
        pair = template[brace:brace + 2]
        if pair in ("{{", "}}"):
            parts.append(pair[0])
            start = brace + 2
            continue
        close = template.find("}", brace + 1, brace + 2 + _LONGEST_NAME) if pair[0] == "{" else -1
        name = template[brace + 1:close] if close > 0 else ""
        if name.isidentifier():
            if values.get(name) is not None:
                parts.append(str(values[name]))
            else:
                parts.append(template[brace:close + 1])
                if missing is not None:
                    missing.add(name)
            start = close + 1
        else:
            parts.append(template[brace])
            start = brace + 1


def _next_brace(text: str, start: int) -> int:
    found = [i for i in (text.find("{", start), text.find("}", start)) if i >= 0]
    return min(found) if found else -1


def _fill_all(part: Any, values: dict[str, Any], missing: set[str]) -> Any:
    if isinstance(part, str):
        return fill(part, values, missing)
    if isinstance(part, list):
        return [_fill_all(item, values, missing) for item in part]
    if isinstance(part, dict):
        return {key: _fill_all(item, values, missing) for key, item in part.items()}
    return part


class RoleAwareResponses(TemplatedNaturalLanguageGenerator):
    """Rasa's templated generator, choosing variations by the role an action passes.

    Plugged in through ``endpoints.yml``: ``nlg: {type: chatbot.nlg.RoleAwareResponses}``.
    """

    def __init__(
        self, endpoint_config: EndpointConfig | None = None, domain: Domain | None = None,
        responses: dict[str, list[dict[str, Any]]] | None = None,
    ) -> None:
        super().__init__(responses if responses is not None else (domain.responses if domain else {}))

    async def generate(
        self, utter_action: str, tracker: DialogueStateTracker, output_channel: str, **kwargs: Any,
    ) -> dict[str, Any] | None:
        return self.render(utter_action, tracker.current_slot_values(), output_channel, **kwargs)

    def render(
        self, utter_action: str, slots: dict[str, Any], output_channel: str, **kwargs: Any,
    ) -> dict[str, Any] | None:
        """The response ``utter_action`` for ``slots``; a ``role`` keyword overrides the slot."""
        role = kwargs.pop(ROLE_SLOT, None) or slots.get(ROLE_SLOT)
        role = fitting_role(self.responses.get(utter_action) or [], role)
        variation = self._random_response_for(utter_action, output_channel, {**slots, ROLE_SLOT: role})
        if variation is None:
            return None
        return self.filled(copy.deepcopy(variation), {**slots, ROLE_SLOT: role, **kwargs}, utter_action)

    def _fill_response(
        self, response: dict[str, Any], filled_slots: dict[str, Any] | None = None, **kwargs: Any,
    ) -> dict[str, Any]:
        return self.filled(response, {**(filled_slots or {}), **kwargs}, "response")

    @staticmethod
    def filled(response: dict[str, Any], values: dict[str, Any], name: str) -> dict[str, Any]:
        """Fill the placeholders of every text part with :func:`fill` (never Rasa's formatter)."""
        missing: set[str] = set()
        for key in _FILLED_KEYS:
            if key in response:
                response[key] = _fill_all(response[key], values, missing)
        if missing:
            logger.error("%s has no value for %s", name, sorted(missing))
        return response
