"""A user's words passed on to school staff: one clean paragraph, links defanged, in quotes.

An incident description or a help message is forwarded by the school's own assistant, so it
must not be able to pose as the assistant's text (a line "• Người báo: Ban giám hiệu") or
carry a clickable phishing link. :func:`quoted_words` makes it one paragraph without
control characters, turns links into ``hxxps://example[.]com``, and wraps it in “…”.
"""

from __future__ import annotations

import re

# Bounded widths: these run on chat text (tests/house/test_linear_text.py).
_SCHEME = re.compile(r"(?i)^(?:[a-z][a-z0-9+.-]{0,15}://|www\.)")
_DOMAIN = re.compile(
    r"(?i)^[^\s.]{0,64}?[\w-]{1,63}(?:\.[\w-]{1,63}){0,8}\."
    r"(?:com|vn|net|org|edu|gov|info|io|me|ly|xyz|top|site|online|link|app|ru|cn|tk|co|us|biz|"
    r"shop|club|live|ml|ga|cf|gq|to|cc|ws|pw|gl|gd|bit)(?:[/:?#)\]]|$)"
)
_HTTP = re.compile(r"(?i)^(h)tt(ps?)")
_CONTROLS = dict.fromkeys([*range(0x00, 0x20), *range(0x7F, 0xA0), 0x2028, 0x2029, 0x200E, 0x200F,
                           *range(0x202A, 0x202F), *range(0x2066, 0x206A)], " ")
_OUR_QUOTES = str.maketrans({"“": '"', "”": '"'})


def defang(word: str) -> str:
    """A link-like word made unclickable (``https://a.vn/x`` -> ``hxxps://a[.]vn/x``)."""
    if not (_SCHEME.search(word) or _DOMAIN.search(word)):
        return word
    return _HTTP.sub(r"\1xx\2", word).replace(".", "[.]")


def one_paragraph(text: str, limit: int) -> str:
    """``text`` without control or direction characters, on one line, at most ``limit`` long."""
    words = text.encode("utf-8", "ignore").decode("utf-8").translate(_CONTROLS).split()
    flat = " ".join(words)
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def quoted_words(text: str, limit: int = 1000) -> str:
    """The user's ``text`` as one paragraph in “…”, links defanged; empty for empty text."""
    flat = one_paragraph(text, limit)
    if not flat:
        return ""
    return "“" + " ".join(defang(word) for word in flat.translate(_OUR_QUOTES).split()) + "”"
