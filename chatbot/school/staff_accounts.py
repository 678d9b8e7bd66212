"""Sign-in accounts of the staff web app: create, find, check passwords, one-time chat links.

Passwords are hashed with Argon2id (argon2-cffi's defaults). Accounts made by the teachers'
import have no password; a teacher signs in through a one-time link the assistant sends to
their linked chat, or an administrator sets a password (``chatbot staff set-password``).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from chatbot.db.models import School, SignInLink, StaffMember, StaffRole, StaffUser, WebRole
from chatbot.nlu.text import strip_diacritics
from chatbot.settings import get_settings

PASSWORD_MIN_LENGTH = 10
PASSWORD_MAX_LENGTH = 200
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{2,119}$")
_hasher = PasswordHasher()
# A hash to verify against when the account does not exist, so timing does not tell.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))

ROLE_LABELS = {
    WebRole.OFFICE: "Phòng GDĐT",
    WebRole.ADMIN: "Quản trị nhà trường",
    WebRole.TEACHER: "Giáo viên",
}
ROLE_OF_STAFF = {StaffRole.TEACHER: WebRole.TEACHER, StaffRole.STAFF: WebRole.ADMIN}


class StaffAccountError(ValueError):
    """An account cannot be created or changed as asked; the message is for staff."""


def _now() -> datetime:
    return datetime.now(timezone.utc)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def normalize_username(raw: str) -> str:
    """The stored form of an account name: lower case, no surrounding spaces."""
    return raw.strip().lower()


def check_username(raw: str) -> str:
    username = normalize_username(raw)
    if not _USERNAME.match(username):
        raise StaffAccountError(
            "tên đăng nhập gồm 3–120 chữ thường không dấu, số, “.”, “_”, “-” hoặc “@”"
        )
    return username


def password_problem(password: str) -> str | None:
    """Why ``password`` is not acceptable, or None."""
    if len(password) < PASSWORD_MIN_LENGTH:
        return f"mật khẩu cần ít nhất {PASSWORD_MIN_LENGTH} ký tự"
    if len(password) > PASSWORD_MAX_LENGTH:
        return f"mật khẩu dài tối đa {PASSWORD_MAX_LENGTH} ký tự"
    if len(set(password)) < 4:
        return "mật khẩu quá đơn giản (lặp lại ít ký tự)"
    return None


def hash_password(password: str) -> str:
    problem = password_problem(password)
    if problem:
        raise StaffAccountError(problem)
    return _hasher.hash(password)


def set_password(user: StaffUser, password: str) -> None:
    user.password_hash = hash_password(password)


def verify_password(user: StaffUser | None, password: str) -> bool:
    """Whether ``password`` is the account's; also True-path rehashes outdated parameters.

    Without an account (or a password) a dummy hash is checked, so the answer takes as long.
    """
    stored = user.password_hash if user is not None and user.password_hash else None
    try:
        _hasher.verify(stored or _DUMMY_HASH, password[:PASSWORD_MAX_LENGTH])
    except (VerificationError, InvalidHashError):
        return False
    if stored is None or user is None:
        return False
    if _hasher.check_needs_rehash(stored):
        user.password_hash = _hasher.hash(password)
    return True


def find_by_username(session: Session, username: str) -> StaffUser | None:
    return session.scalar(select(StaffUser).where(StaffUser.username == normalize_username(username)))


def create_account(
    session: Session,
    *,
    username: str,
    full_name: str,
    role: WebRole,
    school: School | None,
    staff_member: StaffMember | None = None,
    password: str | None = None,
) -> StaffUser:
    """Create an account; office accounts have no school, the others need one."""
    username = check_username(username)
    full_name = " ".join(full_name.split())
    if not full_name or len(full_name) > 120:
        raise StaffAccountError("họ tên không được trống và tối đa 120 ký tự")
    if (role is WebRole.OFFICE) != (school is None):
        raise StaffAccountError(
            "tài khoản Phòng GDĐT không thuộc trường nào; tài khoản khác phải chọn trường (--school)"
        )
    if staff_member is not None and school is not None and staff_member.school_id != school.id:
        raise StaffAccountError("giáo viên này không thuộc trường đã chọn")
    if find_by_username(session, username) is not None:
        raise StaffAccountError(f"đã có tài khoản “{username}”")
    user = StaffUser(
        username=username,
        full_name=full_name,
        role=role,
        school_id=school.id if school else None,
        staff_member_id=staff_member.id if staff_member else None,
        password_hash=hash_password(password) if password else None,
        active=True,
    )
    session.add(user)
    session.flush()
    return user


def suggest_username(session: Session, full_name: str, email: str | None) -> str:
    """A free account name: the e-mail address, else the unaccented name joined by dots."""
    if email and _USERNAME.match(email.strip().lower()) and find_by_username(session, email) is None:
        return email.strip().lower()
    words = re.findall(r"[a-z0-9]{1,64}", strip_diacritics(full_name).lower().replace("đ", "d"))
    base = ".".join(words)[:100] or "giaovien"
    if len(base) < 3:
        base = f"gv.{base}"
    candidate, number = base, 1
    while find_by_username(session, candidate) is not None:
        number += 1
        candidate = f"{base}{number}"
    return candidate


def accounts_for_staff(session: Session, school: School, *, dry_run: bool = False) -> list[str]:
    """Give every staff member of ``school`` without an account one (no password yet).

    Teachers get teacher accounts, other staff (“Cán bộ”, “BGH”, “Nhân viên”) school
    administrator accounts. Returns the names of the accounts made (or that would be).
    """
    has_account = select(StaffUser.staff_member_id).where(StaffUser.staff_member_id.is_not(None))
    members = session.scalars(
        select(StaffMember)
        .where(StaffMember.school_id == school.id, StaffMember.id.not_in(has_account))
        .order_by(StaffMember.full_name)
    ).all()
    made = []
    for member in members:
        if dry_run:
            made.append(member.full_name)
            continue
        user = create_account(
            session,
            username=suggest_username(session, member.full_name, member.email),
            full_name=member.full_name,
            role=ROLE_OF_STAFF[member.role],
            school=school,
            staff_member=member,
        )
        made.append(f"{member.full_name} ({user.username})")
    return made


def account_of_staff_member(session: Session, staff_member_id: int) -> StaffUser | None:
    return session.scalar(
        select(StaffUser).where(StaffUser.staff_member_id == staff_member_id, StaffUser.active.is_(True))
    )


def issue_sign_in_link(session: Session, user: StaffUser, now: datetime | None = None) -> str:
    """A one-time sign-in address for ``user``, valid ``WEB_SIGN_IN_LINK_MINUTES``."""
    settings = get_settings()
    now = now or _now()
    token = secrets.token_urlsafe(32)
    session.add(
        SignInLink(
            token_hash=token_hash(token),
            user_id=user.id,
            created_at=now,
            expires_at=now + timedelta(minutes=settings.web_sign_in_link_minutes),
        )
    )
    session.flush()
    return f"{settings.web_public_url}/dang-nhap/lien-ket/{token}"


def usable_link(session: Session, token: str, now: datetime | None = None) -> SignInLink | None:
    """The unused, unexpired link of ``token`` whose account is active, or None."""
    now = now or _now()
    return session.scalar(
        select(SignInLink)
        .join(StaffUser, StaffUser.id == SignInLink.user_id)
        .where(
            SignInLink.token_hash == token_hash(token),
            SignInLink.used_at.is_(None),
            SignInLink.expires_at > now,
            StaffUser.active.is_(True),
        )
    )


def use_link(session: Session, token: str, now: datetime | None = None) -> StaffUser | None:
    """Spend a sign-in link once; the account it signs in, or None if it is not usable."""
    now = now or _now()
    link = usable_link(session, token, now)
    if link is None:
        return None
    spent = session.execute(
        update(SignInLink)
        .where(SignInLink.id == link.id, SignInLink.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    return session.get(StaffUser, link.user_id) if spent == 1 else None


def count_accounts(session: Session) -> int:
    return session.scalar(select(func.count(StaffUser.id))) or 0


def ensure_account(session: Session, member: StaffMember) -> StaffUser:
    """The web app account of a staff member, made (without a password) if missing."""
    existing = session.scalar(select(StaffUser).where(StaffUser.staff_member_id == member.id))
    if existing is not None:
        return existing
    return create_account(
        session,
        username=suggest_username(session, member.full_name, member.email),
        full_name=member.full_name,
        role=ROLE_OF_STAFF[member.role],
        school=member.school,
        staff_member=member,
    )


def sign_in_link_for_staff(session: Session, staff_member_id: int, now: datetime | None = None) -> str | None:
    """A one-time sign-in link for the staff member's account; None if that account is disabled."""
    member = session.get(StaffMember, staff_member_id)
    if member is None:
        return None
    user = ensure_account(session, member)
    if not user.active:
        return None
    return issue_sign_in_link(session, user, now)
