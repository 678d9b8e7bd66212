"""The display name a student uses in an online class (item 1.4.b: real name and roll number).

The form comes from the ``DISPLAY_NAME_FORMAT`` setting (default ``{roll:02d} - {full_name}``,
e.g. ``05 - Nguyễn Minh Anh``). A typed name is compared tolerantly of spacing and letter
case, and strictly of diacritics and the roll number.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import Enum

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
    text = unicodedata.normalize("NFC", name).casefold()
    text = " ".join(text.split())
    return re.sub(r"\s*([^\w\s])\s*", r"\1", text)


def _words(name: str) -> list[str]:
    return re.findall(r"[^\W\d_]+", unicodedata.normalize("NFC", name).casefold())


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
    numbers = [int(n) for n in re.findall(r"\d+", candidate)]
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


_QUOTED = re.compile(r"[\"“”'‘’«»]\s*([^\"“”'‘’«»]{3,})\s*[\"“”'‘’«»]")
_TRAILING = re.compile(
    r"\s*(?:(?:có|co|đã|da|như vậy|như thế|thế này|vậy)\s+)?"
    r"(?:được|duoc|dc|đc|đúng|dung|chuẩn|chuan|hợp lệ|hop le|ổn|on|sai)"
    r"(?:\s+(?:chưa|chua|không|khong|ko|k|hông|ạ|a|nhỉ|nhi|vậy|vay|quy định|quy dinh))*\s*[?!.]*$",
    re.IGNORECASE,
)
_NAMED_AS = re.compile(r"\b(?:tên|ten|để|de|đặt|dat)\s+(?:là|la)\s+(.+)$", re.IGNORECASE)


def candidate_in_message(text: str) -> str | None:
    """The name a message proposes ("tên 05 - Nguyễn An đúng chưa" -> "05 - Nguyễn An")."""
    quoted = _QUOTED.search(text)
    if quoted:
        return quoted.group(1).strip()
    if ":" in text:
        after = text.split(":", 1)[1].strip()
        if after:
            return _TRAILING.sub("", after).strip() or None
    named = _NAMED_AS.search(text)
    if named:
        return _TRAILING.sub("", named.group(1)).strip(" ,.?!") or None
    digit = re.search(r"\d", text)
    if digit:
        return _TRAILING.sub("", text[digit.start():]).strip(" ,.?!") or None
    return None
