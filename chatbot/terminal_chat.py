"""A small terminal chat against the REST channel; buttons are numbered, type the number."""

from __future__ import annotations

import sys
import uuid
from typing import Any, TextIO

import httpx

EXIT_WORDS = {"/exit", "/quit", "exit", "quit", "thoát"}


def render(replies: list[dict[str, Any]], out: TextIO) -> list[dict[str, str]]:
    """Print the bot's replies; return the buttons of the last reply that had any."""
    buttons: list[dict[str, str]] = []
    for reply in replies:
        if reply.get("text"):
            out.write(f"🤖 {reply['text']}\n")
        if reply.get("buttons"):
            buttons = reply["buttons"]
            for number, button in enumerate(buttons, start=1):
                out.write(f"   [{number}] {button.get('title', '')}\n")
    out.flush()
    return buttons


def chat(url: str, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout, sender: str | None = None) -> None:
    """Read lines from ``stdin`` until end of input or /exit, and show the bot's answers."""
    sender = sender or f"terminal-{uuid.uuid4().hex[:8]}"
    out.write("Gõ tin nhắn rồi nhấn Enter (số thứ tự để chọn nút, /exit để thoát).\n")
    buttons: list[dict[str, str]] = []
    with httpx.Client(timeout=60) as client:
        while True:
            out.write("> ")
            out.flush()
            line = stdin.readline()
            if not line:
                out.write("\n")
                return
            text = line.strip()
            if not text:
                continue
            if text.lower() in EXIT_WORDS:
                return
            if text.isdigit() and 1 <= int(text) <= len(buttons):
                text = buttons[int(text) - 1]["payload"]
            response = client.post(url, json={"sender": sender, "message": text})
            response.raise_for_status()
            buttons = render(response.json(), out)
