"""Messages the assistant could not answer, kept scrubbed of personal data for review.

Staff read them with ``chatbot unanswered`` to see which questions to add. Before anything
is stored, phone numbers, e-mail addresses, links, invite codes, long digit runs and
capitalised full names are replaced by placeholders.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from chatbot.db.models import UnansweredMessage
from chatbot.nlu.text import normalize, replace_invite_codes

MAX_TEXT = 500

# Bounded widths throughout: these run on chat text, so each must run in linear time
# (tests/house/test_linear_text.py). Longer runs are matched piece by piece.
_EMAIL = re.compile(r"[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,6}")
_URL = re.compile(
    r"(?:https?://|www\.)\S{1,256}"
    r"|\b[\w-]{1,63}(?:\.[\w-]{1,63}){0,6}\.(?:com|vn|net|org|edu|us|me|ly)(?:/\S{0,256})?\b",
    re.IGNORECASE,
)
LINK = "[liên kết]"
_PHONE = re.compile(r"(?<!\w)(?:\+?84|0)(?:[\s.-]?\d){8,10}(?!\w)")
_DIGITS = re.compile(r"\d(?:[\s.-]?\d){4,40}")
_PUNCTUATION = ".,!?;:()\"'…"


def _hide_names(text: str) -> str:
    """Replace runs of two or more capitalised words ("Nguyễn Văn An") by "[tên]"."""
    result: list[str] = []
    run: list[str] = []

    def flush() -> None:
        result.extend(["[tên]"] if len(run) >= 2 else run)
        run.clear()

    for part in text.split(" "):
        core = part.strip(_PUNCTUATION)
        if core.isalpha() and core.istitle():
            run.append(part)
        else:
            flush()
            result.append(part)
    flush()
    return " ".join(result)


def _drop_link_tails(text: str) -> str:
    """Words with a link placeholder end at it (a link longer than one match loses its rest)."""
    words = []
    for word in text.split():
        at = word.find(LINK)
        words.append(word[: at + len(LINK)] if at >= 0 else word)
    return " ".join(words)


def scrub(text: str) -> str:
    """``text`` with personal data replaced by bracketed Vietnamese placeholders."""
    text = _EMAIL.sub("[email]", text)
    text = _drop_link_tails(_URL.sub(LINK, text))
    text = _PHONE.sub("[số điện thoại]", text)
    text = _DIGITS.sub("[số]", text)
    text = replace_invite_codes(text, "[mã]")
    text = _hide_names(" ".join(text.split()))
    return text[:MAX_TEXT]


def record_unanswered(
    session: Session, text: str, intent: str | None, confidence: float | None
) -> UnansweredMessage | None:
    """Store a scrubbed message with the classifier's guess; nothing for an empty text."""
    cleaned = scrub(text)
    if not cleaned:
        return None
    row = UnansweredMessage(
        text=cleaned,
        intent=intent[:80] if intent else None,
        confidence=f"{confidence:.2f}" if confidence is not None else None,
    )
    session.add(row)
    session.flush()
    return row


@dataclass(frozen=True)
class UnansweredView:
    created_at: datetime
    text: str
    intent: str | None
    confidence: str | None


def list_unanswered(
    session: Session, days: int = 30, limit: int = 100, now: datetime | None = None
) -> list[UnansweredView]:
    """The newest unanswered messages of the last ``days`` days, newest first."""
    since = (now or datetime.now(timezone.utc)) - timedelta(days=days)
    rows = session.scalars(
        select(UnansweredMessage)
        .where(UnansweredMessage.created_at >= since)
        .order_by(UnansweredMessage.created_at.desc(), UnansweredMessage.id.desc())
        .limit(limit)
    )
    return [UnansweredView(r.created_at, r.text, r.intent, r.confidence) for r in rows]


@dataclass(frozen=True)
class UnansweredGroup:
    """Messages that say the same once normalised (accents, teencode, case), with how often."""

    text: str  # the most frequent wording
    count: int
    last_at: datetime
    intent: str | None  # the classifier's most frequent guess
    variants: tuple[str, ...]  # other wordings, most frequent first


def group_unanswered(
    session: Session, days: int = 30, limit: int = 2000, now: datetime | None = None
) -> list[UnansweredGroup]:
    """The last ``days`` days' unanswered messages grouped by their normalised text, most asked first."""
    buckets: dict[str, list[UnansweredView]] = {}
    for row in list_unanswered(session, days=days, limit=limit, now=now):
        key = normalize(row.text).strip(" ?.!") or row.text
        buckets.setdefault(key, []).append(row)
    groups = []
    for rows in buckets.values():
        wordings = Counter(r.text for r in rows).most_common()
        intents = Counter(r.intent for r in rows if r.intent).most_common(1)
        groups.append(
            UnansweredGroup(
                text=wordings[0][0],
                count=len(rows),
                last_at=max(r.created_at for r in rows),
                intent=intents[0][0] if intents else None,
                variants=tuple(text for text, _ in wordings[1:6]),
            )
        )
    return sorted(groups, key=lambda g: (-g.count, -g.last_at.timestamp()))
