"""Crafted messages that make backtracking patterns slow, at any length.

Shared by the linear-time tests (tests/house/test_linear_text.py, tests/actions, tests/nlu) and
``bench/bench_text.py``. Each family repeats a unit that some naive pattern over chat text would
rescan from every position: quotes and whitespace, lines, repeated question words, dotted and
digit runs, every script.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

# A sample of every Unicode block up to the emoji: Latin, Vietnamese (composed and decomposed),
# Greek, Cyrillic, Hebrew, Arabic (with its digits), Devanagari, Thai, CJK, Hangul, symbols,
# superscripts and fractions ("²", "½"), zero-width and direction marks, emoji.
EVERY_SCRIPT = (
    "".join(chr(c) for c in range(0x21, 0x2FF, 3))
    + "Nguyễn Thị Ánh Dương đ Đ "
    + unicodedata.normalize("NFD", "Trần Văn Bình ")
    + "".join(chr(c) for c in range(0x370, 0x3000, 37))
    + "中文课堂 한국어 ภาษาไทย العربية ٠١٢٣ עברית हिन्दी ²³½ \u200b\u200d\u200e\u202e\ufeff "
    + "".join(chr(c) for c in range(0x1F300, 0x1F6FF, 29))
)

UNITS: dict[str, str] = {
    "quote then spaces": '"' + " " * 63,
    "quotes and letters": '"a',
    "every quote mark": "\"“”'‘’«» ",
    "whitespace mix": " \t\u00a0\u3000",
    "newlines": "\n",
    "question words": "dung chua ",
    "accented question words": "đúng chưa ạ ",
    "named as": "tên là ",
    "class word": "lớp ",
    "day words": "hom nay thu 2 ",
    "dates": "12/",
    "clock": "8h ",
    "ago": "10 phut ",
    "digits": "1",
    "spaced digits": "1 ",
    "dotted": "a.",
    "at signs": "a@",
    "link": "http://a",
    "letters": "x",
    "reference digits": "SC-2026-1",
    "invite look-alikes": "ABCD-",
    "colon": ":",
    "punctuation": "!?.,;",
    "payload": "/x{",
    "every script": EVERY_SCRIPT,
}


def crafted(unit: str, length: int, tail: str = "x") -> str:
    """``unit`` repeated to ``length`` characters, then ``tail`` (the usual failure point)."""
    body = (unit * (length // max(1, len(unit)) + 1))[: max(0, length - len(tail))]
    return body + tail


def family(length: int) -> dict[str, str]:
    """One crafted message of about ``length`` characters per unit."""
    return {name: crafted(unit, length) for name, unit in UNITS.items()}


def seconds_per_call(call: Callable[[], object], budget: float = 0.005, repeats: int = 3) -> float:
    """CPU seconds of one ``call``: the best of ``repeats`` rounds of enough calls to fill ``budget``."""
    import time

    start = time.process_time()
    call()
    first = max(time.process_time() - start, 1e-6)
    number = max(1, int(budget / first))
    best = float("inf")
    for _ in range(repeats):
        start = time.process_time()
        for _ in range(number):
            call()
        best = min(best, (time.process_time() - start) / number)
    return best
