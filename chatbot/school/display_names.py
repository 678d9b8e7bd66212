"""The display name a student uses in an online class (item 1.4.b: real name and roll number).

The form comes from the ``DISPLAY_NAME_FORMAT`` setting (default ``{roll:02d} - {full_name}``,
e.g. ``05 - Nguyễn Minh Anh``). A typed name is compared tolerantly of spacing and letter
case, and strictly of diacritics and the roll number.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from itertools import groupby

from chatbot.nlu.text import strip_diacritics
from chatbot.settings import SettingsError, get_settings


def required_display_name(roll_number: int, full_name: str, class_name: str = "") -> str:
    """The exact name this student must show, in the configured form."""
    template = get_settings().display_name_format
    try:
        return template.format(roll=roll_number, full_name=full_name, class_name=class_name)
    except (KeyError, IndexError, ValueError) as exc:
        raise SettingsError(
            "DISPLAY_NAME_FORMAT may use {roll}, {full_name} and {class_name} only"
        ) from exc


def _canonical(name: str) -> str:
    """NFC, case-folded, single spaces, no spaces around punctuation."""
    text = " ".join(unicodedata.normalize("NFC", name).casefold().split())
    return _SPACE_AROUND_MARK.sub(r"\1", text)


def _runs(text: str, keep: Callable[[str], bool]) -> list[str]:
    """The maximal runs of characters for which ``keep`` is true, in order."""
    return ["".join(chars) for kept, chars in groupby(text, key=keep) if kept]


def _words(name: str) -> list[str]:
    return _runs(unicodedata.normalize("NFC", name).casefold(), str.isalpha)


class NameProblem(str, Enum):
    NO_ROLL = "no_roll"
    WRONG_ROLL = "wrong_roll"
    DIACRITICS = "diacritics"
    WRONG_NAME = "wrong_name"
    LAYOUT = "layout"


@dataclass(frozen=True)
class NameCheck:
    candidate: str
    required: str
    problems: tuple[NameProblem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def check_display_name(candidate: str, roll_number: int, full_name: str, class_name: str = "") -> NameCheck:
    """Compare a typed name with the required one and say what differs."""
    required = required_display_name(roll_number, full_name, class_name)
    if _canonical(candidate) == _canonical(required):
        return NameCheck(candidate, required, ())
    problems: list[NameProblem] = []
    numbers = [int(n) if len(n) <= 6 else -1 for n in _runs(candidate, str.isdecimal)]
    if not numbers:
        problems.append(NameProblem.NO_ROLL)
    elif roll_number not in numbers:
        problems.append(NameProblem.WRONG_ROLL)
    typed, wanted = _words(candidate), _words(required)
    if typed != wanted:
        unaccented = [strip_diacritics(w) for w in typed] == [strip_diacritics(w) for w in wanted]
        problems.append(NameProblem.DIACRITICS if unaccented else NameProblem.WRONG_NAME)
    if not problems:
        problems.append(NameProblem.LAYOUT)  # right number and name, but e.g. "5" or "Anh 05"
    return NameCheck(candidate, required, tuple(problems))


# Every pattern here runs on chat text, so each has a bounded width (linear time, see
# tests/house/test_linear_text.py); unbounded parts are plain string scans.
_SPACE_AROUND_MARK = re.compile(r" ?([^\w\s]) ?")
_NAMED_AS = re.compile(r"\b(?:tên|ten|để|de|đặt|dat)\s{1,8}(?:là|la)\s", re.IGNORECASE)
_FIRST_DIGIT = re.compile(r"\d")
_WORD = re.compile(r"\S{1,64}")
QUOTES = "\"“”'‘’«»"
MAX_CANDIDATE = 120  # longer than any display name

# "… (có|đã|như vậy …) đúng|được|hợp lệ … (chưa|không|ạ …)?" at the end of a question.
_VERDICT_PREFIXES = {
    ("có",), ("co",), ("đã",), ("da",), ("vậy",), ("như", "vậy"), ("như", "thế"), ("thế", "này"),
}
_VERDICTS = {
    ("được",), ("duoc",), ("dc",), ("đc",), ("đúng",), ("dung",), ("chuẩn",), ("chuan",),
    ("hợp", "lệ"), ("hop", "le"), ("ổn",), ("on",), ("sai",),
}
_PARTICLES = {
    ("chưa",), ("chua",), ("không",), ("khong",), ("ko",), ("k",), ("hông",), ("ạ",), ("a",),
    ("nhỉ",), ("nhi",), ("vậy",), ("vay",), ("quy", "định"), ("quy", "dinh"),
}


def _quoted(text: str) -> str | None:
    """The first text of three or more characters between two quote marks, stripped."""
    opening = None
    for index, char in enumerate(text):
        if char not in QUOTES:
            continue
        if opening is not None and index - opening > 3:
            inner = text[opening + 1:index].strip()
            if inner:
                return inner
        opening = index
    return None


def _take_from_end(words: list[str], end: int, phrases: set[tuple[str, ...]]) -> int:
    """How many words just before ``words[end]`` form one of ``phrases`` (0 if none)."""
    for size in (2, 1):
        if end >= size and tuple(w.casefold() for w in words[end - size:end]) in phrases:
            return size
    return 0


def strip_verdict_question(text: str) -> str:
    """``text`` without a trailing "… đúng chưa?" / "có được không ạ" question."""
    body = text.rstrip().rstrip("?!.").rstrip()
    spans = [(m.start(), m.end()) for m in _WORD.finditer(body)]
    words = [body[a:b] for a, b in spans]
    end = len(words)
    particles = 0
    while (taken := _take_from_end(words, end, _PARTICLES)) and end - taken > 0:
        end -= taken
        particles += taken
    verdict = _take_from_end(words, end, _VERDICTS)
    if not verdict:
        return text
    first = words[end - verdict]
    asked = particles or body != text.rstrip()
    if first[:1].isupper() and not asked:
        return text  # "… Nguyễn Thị Dung": a name, not a question
    end -= verdict
    end -= _take_from_end(words, end, _VERDICT_PREFIXES)
    return body[: spans[end][0]] if end < len(spans) else body


def _named_as(text: str) -> str | None:
    """What follows "tên là" / "đặt là" on the message's last line."""
    stop = len(text) - 1 if text.endswith("\n") else len(text)
    last_break = text.rfind("\n", 0, stop)
    for match in _NAMED_AS.finditer(text):
        if match.end() > last_break:  # later matches only leave a shorter rest
            return text[match.end():stop].lstrip() or None
    return None


def candidate_in_message(text: str) -> str | None:
    """The name a message proposes ("tên 05 - Nguyễn An đúng chưa" -> "05 - Nguyễn An").

    Linear in the length of ``text``; the result is at most :data:`MAX_CANDIDATE` characters.
    """
    found = _candidate(text)
    return (found[:MAX_CANDIDATE].strip() or None) if found else None


def _candidate(text: str) -> str | None:
    quoted = _quoted(text)
    if quoted:
        return quoted
    if ":" in text:
        after = text.split(":", 1)[1].strip()
        if after:
            return strip_verdict_question(after).strip() or None
    named = _named_as(text)
    if named:
        return strip_verdict_question(named).strip(" ,.?!") or None
    digit = _FIRST_DIGIT.search(text)
    if digit:
        return strip_verdict_question(text[digit.start():]).strip(" ,.?!") or None
    return None
