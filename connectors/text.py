"""Splitting long replies and numbered options for channels without buttons."""

from __future__ import annotations

from collections.abc import Sequence

from chatbot.delivery.outbound import Button
from chatbot.replies import CHOOSE_BY_NUMBER, reply_text
from connectors.button_store import NumberedChoices as NumberedChoices  # stored choices


def utf16_len(text: str) -> int:
    """Length as Telegram and Zalo count it (UTF-16 code units; an emoji may count twice)."""
    return len(text.encode("utf-16-le")) // 2


def _fitting_prefix(text: str, limit: int) -> int:
    """How many characters of ``text`` fit in ``limit`` UTF-16 code units."""
    used = 0
    for index, char in enumerate(text):
        used += 2 if ord(char) > 0xFFFF else 1
        if used > limit:
            return index
    return len(text)


def _cut_point(window: str) -> tuple[int, int]:
    """Where to end a chunk inside ``window`` and where the next one starts."""
    half = len(window) // 2
    for separator in ("\n", " "):
        index = window.rfind(separator)
        if index >= half:
            return index, index + 1
    index = window.rfind("\n")
    if index > 0:
        return index, index + 1
    return len(window), len(window)


def split_text(text: str, limit: int) -> list[str]:
    """Split ``text`` into chunks of at most ``limit`` UTF-16 units, on line breaks if possible.

    Falls back to spaces, then to a hard cut. Whitespace-only chunks are dropped.
    """
    if limit < 2:
        raise ValueError("limit must be at least 2")
    chunks: list[str] = []
    rest = text
    while utf16_len(rest) > limit:
        window = rest[: _fitting_prefix(rest, limit)]
        end, resume = _cut_point(window)
        piece = window[:end].rstrip()
        if piece.strip():
            chunks.append(piece)
        rest = rest[resume:].lstrip("\n")
    if rest.strip():
        chunks.append(rest)
    return chunks


def numbered_text(text: str, buttons: Sequence[Button]) -> str:
    """``text`` followed by the buttons as numbered options and a hint to answer by number."""
    lines = [text, ""] if text else []
    lines.extend(f"{number}. {button.title}" for number, button in enumerate(buttons, start=1))
    lines.extend(["", reply_text(CHOOSE_BY_NUMBER)])
    return "\n".join(lines)
