"""Signed-in browsers: server-side sessions, the sign-in rate limit and CSRF tokens.

The session cookie holds a random token; the database keeps its SHA-256 hash, the account,
the session's CSRF token and when it ends (``WEB_SESSION_HOURS`` after sign-in, or after
``WEB_IDLE_MINUTES`` without a request). Signing out everywhere deletes every session of the
account. Failed password sign-ins are counted per account name and per address.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from chatbot.db.models import SignInFailure, StaffUser, WebSession
from chatbot.school.staff_accounts import token_hash
from chatbot.settings import get_settings

SESSION_COOKIE = "lhat_session"
LOGIN_CSRF_COOKIE = "lhat_csrf"
TOUCH_EVERY = timedelta(minutes=1)
ADDRESS_FACTOR = 4  # an address may fail this many times more than one account name


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class Auth:
    """The signed-in account of a request and its session row."""

    user: StaffUser
    session: WebSession


def start_session(db: Session, user: StaffUser, now: datetime | None = None) -> str:
    """Open a session for ``user``; returns the cookie token (shown once)."""
    settings = get_settings()
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    db.add(
        WebSession(
            token_hash=token_hash(token),
            user_id=user.id,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(hours=settings.web_session_hours),
        )
    )
    db.flush()
    return token


def load_session(db: Session, token: str | None, now: datetime | None = None) -> Auth | None:
    """The live session of a cookie token (refreshing its idle clock), or None."""
    if not token or len(token) > 200:
        return None
    now = now or utcnow()
    found = db.execute(
        select(WebSession, StaffUser)
        .join(StaffUser, StaffUser.id == WebSession.user_id)
        .where(WebSession.token_hash == token_hash(token))
    ).first()
    if found is None:
        return None
    row, user = found
    idle_limit = timedelta(minutes=get_settings().web_idle_minutes)
    if row.expires_at <= now or row.last_seen_at + idle_limit <= now or not user.active:
        db.delete(row)
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
    return Auth(user=user, session=row)


def end_session(db: Session, token: str | None) -> None:
    if token:
        db.execute(delete(WebSession).where(WebSession.token_hash == token_hash(token)))


def end_all_sessions(db: Session, user_id: int) -> int:
    """Sign the account out of every browser; returns how many sessions ended."""
    return db.execute(delete(WebSession).where(WebSession.user_id == user_id)).rowcount or 0


def _window(now: datetime) -> datetime:
    return now - timedelta(minutes=get_settings().web_sign_in_window_minutes)


def sign_in_blocked(db: Session, username: str, address: str, now: datetime | None = None) -> bool:
    """Whether too many failed sign-ins for this name or from this address are recent."""
    now = now or utcnow()
    limit = get_settings().web_sign_in_max_failures
    since = _window(now)
    by_name = db.scalar(
        select(func.count()).where(SignInFailure.username == username, SignInFailure.attempted_at > since)
    )
    by_address = db.scalar(
        select(func.count()).where(SignInFailure.address == address, SignInFailure.attempted_at > since)
    )
    return (by_name or 0) >= limit or (by_address or 0) >= limit * ADDRESS_FACTOR


def record_sign_in_failure(db: Session, username: str, address: str, now: datetime | None = None) -> None:
    db.add(SignInFailure(username=username[:120], address=address[:64], attempted_at=now or utcnow()))
    db.flush()


def clear_sign_in_failures(db: Session, username: str) -> None:
    db.execute(delete(SignInFailure).where(SignInFailure.username == username))


def tokens_match(given: str | None, expected: str | None) -> bool:
    return bool(given and expected) and secrets.compare_digest(str(given), str(expected))
