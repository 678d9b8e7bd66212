"""Normalise Vietnamese chat text the way people type it on phones.

The result is lower-case, unaccented (``đ`` becomes ``d``), free of emoji and punctuation,
with teencode and common abbreviations expanded into full unaccented words, so that
"Con mình đc vào lớp onl ko ạ 🙏" and "con minh duoc vao lop online khong a" look alike.
Regional words, loanwords, synonyms and dispatch items go through :mod:`chatbot.nlu.concepts`.
No Rasa imports: the normaliser is plain Python, shared by the NLU component and tests.
"""

from __future__ import annotations

import re
import unicodedata
from itertools import groupby

from chatbot.invite_codes import CODE_PATTERN, normalize_code
from chatbot.nlu.concepts import fold_phrases, item_topics, regional_words

INVITE_PLACEHOLDER = "invitecode"
# Every pattern here runs on chat text and has a bounded width, so it runs in linear time
# (tests/house/test_linear_text.py).

# Emoji that carry the meaning of a word; every other emoji is dropped.
EMOJI_WORDS = {
    "👍": " ok ",
    "👌": " ok ",
    "🙏": " cam on ",
    "👋": " chao ",
    "👎": " khong ",
}

# Teencode and abbreviations, keyed by the unaccented token (looked up as typed, then with
# repeated letters collapsed, so "bb" and "kooo" both resolve).
ABBREVIATIONS: dict[str, str] = {
    # negation, "can", "what", "how"
    "k": "khong", "ko": "khong", "kh": "khong", "khg": "khong", "kg": "khong",
    "hok": "khong", "hk": "khong", "hem": "khong", "khog": "khong", "khom": "khong",
    "dc": "duoc", "dx": "duoc",
    "j": "gi", "ji": "gi", "zi": "gi",
    "ntn": "nhu the nao", "ntnao": "nhu the nao", "lmsao": "lam sao", "lms": "lam sao",
    "s": "sao", "v": "vay", "z": "vay", "zay": "vay", "vs": "voi", "r": "roi",
    # school words
    "onl": "online", "ol": "online", "onlai": "online",
    "hc": "hoc", "hs": "hoc sinh", "gv": "giao vien", "gvcn": "giao vien chu nhiem",
    "gvbm": "giao vien bo mon", "cn": "chu nhat", "ph": "phu huynh", "phs": "phu huynh",
    "cmhs": "cha me hoc sinh", "bgh": "ban giam hieu", "pgd": "phong giao duc",
    "sgd": "so giao duc", "gd": "giao duc", "gdt": "giao duc dao tao",
    "tkb": "thoi khoa bieu", "tk": "tai khoan", "pas": "mat khau", "pw": "mat khau",
    "pass": "mat khau", "password": "mat khau", "dn": "dang nhap", "dky": "dang ky",
    "dki": "dang ky", "sdt": "so dien thoai", "dt": "dien thoai", "cv": "cong van",
    "qd": "quy dinh", "lq": "lien quan", "lk": "lien ket", "kq": "ket qua", "tl": "tra loi", "rep": "tra loi",
    "ib": "nhan tin", "ad": "admin",
    # people and pronouns
    "ng": "nguoi", "ngta": "nguoi ta", "mn": "moi nguoi", "mng": "moi nguoi",
    "t": "toi", "tui": "toi", "mik": "minh", "mk": "minh", "mh": "minh", "mjk": "minh", "mjnh": "minh",
    "e": "em", "c": "co", "cj": "chi", "b": "ban",
    # time
    "h": "gio", "bh": "bao gio", "bgio": "bao gio", "hnay": "hom nay", "hnai": "hom nay",
    "hqua": "hom qua", "trc": "truoc", "ms": "moi",
    # little words
    "cx": "cung", "cg": "cung", "lm": "lam", "nc": "noi chuyen", "bt": "biet", "bit": "biet",
    "bik": "biet", "wa": "qua", "qa": "qua", "dag": "dang", "vo": "vao", "zo": "vao",
    "ak": "a", "ah": "a", "uk": "u", "uh": "u", "um": "u",
    "uhm": "u", "oke": "ok", "okie": "ok", "oki": "ok", "okay": "ok", "okela": "ok",
    "thank": "cam on", "thanks": "cam on", "tks": "cam on",
    "thks": "cam on", "thx": "cam on", "ty": "cam on", "camon": "cam on",
    "hello": "chao", "helo": "chao", "hi": "chao", "bye": "tam biet", "bb": "tam biet",
}

# "bn" is "bao nhiêu" before a unit or at the end of a question, otherwise "bạn".
_QUANTITY_WORDS = {
    "tien", "gio", "phut", "ngay", "tuoi", "lan", "tiet", "mon", "buoi", "ky", "so", "nguoi",
    "hoc", "h", "p", "dong",
}
# A lone "đ" is an item letter ("mục 1.4.đ"); keep it apart from "d" before unaccenting.
_ITEM_DD = re.compile(r"(?<![^\W\d_])đ(?![^\W\d_])")
ITEM_DD_WORD = "dj"
_WEEKDAY = re.compile(r"\bt([2-7])\b")
_LETTER_DIGIT = re.compile(r"(?<=[a-z])(?=\d)|(?<=\d)(?=[a-z])")
_NON_WORD = re.compile(r"[^a-z0-9]")


def replace_invite_codes(text: str, replacement: str = f" {INVITE_PLACEHOLDER} ") -> str:
    """Replace every invite-code-looking token (hyphenated, or holding a digit)."""

    def _swap(match: re.Match[str]) -> str:
        code = normalize_code(match.group(1) + match.group(2))
        hyphenated = "-" in match.group(0)
        if code and (hyphenated or any(ch.isdigit() for ch in code)):
            return replacement
        return match.group(0)

    return CODE_PATTERN.sub(_swap, text)


def strip_diacritics(text: str) -> str:
    """Remove Vietnamese tone and vowel marks; ``đ`` becomes ``d``."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")


def collapse_repeats(token: str) -> str:
    """``token`` with each run of one repeated letter a–z kept once ("kooo" -> "ko")."""
    return "".join(
        letter if "a" <= letter <= "z" else "".join(run)
        for letter, run in groupby(token)
    )


def _expand(tokens: list[str]) -> list[str]:
    words: list[str] = []
    for index, token in enumerate(tokens):
        if token == "bn":
            following = tokens[index + 1] if index + 1 < len(tokens) else None
            quantity = following is None or following in _QUANTITY_WORDS
            words.append("bao nhieu" if quantity else "ban")
        else:
            collapsed = collapse_repeats(token)
            words.append(ABBREVIATIONS.get(token) or ABBREVIATIONS.get(collapsed, collapsed))
    return words


def normalize(text: str) -> str:
    """Return the canonical unaccented, expanded form of a chat message."""
    text = unicodedata.normalize("NFC", text)
    text = replace_invite_codes(text)
    for emoji, word in EMOJI_WORDS.items():
        text = text.replace(emoji, word)
    text = _ITEM_DD.sub(f" {ITEM_DD_WORD} ", text.lower())
    text = strip_diacritics(regional_words(text))
    text = _NON_WORD.sub(" ", text)
    text = _WEEKDAY.sub(r"thu \1", text)
    text = _LETTER_DIGIT.sub(" ", text)
    expanded = " ".join(_expand(item_topics(text.split())))
    return " ".join(fold_phrases(expanded.split()))
