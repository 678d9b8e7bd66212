"""Which variation of a domain response a reader gets by role, without importing Rasa.

A response may carry conditional variations on the ``role`` slot (``parent``, ``student``,
``teacher``, ``staff``, ``guest``); the variation without a condition speaks to an adult whose
role is unknown or who is a parent. A ``staff`` member reads the ``teacher`` variation unless a
response has its own. Used by Rasa's generator (:mod:`chatbot.nlg`) and by the core's own
messages (:mod:`chatbot.replies`).
"""

from __future__ import annotations

from typing import Any

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
