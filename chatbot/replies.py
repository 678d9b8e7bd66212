"""Replies the connectors send on their own, read from the domain like every other reply.

A connector answers without Rasa when a message cannot go to Rasa (a photo, a button that has
expired, a message over the channel's cap, a group chat) or when Rasa does not answer. Those
texts are domain responses (``utter_channel_*`` in ``chatbot/domain/conversation.yml``), so one
place holds every reply and the forms-of-address scan reads them too. The connector does not
know who is writing, so these responses have no role variations: they address "Quý phụ huynh
và các em" (docs/replies.md). A response may have a ``channel:`` variation (Telegram's private
chat pointer carries a button); this module picks it as Rasa would, without importing Rasa.

The core's own messages to one person (the relay's hints under a message passed between a
family and a teacher) are domain responses too; their sender knows the reader's role and asks
for its variation (``role=``), as :mod:`chatbot.nlg` does for Rasa's replies.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import yaml

from chatbot.delivery.outbound import Button, OutboundMessage
from chatbot.reply_roles import fitting_role, variation_roles
from chatbot.settings import PROJECT_ROOT

DOMAIN_DIR = PROJECT_ROOT / "chatbot" / "domain"

TEXT_ONLY = "utter_channel_text_only"
BUTTON_EXPIRED = "utter_channel_button_expired"
ASSISTANT_BUSY = "utter_channel_busy"
CHOOSE_BY_NUMBER = "utter_channel_choose_by_number"
PRIVATE_CHAT_ONLY = "utter_channel_private_only"
MESSAGE_TOO_LONG = "utter_channel_message_too_long"
CHANNEL_REPLIES = (
    TEXT_ONLY, BUTTON_EXPIRED, ASSISTANT_BUSY, CHOOSE_BY_NUMBER, PRIVATE_CHAT_ONLY, MESSAGE_TOO_LONG,
)


@lru_cache(maxsize=1)
def domain_responses() -> dict[str, list[dict[str, Any]]]:
    """Every response of the domain files, read once."""
    responses: dict[str, list[dict[str, Any]]] = {}
    for path in sorted(DOMAIN_DIR.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        responses.update(data.get("responses") or {})
    return responses


def _variation(name: str, channel: str | None, role: str | None = None) -> dict[str, Any]:
    """The variation of ``name`` for ``channel`` and ``role`` (after its fallback, as
    :mod:`chatbot.nlg` does): one written for that role first, then one written for that
    channel, else one without a channel (Rasa's own order)."""
    variations = domain_responses()[name]
    role = fitting_role(variations, role)
    candidates = [v for v in variations if role is not None and role in variation_roles(v)]
    candidates += [v for v in variations if not v.get("condition")]
    for wanted in (channel, None) if channel else (None,):
        for variation in candidates:
            if variation.get("channel") == wanted:
                return variation
    raise LookupError(f"{name} has no variation for role {role!r}")


def _fill(template: str, values: dict[str, Any]) -> str:
    """``template`` with its ``{placeholders}``; a missing value is an error, never "None"."""
    return template.format_map(values)


def reply_message(
    name: str, channel: str | None = None, role: str | None = None, **values: Any
) -> OutboundMessage:
    """The response ``name`` as sent on ``channel`` to a reader of ``role``, filled with
    ``values``."""
    variation = _variation(name, channel, role)
    buttons = tuple(
        Button(_fill(b["title"], values), _fill(b["payload"], values))
        for b in variation.get("buttons") or ()
    )
    return OutboundMessage(text=_fill(variation["text"], values), buttons=buttons)


def reply_text(name: str, channel: str | None = None, role: str | None = None, **values: Any) -> str:
    """Only the text of :func:`reply_message` (a Telegram popup, a hint under numbered options,
    a line of the relay)."""
    return reply_message(name, channel, role, **values).text


def thousands(number: int) -> str:
    """``number`` as Vietnamese writes it: 2000 → "2.000"."""
    return f"{number:,}".replace(",", ".")


def message_too_long(limit: int, channel: str | None = None) -> str:
    """The reply to a message over ``limit`` characters, not passed to Rasa."""
    return reply_text(MESSAGE_TOO_LONG, channel, limit=thousands(limit))
