"""Idempotency keys of incident alerts and the quick replies that go with them.

Relayed messages carry the buttons of :mod:`chatbot.relay_keys`. A leaf module: the school
services make the keys (:mod:`chatbot.school.alerts`) and the delivery worker attaches the
buttons (:mod:`chatbot.delivery.worker`) without importing each other.
"""

from __future__ import annotations

import re

from chatbot.relay_keys import relay_buttons

MARK_HANDLED_INTENT = "mark_handled"
_INCIDENT_KEY = re.compile(r"^incident:(?P<reference>[A-Z]{2}-\d{4}-\d{6,10})$")


def incident_alert_key(reference: str) -> str:
    return f"incident:{reference}"


def alert_buttons(idempotency_key: str) -> list[tuple[str, str]]:
    """Quick replies that go with the alert queued under ``idempotency_key``: (title, payload)."""
    match = _INCIDENT_KEY.match(idempotency_key)
    if not match:
        return relay_buttons(idempotency_key)
    payload = f'/{MARK_HANDLED_INTENT}{{"incident_reference":"{match.group("reference")}"}}'
    return [("Đã xử lý", payload)]
