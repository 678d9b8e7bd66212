"""The shape of an invite code: its alphabet, its pattern in text, its canonical form.

A leaf module (standard library only), so that both language understanding (:mod:`chatbot.nlu`)
and the invite service (:mod:`chatbot.school.invites`) can use it without importing each other.
"""

from __future__ import annotations

import re

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
CODE_PATTERN = re.compile(r"(?<![A-Za-z0-9])([A-Za-z2-9]{4})[-\s]?([A-Za-z2-9]{4})(?![A-Za-z0-9])")


def normalize_code(raw: str) -> str | None:
    """Return the canonical 8-character code in ``raw``, or None if it holds none."""
    cleaned = re.sub(r"[\s-]", "", raw.strip()).upper()
    if len(cleaned) == CODE_LENGTH and all(ch in ALPHABET for ch in cleaned):
        return cleaned
    return None


def find_code(text: str) -> str | None:
    """Find the first invite-code-looking token in a message (at least one digit in it)."""
    for match in CODE_PATTERN.finditer(text):
        candidate = normalize_code(match.group(1) + match.group(2))
        if candidate and any(ch.isdigit() for ch in candidate):
            return candidate
    return None


def format_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"
