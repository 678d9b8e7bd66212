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

from typing import Any

from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

ROLE_SLOT = "role"
GUEST = "guest"  # not linked yet: addressed as an adult, like a parent
ROLES = ("parent", "student", "teacher", "staff", GUEST)
ROLE_FALLBACK = {"staff": "teacher"}


def variation_roles(variation: dict[str, Any]) -> set[str]:
    """The roles a variation's conditions name (empty for an unconditional variation)."""
    return {
        str(condition.get("value"))
        for condition in variation.get("condition") or ()
        if condition.get("type") == "slot" and condition.get("name") == ROLE_SLOT
    }


def fitting_role(variations: list[dict[str, Any]], role: str | None) -> str | None:
    """``role``, or the role it falls back to when no variation is written for it."""
    if role is None:
        return None
    named = set().union(*(variation_roles(v) for v in variations)) if variations else set()
    while role not in named and role in ROLE_FALLBACK:
        role = ROLE_FALLBACK[role]
    return role


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
        return self.generate_from_slots(utter_action, {**slots, ROLE_SLOT: role}, output_channel, **kwargs)
