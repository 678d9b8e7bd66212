"""Which of an account's children a message names ("lịch của Mai", "bé An học mấy giờ").

Vietnamese given names are often ordinary words: "Mai" is also "tomorrow", "Năm" is in "thứ
năm". A child's given name counts as a mention unless a day word comes right before it ("ngày
mai", "sáng mai", "thứ năm"); the words that named the child are removed before the day is
read, so "lịch học của Mai" is today's timetable of Mai, not tomorrow's. Names are compared
with their diacritics, or without them when the message has none at all.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from chatbot.nlu.text import strip_diacritics

_WORD = re.compile(r"\w{1,40}")  # bounded width, so linear in the text (longer runs split)
_DAY_WORDS = frozenset({  # a given name right after one of these is part of a day ("ngày mai")
    "ngày", "ngay", "sáng", "sang", "trưa", "trua", "chiều", "chieu", "tối", "toi", "đêm", "dem",
    "thứ", "thu", "th", "t", "hôm", "hom", "bữa", "bua", "tuần", "tuan",
})


@dataclass(frozen=True)
class Mention:
    """The children a message names, and the message without the words that named them."""

    student_ids: tuple[int, ...]
    rest: str


def _words(text: str) -> list[tuple[str, int, int]]:
    return [(m.group(0), m.start(), m.end()) for m in _WORD.finditer(text)]


_MIDDLE_MARKERS = frozenset({"văn", "thị"})


def given_name(full_name: str) -> str:
    """What a family calls a child: the name after the family name, without "Văn"/"Thị"
    ("Nguyễn Minh Anh" -> "Minh Anh", "Lê Thị Hoa" -> "Hoa")."""
    parts = full_name.split()
    if len(parts) < 2:
        return full_name.strip()
    rest = parts[1:]
    while len(rest) > 1 and rest[0].lower() in _MIDDLE_MARKERS:
        rest = rest[1:]
    return " ".join(rest)


def _folder(text: str) -> bool:
    """Whether names are compared without diacritics: the message has none at all."""
    return strip_diacritics(text) == text


def _key(word: str, plain: bool) -> str:
    word = unicodedata.normalize("NFC", word.lower())
    return strip_diacritics(word) if plain else word


def find_children(text: str, children: Sequence[tuple[int, str]]) -> Mention:
    """The children of ``children`` ((student id, full name), …) that ``text`` names."""
    text = unicodedata.normalize("NFC", text)
    plain = _folder(text)
    words = _words(text)
    keys = [_key(word, plain) for word, _, _ in words]
    spans: list[tuple[int, int]] = []
    found: list[int] = []
    for student_id, full_name in children:
        name = [_key(part, plain) for part in full_name.split()]
        given = [_key(part, plain) for part in given_name(full_name).split()]
        hit = None
        for words_of_name in (name, given):  # the full name, then "Minh Anh"
            if hit is None and len(words_of_name) > 1:
                hit = _find_sequence(keys, words_of_name)
        if hit is None and name:
            hit = _find_given(keys, name[-1])
        if hit is not None:
            first, last = hit
            spans.append((words[first][1], words[last][2]))
            found.append(student_id)
    rest = text
    for start, end in sorted(spans, reverse=True):
        rest = rest[:start] + " " + rest[end:]
    return Mention(tuple(found), " ".join(rest.split()))


def _find_sequence(keys: list[str], name: list[str]) -> tuple[int, int] | None:
    for start in range(len(keys) - len(name) + 1):
        if keys[start : start + len(name)] == name:
            return start, start + len(name) - 1
    return None


def _find_given(keys: list[str], given: str) -> tuple[int, int] | None:
    for index, key in enumerate(keys):
        if key == given and (index == 0 or keys[index - 1] not in _DAY_WORDS):
            return index, index
    return None
