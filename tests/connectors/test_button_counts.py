"""No domain response carries more buttons than a channel it can be sent on shows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from chatbot.training import DOMAIN
from connectors.zalo_sender import BUTTON_TITLE_LIMIT
from connectors.zalo_sender import MAX_BUTTONS as ZALO_MAX_BUTTONS

TELEGRAM_MAX_BUTTONS = 100  # an inline keyboard's limit
# Zalo Bot shows every button as a numbered option; REST clients show what they receive.
LIMITS = {"zalo": ZALO_MAX_BUTTONS, "telegram": TELEGRAM_MAX_BUTTONS}


def variations() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in sorted(Path(DOMAIN).glob("*.yml")):
        responses = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("responses") or {}
        for name, options in responses.items():
            found.extend((f"{path.name}:{name}", option) for option in options)
    return found


VARIATIONS = variations()


def test_the_domain_has_responses_with_buttons() -> None:
    assert sum(bool(option.get("buttons")) for _, option in VARIATIONS) >= 5


@pytest.mark.parametrize(("name", "option"), VARIATIONS, ids=[name for name, _ in VARIATIONS])
def test_buttons_fit_every_channel_the_response_can_reach(name: str, option: dict[str, Any]) -> None:
    buttons = option.get("buttons") or []
    channel = option.get("channel")
    limit = LIMITS.get(channel, 10**6) if channel else min(LIMITS.values())
    assert len(buttons) <= limit, f"{name}: {len(buttons)} buttons, the channel shows {limit}"
    for button in buttons:
        assert 0 < len(button["title"]) <= BUTTON_TITLE_LIMIT, name
