"""Parse the cell values schools type: weekdays, times, dates, numbers, class names.

Each parser takes the cell text and returns the value or raises ``ValueError`` with a
Vietnamese explanation that the importer puts next to the row and column.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, time

from chatbot.nlu.text import strip_diacritics

_WEEKDAY_WORDS = {"hai": 0, "ba": 1, "tu": 2, "nam": 3, "sau": 4, "bay": 5}
_WEEKDAY_DIGITS = {str(n): n - 2 for n in range(2, 8)}
_ENGLISH_DAYS = {
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5,
    "sunday": 6,
}
_SUNDAY = {"cn", "chunhat"}
WEEKDAY_NAMES = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật"]

_TIME = re.compile(
    r"^(\d{1,2})(?::|h|g|gio|\.)(\d{1,2})?(?::(\d{2}))?(?:phut|p)?(sang|chieu|toi)?$"
)
_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_YMD = re.compile(r"^(\d{4})[/-](\d{1,2})[/-](\d{1,2})$")
_CLASS_PREFIX = re.compile(r"^l[oóòỏõọôốồổỗộơớờởỡợ]p\s*", re.IGNORECASE)
_GRADE = re.compile(r"^(\d{1,2})")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def fold(text: str) -> str:
    """Lower-case, unaccented text with only letters and digits, for forgiving comparisons."""
    return re.sub(r"[^a-z0-9]", "", strip_diacritics(text).lower())


def parse_weekday(raw: str) -> int:
    """0 = Monday … 6 = Sunday from "Thứ Hai", "Thứ 2", "T2", "2", "Chủ nhật", "CN", "Monday"."""
    key = fold(raw)
    if key in _SUNDAY:
        return 6
    if key in _ENGLISH_DAYS:
        return _ENGLISH_DAYS[key]
    for prefix in ("thu", "t", ""):
        if key.startswith(prefix):
            rest = key[len(prefix):]
            if rest in _WEEKDAY_DIGITS:
                return _WEEKDAY_DIGITS[rest]
            if rest in _WEEKDAY_WORDS:
                return _WEEKDAY_WORDS[rest]
    raise ValueError(f"“{raw}” không phải thứ trong tuần (ví dụ: Thứ Hai, Thứ 2, T2, Chủ nhật, CN)")


def parse_time(raw: str) -> time:
    """A wall-clock time from "07:30", "7h30", "7g", "7:30:00" or "2h chiều"."""
    match = _TIME.match(re.sub(r"\s+", "", strip_diacritics(raw).lower()))
    if match:
        hour, minute = int(match.group(1)), int(match.group(2) or 0)
        if match.group(4) in ("chieu", "toi") and hour < 12:
            hour += 12
        if hour < 24 and minute < 60:
            return time(hour, minute)
    raise ValueError(f"“{raw}” không phải giờ hợp lệ (ví dụ: 07:30 hoặc 7h30)")


def parse_date(raw: str) -> date:
    """A date written DD/MM/YYYY (also with - or .) or YYYY-MM-DD."""
    text = raw.strip()
    match = _DMY.match(text)
    parts = (match.group(3), match.group(2), match.group(1)) if match else None
    if parts is None and (match := _YMD.match(text)):
        parts = (match.group(1), match.group(2), match.group(3))
    if parts is not None:
        try:
            return date(int(parts[0]), int(parts[1]), int(parts[2]))
        except ValueError:
            pass
    raise ValueError(f"“{raw}” không phải ngày hợp lệ (dùng DD/MM/YYYY hoặc YYYY-MM-DD)")


def parse_positive_int(raw: str) -> int:
    text = raw.strip()
    if text.isdigit() and int(text) > 0:
        return int(text)
    raise ValueError(f"“{raw}” không phải số nguyên dương")


def clean_text(raw: str) -> str:
    """Collapse runs of whitespace into one space."""
    return " ".join(raw.split())


def normalize_class_name(raw: str) -> str:
    """"lớp 6a", " 6 A" → "6A"; the grade must lead the name."""
    name = re.sub(r"\s+", "", _CLASS_PREFIX.sub("", raw.strip())).upper()
    grade_of(name, raw)
    if len(name) > 16:
        raise ValueError(f"tên lớp “{raw}” quá dài (tối đa 16 ký tự)")
    return name


def grade_of(class_name: str, raw: str | None = None) -> int:
    """The grade (1–12) that begins a class name such as "6A" or "10A2"."""
    match = _GRADE.match(class_name)
    if match and 1 <= int(match.group(1)) <= 12:
        return int(match.group(1))
    raise ValueError(f"không đọc được khối lớp từ tên lớp “{raw or class_name}” (ví dụ: 6A, 10A2)")


def class_sort_key(class_name: str) -> tuple[int, str]:
    """Order classes by grade, then name: 6A, 6B, …, 9B, 10A1."""
    try:
        return grade_of(class_name), class_name
    except ValueError:
        return 99, class_name


def text_up_to(limit: int) -> Callable[[str], str]:
    """A parser for free text of at most ``limit`` characters."""

    def parse(raw: str) -> str:
        text = clean_text(raw)
        if len(text) > limit:
            raise ValueError(f"quá dài ({len(text)} ký tự, tối đa {limit})")
        return text

    return parse


def parse_gender(raw: str) -> str:
    key = fold(raw)
    if key in {"nam", "m", "male", "trai"}:
        return "Nam"
    if key in {"nu", "f", "female", "gai"}:
        return "Nữ"
    raise ValueError(f"“{raw}” không phải giới tính (Nam hoặc Nữ)")


def parse_email(raw: str) -> str:
    text = raw.strip()
    if _EMAIL.match(text) and len(text) <= 200:
        return text
    raise ValueError(f"“{raw}” không phải địa chỉ email hợp lệ")


def parse_phone(raw: str) -> str:
    """A phone number; Excel drops the leading 0 of "0912…", so 9 digits get it back."""
    digits = re.sub(r"[\s.\-()]", "", raw)
    number = digits.removeprefix("+")
    if not number.isdigit() or not 8 <= len(number) <= 15:
        raise ValueError(f"“{raw}” không phải số điện thoại hợp lệ")
    if len(digits) == 9 and digits[0] != "0":
        digits = "0" + digits
    return digits


def parse_link(raw: str) -> str:
    """A meeting link; "meet.google.com/abc" gets "https://" in front."""
    text = raw.strip()
    if " " not in text and "." in text and not re.match(r"^[a-z][a-z0-9+.-]*://", text, re.I):
        text = "https://" + text
    if not re.match(r"^https?://\S+$", text, re.I):
        raise ValueError("link phải bắt đầu bằng https:// và không có dấu cách")
    if len(text) > 500:
        raise ValueError(f"link quá dài ({len(text)} ký tự, tối đa 500)")
    return text
