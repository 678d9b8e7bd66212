"""Issue and revoke invite codes for a whole class, or for some of its students.

Plain codes exist only in the returned :class:`InviteBatch` (the store keeps hashes), so the
caller must export them at once. A student who already has an unused code of the role is
skipped unless ``regenerate`` revokes it first; with ``include_linked`` false, students (or
the homeroom teacher) already connected in that role are skipped too.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from sqlalchemy import and_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from chatbot.db.models import AccountLink, ChatAccount, InviteCode, Role, SchoolClass, Student
from chatbot.school.display_names import required_display_name
from chatbot.school.invites import check_code, issue_invite, revoke_invites
from chatbot.settings import get_settings

STUDENT_ROLES = (Role.PARENT, Role.STUDENT)


class InviteError(ValueError):
    """A batch cannot be issued as asked; the message is for staff."""


@dataclass(frozen=True)
class IssuedInvite:
    """One plain code, with what a printed card shows about its holder."""

    role: Role
    class_name: str
    full_name: str
    code: str
    expires_at: datetime
    roll_number: int | None = None
    display_name: str | None = None


@dataclass
class InviteBatch:
    school_name: str
    class_name: str
    role: Role
    issued: list[IssuedInvite] = field(default_factory=list)
    revoked: int = 0
    skipped: list[str] = field(default_factory=list)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def select_students(school_class: SchoolClass, rolls: Collection[int] | None) -> list[Student]:
    """The class's students, or those with the given roll numbers (all must exist)."""
    if rolls is None:
        return list(school_class.students)
    chosen = [s for s in school_class.students if s.roll_number in rolls]
    unknown = sorted(set(rolls) - {s.roll_number for s in chosen})
    if unknown:
        listed = ", ".join(str(r) for r in unknown)
        raise InviteError(f"Lớp {school_class.name} không có học sinh STT {listed}")
    return chosen


def usable_code(now: datetime) -> ColumnElement[bool]:
    """SQL condition: an invite code that is neither used, revoked nor expired at ``now``."""
    return and_(InviteCode.used_at.is_(None), InviteCode.revoked_at.is_(None), InviteCode.expires_at > now)


def _active_student_codes(session: Session, ids: list[int], role: Role, now: datetime) -> set[int]:
    query = select(InviteCode.student_id).where(
        InviteCode.student_id.in_(ids), InviteCode.role == role, usable_code(now)
    )
    return set(session.scalars(query))


def _linked_students(session: Session, ids: list[int], role: Role) -> set[int]:
    query = (
        select(AccountLink.student_id)
        .join(ChatAccount, ChatAccount.id == AccountLink.account_id)
        .where(AccountLink.student_id.in_(ids), AccountLink.role == role, ChatAccount.active.is_(True))
    )
    return set(session.scalars(query))


def issue_for_class(
    session: Session,
    school_class: SchoolClass,
    role: Role,
    *,
    rolls: Collection[int] | None = None,
    regenerate: bool = False,
    include_linked: bool = False,
    now: datetime | None = None,
) -> InviteBatch:
    """Codes for the class's students (parent or student role) or its homeroom teacher."""
    now = now or _now()
    batch = InviteBatch(school_class.school.name, school_class.name, role)
    if role is Role.TEACHER:
        _issue_teacher(session, school_class, batch, regenerate, include_linked, now)
        return batch
    if role not in STUDENT_ROLES:
        raise InviteError(f"không tạo mã theo lớp cho vai trò {role.value}")
    students = select_students(school_class, rolls)
    ids = [s.id for s in students]
    if regenerate:
        batch.revoked = sum(revoke_invites(session, student_id=i, role=role, now=now) for i in ids)
    active = _active_student_codes(session, ids, role, now)
    linked = set() if include_linked else _linked_students(session, ids, role)
    expires = now + timedelta(days=get_settings().invite_ttl_days)
    for student in students:
        who = f"STT {student.roll_number:02d} {student.full_name}"
        if student.id in linked:
            batch.skipped.append(f"{who}: đã kết nối")
            continue
        if student.id in active:
            batch.skipped.append(f"{who}: đã có mã chưa dùng (dùng --regenerate để tạo lại)")
            continue
        code = issue_invite(session, role=role, student_id=student.id, now=now)
        batch.issued.append(
            IssuedInvite(role, school_class.name, student.full_name, code, expires,
                         student.roll_number,
                         required_display_name(student.roll_number, student.full_name, school_class.name))
        )
    return batch


def _issue_teacher(
    session: Session,
    school_class: SchoolClass,
    batch: InviteBatch,
    regenerate: bool,
    include_linked: bool,
    now: datetime,
) -> None:
    teacher = school_class.homeroom_teacher
    if teacher is None:
        raise InviteError(
            f"Lớp {school_class.name} chưa có giáo viên chủ nhiệm — nhập danh sách giáo viên "
            "có cột “Chủ nhiệm lớp” trước"
        )
    if regenerate:
        batch.revoked = revoke_invites(session, staff_member_id=teacher.id, role=Role.TEACHER, now=now)
    linked = session.scalar(
        select(ChatAccount.id).where(ChatAccount.staff_member_id == teacher.id, ChatAccount.active.is_(True))
    )
    active = session.scalar(
        select(InviteCode.id).where(
            InviteCode.staff_member_id == teacher.id, InviteCode.role == Role.TEACHER, usable_code(now)
        )
    )
    if linked is not None and not include_linked:
        batch.skipped.append(f"{teacher.full_name}: đã kết nối")
    elif active is not None:
        batch.skipped.append(f"{teacher.full_name}: đã có mã chưa dùng (dùng --regenerate để tạo lại)")
    else:
        code = issue_invite(session, role=Role.TEACHER, staff_member_id=teacher.id, now=now)
        expires = now + timedelta(days=get_settings().invite_ttl_days)
        batch.issued.append(IssuedInvite(Role.TEACHER, school_class.name, teacher.full_name, code, expires))


def revoke_for_class(
    session: Session,
    school_class: SchoolClass,
    *,
    role: Role | None = None,
    rolls: Collection[int] | None = None,
    now: datetime | None = None,
) -> int:
    """Revoke unused codes of the class (of one role, or all; the homeroom teacher's too
    when no roll numbers are given); return how many."""
    now = now or _now()
    count = 0
    if role is None or role in STUDENT_ROLES:
        for student in select_students(school_class, rolls):
            count += revoke_invites(session, student_id=student.id, role=role, now=now)
    teacher = school_class.homeroom_teacher
    if role in (None, Role.TEACHER) and rolls is None and teacher is not None:
        count += revoke_invites(session, staff_member_id=teacher.id, role=Role.TEACHER, now=now)
    return count


def revoke_code(session: Session, code: str, now: datetime | None = None) -> str | None:
    """Revoke one code typed by staff; None on success, else why it could not be revoked."""
    check = check_code(session, code, now)
    if check.invite is None:
        return "không có mã này"
    if check.invite.used_at is not None:
        return "mã đã được dùng để kết nối (hãy gỡ kết nối tài khoản thay vì huỷ mã)"
    if check.invite.revoked_at is not None:
        return "mã đã bị huỷ trước đó"
    check.invite.revoked_at = now or _now()
    return None
