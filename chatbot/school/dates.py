"""Vietnamese day and time expressions, typed with or without diacritics.

Two readers: :func:`parse_day_query` for timetable questions ("hôm nay", "mai", "thứ 2",
"t2", "cn", "tuần này", "tiết tiếp theo", "12/3", and the past: "hôm qua", "hôm kia",
"tuần trước", "thứ 2 tuần trước", "thứ 2 vừa rồi") and :func:`parse_when` for the moment an
incident happened ("vừa xong", "sáng nay", "hôm qua 8h", "10 phút trước"). Both take the
current moment as an argument, so tests fix it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import Enum

from chatbot.nlu.text import strip_diacritics
from chatbot.settings import TIMEZONE

FUTURE_TOLERANCE = timedelta(minutes=5)
# Patterns below run on chat text: each has a bounded width, so it runs in linear time
# (tests/house/test_linear_text.py). They read folded text, whose spaces are single.
_FOLD_DROP = re.compile(r"[^a-z0-9:/.\-]")
_LETTER_DIGIT = re.compile(r"(?<=[a-z])(?=\d)|(?<=\d)(?=[a-z])")
OLDEST_REPORT = timedelta(days=366)

_WEEKDAY_WORDS = {
    "2": 0, "hai": 0, "3": 1, "ba": 1, "4": 2, "tu": 2, "5": 3, "nam": 3,
    "6": 4, "sau": 4, "7": 5, "bay": 5,
}
_WEEKDAY = re.compile(r"(?<!so )\b(?:thu|th|t) ?(2|3|4|5|6|7|hai|ba|tu|nam|sau|bay)\b")
_SUNDAY = re.compile(r"\bchu nhat\b")
_SUNDAY_SHORT = re.compile(r"\bcn\b")
_DATE = re.compile(r"\b(\d{1,2}) ?[/-] ?(\d{1,2})(?: ?[/-] ?(\d{2,4}))?\b")
PERIOD_WORD = "tiet"  # "tiết 3-4" is a range of periods, not 3 April
_NEXT_WEEK = re.compile(r"\btuan (?:sau|toi)\b")
_THIS_WEEK = re.compile(r"\btuan (?:nay|hien tai)\b")
_LAST_WEEK = re.compile(r"\btuan (?:truoc|roi|vua roi|vua qua)\b")
_WEEK_OF = re.compile(r"\btuan (\d{1,2}/\d{1,2}/\d{4})\b")  # "tuần 30/11/2026": a week by its Monday
_JUST_PAST = re.compile(r"\b(?:vua roi|vua qua)\b")
_NEXT_LESSON = re.compile(
    r"\b(?:tiet|buoi|mon)(?: hoc)? (?:tiep theo|tiep|sau|toi|ke tiep|sap toi)\b"
    r"|\bsap toi\b|\bbay gio\b|\bdang hoc\b"
)
_TODAY = re.compile(r"\b(?:hom nay|hnay|bua nay|(?:sang|trua|chieu|toi|dem) nay)\b")
_YESTERDAY = re.compile(r"\b(?:hom qua|hqua|bua qua|(?:sang|trua|chieu|toi|dem) qua)\b")
_DAY_BEFORE_YESTERDAY = re.compile(r"\bhom kia\b")
_DAY_AFTER_TOMORROW = re.compile(r"\bngay kia\b")
_TOMORROW = re.compile(r"\b(?:ngay mai|mai)\b")
_NOW = re.compile(
    r"\b(?:vua xong|vua nay|vua moi|vua roi|moi day|moi xong|bay gio|luc nay|ban nay|"
    r"hien tai|ngay luc nay|dang dien ra|just now|now)\b"
)
_AGO = re.compile(r"\b(\d{1,3}) ?(phut|p|tieng|gio|h) ?(?:truoc|roi)\b")
_CLOCK = re.compile(
    r"\b(\d{1,2}) ?(?:gio|h|g|:) ?(?:(\d{1,2}) ?(?:p|phut)?|(ruoi))?(?![\d/])"
)
_PARTS = {  # part of day: (first hour, last hour, representative hour)
    "sang": (5, 11, 8), "trua": (11, 13, 12), "chieu": (13, 18, 15),
    "toi": (18, 22, 20), "dem": (22, 24, 23),
}
# "toi" is both "tối" (evening) and "tôi" (I): unaccented, it counts only beside a day word
# or a clock time.
_PART_ACCENTED = re.compile(r"\b(sáng|trưa|chiều|tối|đêm)\b")
_PART = re.compile(
    r"\b(sang|trua|chieu|dem)\b|\b(toi) (?:nay|qua|hom)\b|(?:\d|\bh|\bgio) (toi)\b"
    r"|\b(?:buoi|chieu|dem) (toi)\b"
)
_PART_FOLDED = {"sáng": "sang", "trưa": "trua", "chiều": "chieu", "tối": "toi", "đêm": "dem"}
_PART_NAMES = {"sang": "sáng", "trua": "trưa", "chieu": "chiều", "toi": "tối", "dem": "đêm"}


def fold(text: str) -> str:
    """Lower-case, unaccented text with single spaces ("Thứ Hai!" -> "thu hai")."""
    folded = strip_diacritics(text.lower())
    folded = _FOLD_DROP.sub(" ", folded)
    folded = _LETTER_DIGIT.sub(" ", folded)
    return " ".join(folded.split())


class DayKind(str, Enum):
    DAY = "day"
    WEEK = "week"
    NEXT = "next"


@dataclass(frozen=True)
class DayQuery:
    """What a timetable question asks for: one day, a week (from Monday), or the next lesson."""

    kind: DayKind
    day: date | None = None


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def query_text(query: DayQuery) -> str:
    """A short text :func:`parse_day_query` reads back as ``query`` on any later day (for buttons)."""
    if query.kind is DayKind.NEXT or query.day is None:
        return "tiet tiep theo"
    if query.kind is DayKind.WEEK:
        return f"tuan {query.day:%d/%m/%Y}"
    return f"{query.day:%d/%m/%Y}"


def _weekday_in(folded: str) -> int | None:
    match = _WEEKDAY.search(folded)
    if match:
        return _WEEKDAY_WORDS[match.group(1)]
    if _SUNDAY.search(folded):
        return 6
    return None


def _date_match(folded: str) -> re.Match[str] | None:
    """The first day/month written in ``folded`` that is not a range of periods ("tiết 3-4")."""
    for match in _DATE.finditer(folded):
        before = folded[max(0, match.start() - len(PERIOD_WORD) - 2) : match.start()]
        if not before.rstrip().endswith(PERIOD_WORD):
            return match
    return None


def _calendar_day(match: re.Match[str], today: date) -> date | None:
    """The day a :data:`_DATE` match writes (this year when it has none); None when no
    calendar has it ("31/2")."""
    day, month, year = int(match.group(1)), int(match.group(2)), match.group(3)
    full_year = today.year if year is None else int(year) + (2000 if len(year) == 2 else 0)
    try:
        return date(full_year, month, day)
    except ValueError:
        return None


def _explicit_date(folded: str, today: date) -> date | None:
    match = _date_match(folded)
    return _calendar_day(match, today) if match else None


def impossible_date(text: str, today: date) -> bool:
    """Whether ``text`` writes a day and month no calendar has ("31/2", "12/13")."""
    match = _date_match(fold(text))
    return match is not None and _calendar_day(match, today) is None


def _weekday_query(folded: str, weekday: int, today: date) -> DayQuery:
    """"thứ 2" (the coming one), "thứ 2 tuần này/sau/trước", "thứ 2 vừa rồi" (the last one)."""
    if _LAST_WEEK.search(folded):
        return DayQuery(DayKind.DAY, week_start(today) - timedelta(days=7 - weekday))
    if _JUST_PAST.search(folded) and not _NEXT_WEEK.search(folded):
        return DayQuery(DayKind.DAY, today - timedelta(days=(today.weekday() - weekday - 1) % 7 + 1))
    monday = week_start(today) + (timedelta(days=7) if _NEXT_WEEK.search(folded) else timedelta())
    day = monday + timedelta(days=weekday)
    if day < today and not _THIS_WEEK.search(folded):
        day += timedelta(days=7)  # "thứ 2" on a Wednesday means the coming Monday
    return DayQuery(DayKind.DAY, day)


def parse_day_query(text: str, today: date) -> DayQuery | None:
    """Read the day a timetable question is about; None when it names none.

    A past day is returned as it is ("thứ 2 tuần trước" is last week's Monday, never the next
    one); callers tell the person that it has passed.
    """
    folded = fold(text)
    if _NEXT_LESSON.search(folded):
        return DayQuery(DayKind.NEXT)
    week_of = _WEEK_OF.search(folded)
    if week_of:
        monday = _explicit_date(week_of.group(1), today)
        if monday:
            return DayQuery(DayKind.WEEK, week_start(monday))
    explicit = _explicit_date(folded, today)
    if explicit:
        return DayQuery(DayKind.DAY, explicit)
    weekday = _weekday_in(folded)
    if weekday is not None:
        return _weekday_query(folded, weekday, today)
    if _TODAY.search(folded):
        return DayQuery(DayKind.DAY, today)
    if _DAY_AFTER_TOMORROW.search(folded) or "mốt" in text.lower():
        return DayQuery(DayKind.DAY, today + timedelta(days=2))
    if _DAY_BEFORE_YESTERDAY.search(folded):
        return DayQuery(DayKind.DAY, today - timedelta(days=2))
    if _YESTERDAY.search(folded):
        return DayQuery(DayKind.DAY, today - timedelta(days=1))
    if _TOMORROW.search(folded):
        return DayQuery(DayKind.DAY, today + timedelta(days=1))
    if _THIS_WEEK.search(folded):
        return DayQuery(DayKind.WEEK, week_start(today))
    if _NEXT_WEEK.search(folded):
        return DayQuery(DayKind.WEEK, week_start(today) + timedelta(days=7))
    if _LAST_WEEK.search(folded):
        return DayQuery(DayKind.WEEK, week_start(today) - timedelta(days=7))
    if _SUNDAY_SHORT.search(folded):  # "cn" last: in teencode it may also mean "con"
        return DayQuery(DayKind.DAY, today + timedelta(days=(6 - today.weekday()) % 7))
    return None


class WhenProblem(str, Enum):
    UNRECOGNIZED = "unrecognized"
    INVALID = "invalid"
    FUTURE = "future"


@dataclass(frozen=True)
class When:
    """A moment in the past, aware in the school time zone, with a Vietnamese label."""

    at: datetime
    label: str


def format_moment(at: datetime) -> str:
    local = at.astimezone(TIMEZONE)
    return f"{local:%H:%M} ngày {local:%d/%m/%Y}"


def _reported_day(folded: str, today: date) -> date | None | WhenProblem:
    match = _date_match(folded)
    if match:
        explicit = _calendar_day(match, today)
        if explicit is None:
            return WhenProblem.INVALID
        if explicit > today and not match.group(3):
            explicit = explicit.replace(year=explicit.year - 1)  # "25/12" in January
        return explicit
    if _DAY_BEFORE_YESTERDAY.search(folded):
        return today - timedelta(days=2)
    if _YESTERDAY.search(folded):
        return today - timedelta(days=1)
    if _TODAY.search(folded):
        return today
    weekday = _weekday_in(folded)
    if weekday is not None:  # the most recent such day, today included
        return today - timedelta(days=(today.weekday() - weekday) % 7)
    return None


def _part_of_day(text: str, folded: str) -> str | None:
    accented = _PART_ACCENTED.search(unicodedata.normalize("NFC", text.lower()))
    if accented:
        return _PART_FOLDED[accented.group(1)]
    match = _PART.search(folded)
    return next((group for group in match.groups() if group), None) if match else None


def _clock(folded: str, part: str | None) -> time | None | WhenProblem:
    match = _CLOCK.search(folded)
    if not match:
        return None
    hour = int(match.group(1))
    minute = 30 if match.group(3) else int(match.group(2) or 0)
    if hour > 23 or minute > 59:
        return WhenProblem.INVALID
    if part in ("chieu", "toi") and hour < 12 or part == "dem" and 5 <= hour < 12:
        hour += 12
    if hour > 23:
        return WhenProblem.INVALID
    return time(hour, minute)


def parse_when(text: str, now: datetime) -> When | WhenProblem:
    """Read when something happened; a problem when unreadable, impossible or in the future."""
    now = now.astimezone(TIMEZONE)
    folded = fold(text)
    if _NOW.search(folded):
        return When(now, format_moment(now))
    ago = _AGO.search(folded)
    if ago:
        amount = int(ago.group(1))
        delta = timedelta(minutes=amount) if ago.group(2) in ("phut", "p") else timedelta(hours=amount)
        if delta > OLDEST_REPORT:
            return WhenProblem.INVALID
        at = now - delta
        return When(at, format_moment(at))
    day = _reported_day(folded, now.date())
    if _TOMORROW.search(folded) or _DAY_AFTER_TOMORROW.search(folded):
        return WhenProblem.FUTURE
    part = _part_of_day(text, folded)
    clock = _clock(folded, part)
    if WhenProblem.INVALID in (day, clock):
        return WhenProblem.INVALID
    if day is None and clock is None and part is None:
        return WhenProblem.UNRECOGNIZED
    day = day or now.date()
    if isinstance(clock, time):
        at = datetime.combine(day, clock, tzinfo=TIMEZONE)
        label = format_moment(at)
    elif part:
        first_hour, _, usual_hour = _PARTS[part]
        at = datetime.combine(day, time(usual_hour), tzinfo=TIMEZONE)
        started = datetime.combine(day, time(first_hour), tzinfo=TIMEZONE)
        if at > now >= started:
            at = now  # "sáng nay" said at 7 o'clock: earlier this morning
        label = f"buổi {_PART_NAMES[part]} ngày {day:%d/%m/%Y}"
    else:
        at = now if day == now.date() else datetime.combine(day, time(12), tzinfo=TIMEZONE)
        label = f"ngày {day:%d/%m/%Y}"
    if at > now + FUTURE_TOLERANCE:
        return WhenProblem.FUTURE
    if now - at > OLDEST_REPORT:
        return WhenProblem.INVALID
    return When(at, label)
