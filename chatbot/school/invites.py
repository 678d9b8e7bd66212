"""One-time invite codes: issued per student (parent or student role) or per teacher.

Only a keyed hash of a code is stored: HMAC-SHA256 with a secret pepper
(``INVITE_CODE_PEPPER``, kept outside the database), so a leaked database or backup does not
give away unused codes. Codes issued before the pepper (plain SHA-256, ``hash_scheme`` =
``sha256``) keep working until they expire; a migration cannot re-hash them because the codes
themselves are not stored. Codes are 8 characters from an alphabet without look-alike
characters, shown as ``ABCD-2345``; typing is forgiving about case, spaces and the hyphen.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from enum import Enum

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from chatbot.db.models import Channel, InviteAttempt, InviteCode, Role
from chatbot.invite_codes import ALPHABET, CODE_LENGTH, format_code, normalize_code
from chatbot.invite_codes import CODE_PATTERN as CODE_PATTERN  # re-exported
from chatbot.invite_codes import find_code as find_code  # re-exported
from chatbot.settings import get_settings

HASH_SCHEME = "hmac-sha256"
LEGACY_HASH_SCHEME = "sha256"


def hash_code(code: str, pepper: str | None = None) -> str:
    """The stored form of a canonical code: HMAC-SHA256 keyed with the pepper."""
    key = (get_settings().pepper() if pepper is None else pepper).encode("utf-8")
    return hmac.new(key, code.encode("ascii"), hashlib.sha256).hexdigest()


def legacy_hash(code: str) -> str:
    """How codes were stored before the pepper (plain SHA-256)."""
    return hashlib.sha256(code.encode("ascii")).hexdigest()


def _now() -> datetime:
    return datetime.now(timezone.utc)


def issue_invite(
    session: Session,
    *,
    role: Role,
    student_id: int | None = None,
    staff_member_id: int | None = None,
    ttl_days: int | None = None,
    now: datetime | None = None,
) -> str:
    """Create a code for a student (parent/student role) or a staff member; return it shown once."""
    if role in (Role.PARENT, Role.STUDENT) and student_id is None:
        raise ValueError("a parent or student invite needs a student")
    if role in (Role.TEACHER, Role.STAFF) and staff_member_id is None:
        raise ValueError("a teacher or staff invite needs a staff member")
    now = now or _now()
    ttl = ttl_days if ttl_days is not None else get_settings().invite_ttl_days
    code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    while not any(ch.isdigit() for ch in code):
        code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    session.add(
        InviteCode(
            code_hash=hash_code(code),
            hash_scheme=HASH_SCHEME,
            role=role,
            student_id=student_id,
            staff_member_id=staff_member_id,
            created_at=now,
            expires_at=now + timedelta(days=ttl),
        )
    )
    session.flush()
    return format_code(code)


def revoke_invites(
    session: Session,
    *,
    student_id: int | None = None,
    staff_member_id: int | None = None,
    role: Role | None = None,
    now: datetime | None = None,
) -> int:
    """Revoke unused codes of a student or staff member (optionally of one role); return how many."""
    query = update(InviteCode).where(InviteCode.used_at.is_(None), InviteCode.revoked_at.is_(None))
    if student_id is not None:
        query = query.where(InviteCode.student_id == student_id)
    if staff_member_id is not None:
        query = query.where(InviteCode.staff_member_id == staff_member_id)
    if role is not None:
        query = query.where(InviteCode.role == role)
    result = session.execute(query.values(revoked_at=now or _now()))
    return result.rowcount or 0


class CodeProblem(str, Enum):
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED = "used"
    REVOKED = "revoked"
    LOCKED_OUT = "locked_out"


@dataclass(frozen=True)
class CodeCheck:
    invite: InviteCode | None
    problem: CodeProblem | None


def locked_until(
    session: Session, channel: Channel, external_id: str, now: datetime | None = None
) -> datetime | None:
    """When the lock-out of this account ends, or None if it may try a code now.

    An account is locked for ``invite_lockout_minutes`` after the failure that completes
    ``invite_max_failures`` wrong codes within ``invite_failure_window_minutes``.
    """
    settings = get_settings()
    now = now or _now()
    window = timedelta(minutes=settings.invite_failure_window_minutes)
    lockout = timedelta(minutes=settings.invite_lockout_minutes)
    limit = settings.invite_max_failures
    # Failures older than this cannot belong to a window whose last failure still locks.
    since = now - lockout - window
    recent = session.execute(
        select(InviteAttempt.attempted_at)
        .where(
            InviteAttempt.channel == channel,
            InviteAttempt.external_id == external_id,
            InviteAttempt.attempted_at >= since,
        )
        .order_by(InviteAttempt.attempted_at)
    ).scalars().all()
    until: datetime | None = None
    for i in range(len(recent) - limit + 1):
        first, last = recent[i], recent[i + limit - 1]
        if last - first <= window and last + lockout > now:
            until = max(until, last + lockout) if until else last + lockout
    return until


def is_locked_out(session: Session, channel: Channel, external_id: str, now: datetime | None = None) -> bool:
    """True after too many wrong codes from this account within the failure window."""
    return locked_until(session, channel, external_id, now) is not None


def record_failure(session: Session, channel: Channel, external_id: str, now: datetime | None = None) -> None:
    session.add(InviteAttempt(channel=channel, external_id=external_id, attempted_at=now or _now()))
    session.flush()


def check_code(session: Session, code: str, now: datetime | None = None) -> CodeCheck:
    """Look a typed code up without using it (``code`` in any accepted form)."""
    now = now or _now()
    canonical = normalize_code(code)
    if canonical is None:
        return CodeCheck(None, CodeProblem.UNKNOWN)
    legacy = (InviteCode.code_hash == legacy_hash(canonical)) & (InviteCode.hash_scheme == LEGACY_HASH_SCHEME)
    invite = session.execute(
        select(InviteCode).where((InviteCode.code_hash == hash_code(canonical)) | legacy)
    ).scalars().first()
    if invite is None:
        return CodeCheck(None, CodeProblem.UNKNOWN)
    if invite.revoked_at is not None:
        return CodeCheck(invite, CodeProblem.REVOKED)
    if invite.used_at is not None:
        return CodeCheck(invite, CodeProblem.USED)
    if invite.expires_at <= now:
        return CodeCheck(invite, CodeProblem.EXPIRED)
    return CodeCheck(invite, None)


def claim_code(session: Session, invite: InviteCode, account_id: int, now: datetime | None = None) -> bool:
    """Mark a code used by ``account_id``; False if another request used it first (atomic)."""
    result = session.execute(
        update(InviteCode)
        .where(InviteCode.id == invite.id, InviteCode.used_at.is_(None), InviteCode.revoked_at.is_(None))
        .values(used_at=now or _now(), used_by_account_id=account_id)
        .execution_options(synchronize_session=False)
    )
    return (result.rowcount or 0) == 1


def count_active_invites(session: Session, student_id: int) -> int:
    return session.execute(
        select(func.count(InviteCode.id)).where(
            InviteCode.student_id == student_id,
            InviteCode.used_at.is_(None),
            InviteCode.revoked_at.is_(None),
        )
    ).scalar_one()
