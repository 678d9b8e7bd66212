"""Chat accounts: who is talking (a snapshot of their links) and linking with an invite code.

Role semantics of a code (the code's role decides the link's role):

- a parent code links the account as that student's parent; a parent may link several
  children, and a teacher's account may also link its own children;
- a student code links the student's own account, which holds that one student only;
- a teacher or staff code makes the account that staff member's (alerts of their classes);
  an account already linked as a student, or to another staff member, is refused.

A refused or already-linked code is not used up and does not count as a wrong try.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from enum import Enum

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from chatbot.channels import CHANNEL_NAMES, split_address
from chatbot.db.models import (
    AccountLink,
    Channel,
    ChatAccount,
    InviteCode,
    Role,
    School,
    SchoolClass,
    StaffMember,
    StaffRole,
    Student,
    TimetableEntry,
)
from chatbot.school import invites
from chatbot.school.display_names import required_display_name
from chatbot.school.invite_alarm import check_failure_alarm

STAFF_ROLES = (Role.TEACHER, Role.STAFF)


@dataclass(frozen=True)
class LinkedStudent:
    """A student an account is linked to, with what the replies need."""

    student_id: int
    full_name: str
    roll_number: int
    class_id: int
    class_name: str
    school_id: int
    link_role: Role
    display_name: str


@dataclass(frozen=True)
class StaffLink:
    """The staff member an account belongs to and the classes they look after."""

    staff_member_id: int
    full_name: str
    role: StaffRole
    school_id: int
    class_ids: frozenset[int]
    homeroom_class_names: tuple[str, ...]


@dataclass(frozen=True)
class AccountView:
    """A read-only snapshot of a chat account; ``account_id`` is None for a new person."""

    account_id: int | None = None
    students: tuple[LinkedStudent, ...] = ()
    staff: StaffLink | None = None
    role: Role | None = None
    school_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def linked(self) -> bool:
        return bool(self.students) or self.staff is not None

    @property
    def is_student(self) -> bool:
        return any(s.link_role is Role.STUDENT for s in self.students)

    @property
    def class_ids(self) -> frozenset[int]:
        """Classes whose timetable and meeting details this account may see."""
        own = {s.class_id for s in self.students}
        return frozenset(own | (self.staff.class_ids if self.staff else set()))

    def student(self, student_id: int) -> LinkedStudent | None:
        return next((s for s in self.students if s.student_id == student_id), None)


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def find_account(session: Session, channel: str, external_id: str) -> ChatAccount | None:
    return session.execute(
        select(ChatAccount).where(
            ChatAccount.channel == Channel(channel), ChatAccount.external_id == external_id
        )
    ).scalar_one_or_none()


def get_or_create_account(session: Session, channel: str, external_id: str) -> ChatAccount:
    """The account of (channel, external_id), created if new and reactivated if it writes again.

    Called while handling the person's own message, so it also records the inbound time.
    """
    account = find_account(session, channel, external_id)
    if account is None:
        account = ChatAccount(
            channel=Channel(channel), external_id=external_id, active=True, last_inbound_at=_utcnow()
        )
        session.add(account)
        session.flush()
    elif not account.active:
        account.active = True
        account.deactivated_reason = None
        account.last_inbound_at = _utcnow()
    return account


def _staff_link(session: Session, staff: StaffMember) -> StaffLink:
    if staff.role is StaffRole.STAFF:
        class_query = select(SchoolClass.id).where(SchoolClass.school_id == staff.school_id)
    else:
        taught = select(TimetableEntry.class_id).where(TimetableEntry.teacher_id == staff.id)
        class_query = select(SchoolClass.id).where(
            (SchoolClass.homeroom_teacher_id == staff.id) | SchoolClass.id.in_(taught)
        )
    homeroom = session.execute(
        select(SchoolClass.name)
        .where(SchoolClass.homeroom_teacher_id == staff.id)
        .order_by(SchoolClass.name)
    ).scalars()
    return StaffLink(
        staff_member_id=staff.id,
        full_name=staff.full_name,
        role=staff.role,
        school_id=staff.school_id,
        class_ids=frozenset(session.execute(class_query).scalars()),
        homeroom_class_names=tuple(homeroom),
    )


def linked_student(student: Student, link_role: Role) -> LinkedStudent:
    school_class = student.school_class
    return LinkedStudent(
        student_id=student.id,
        full_name=student.full_name,
        roll_number=student.roll_number,
        class_id=school_class.id,
        class_name=school_class.name,
        school_id=school_class.school_id,
        link_role=link_role,
        display_name=required_display_name(student.roll_number, student.full_name, school_class.name),
    )


def view_of(session: Session, account: ChatAccount) -> AccountView:
    links = session.execute(
        select(AccountLink)
        .where(AccountLink.account_id == account.id)
        .options(joinedload(AccountLink.student).joinedload(Student.school_class))
    ).scalars()
    students = tuple(
        sorted(
            (linked_student(link.student, link.role) for link in links),
            key=lambda s: (s.class_name, s.roll_number),
        )
    )
    staff = _staff_link(session, account.staff_member) if account.staff_member else None
    schools = {s.school_id for s in students} | ({staff.school_id} if staff else set())
    return AccountView(
        account_id=account.id, students=students, staff=staff, role=account.role,
        school_ids=frozenset(schools),
    )


def load_account(session: Session, channel: str, external_id: str) -> AccountView:
    """The snapshot of an account; an empty view when the person never linked."""
    account = find_account(session, channel, external_id)
    view = AccountView() if account is None else view_of(session, account)
    bot_school = bot_school_id(session, channel, external_id)
    if bot_school is not None:  # on a school's own bot, everything is that school's
        view = replace(view, school_ids=frozenset({bot_school}))
    return view


def bot_school_id(session: Session, channel: str, external_id: str) -> int | None:
    """The school whose own bot this account talks to (None: the deployment's shared bot; 0,
    which no school has, for the bot of a school that no longer exists)."""
    if channel not in CHANNEL_NAMES:
        return None
    code, _ = split_address(external_id)
    if code is None:
        return None
    return session.scalar(select(School.id).where(School.code == code)) or 0


class LinkStatus(str, Enum):
    LINKED = "linked"
    ALREADY_LINKED = "already_linked"
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED = "used"
    REVOKED = "revoked"
    LOCKED_OUT = "locked_out"
    ROLE_CONFLICT = "role_conflict"


@dataclass(frozen=True)
class LinkOutcome:
    status: LinkStatus
    role: Role | None = None
    student: LinkedStudent | None = None
    staff_name: str | None = None
    locked_until: datetime | None = None
    view: AccountView | None = None


_PROBLEM_STATUS = {
    invites.CodeProblem.UNKNOWN: LinkStatus.UNKNOWN,
    invites.CodeProblem.EXPIRED: LinkStatus.EXPIRED,
    invites.CodeProblem.USED: LinkStatus.USED,
    invites.CodeProblem.REVOKED: LinkStatus.REVOKED,
}


def _account_role(account: ChatAccount, links: list[AccountLink]) -> Role | None:
    if account.staff_member is not None:
        return Role(account.staff_member.role.value)
    if any(link.role is Role.PARENT for link in links):
        return Role.PARENT
    return Role.STUDENT if links else None


def _conflict_or_same(
    account: ChatAccount, links: list[AccountLink], invite: InviteCode
) -> LinkStatus | None:
    """ALREADY_LINKED, ROLE_CONFLICT, or None when the code may be used by this account."""
    is_student_account = any(link.role is Role.STUDENT for link in links)
    if invite.role in STAFF_ROLES:
        if account.staff_member_id == invite.staff_member_id:
            return LinkStatus.ALREADY_LINKED
        if is_student_account or account.staff_member_id is not None:
            return LinkStatus.ROLE_CONFLICT
        return None
    if any(link.student_id == invite.student_id for link in links):
        same_role = any(
            link.student_id == invite.student_id and link.role is invite.role for link in links
        )
        return LinkStatus.ALREADY_LINKED if same_role else LinkStatus.ROLE_CONFLICT
    if invite.role is Role.STUDENT and (links or account.staff_member_id is not None):
        return LinkStatus.ROLE_CONFLICT
    if invite.role is Role.PARENT and is_student_account:
        return LinkStatus.ROLE_CONFLICT
    return None


def _outcome(session: Session, status: LinkStatus, invite: InviteCode, account: ChatAccount) -> LinkOutcome:
    view = view_of(session, account)
    student = view.student(invite.student_id) if invite.student_id else None
    if student is None and invite.student is not None:
        student = linked_student(invite.student, invite.role)
    staff_name = invite.staff_member.full_name if invite.staff_member else None
    return LinkOutcome(status, role=invite.role, student=student, staff_name=staff_name, view=view)


def invite_school_code(session: Session, invite: InviteCode) -> str | None:
    """The code of the school an invite belongs to (through its student or staff member)."""
    if invite.student_id is not None:
        query = (
            select(School.code)
            .join(SchoolClass, SchoolClass.school_id == School.id)
            .join(Student, Student.class_id == SchoolClass.id)
            .where(Student.id == invite.student_id)
        )
    else:
        query = (
            select(School.code)
            .join(StaffMember, StaffMember.school_id == School.id)
            .where(StaffMember.id == invite.staff_member_id)
        )
    return session.scalar(query)


def _same_school(session: Session, channel: str, external_id: str, invite: InviteCode) -> bool:
    """Whether an account may use ``invite``: on a school's own bot only that school's codes."""
    if channel not in CHANNEL_NAMES:
        return True
    bot_school, _ = split_address(external_id)
    if bot_school is None:
        return True
    code = invite_school_code(session, invite)
    return code is not None and code.upper() == bot_school.upper()


def redeem_code(
    session: Session, channel: str, external_id: str, code: str, now: datetime | None = None
) -> LinkOutcome:
    """Link (channel, external_id) with a typed invite code; see the module for the rules."""
    now = now or _utcnow()
    channel_enum = Channel(channel)
    until = invites.locked_until(session, channel_enum, external_id, now)
    if until is not None:
        return LinkOutcome(LinkStatus.LOCKED_OUT, locked_until=until)
    check = invites.check_code(session, code, now=now)
    account = find_account(session, channel, external_id)
    used_here = account is not None and check.invite is not None and (
        check.invite.used_by_account_id == account.id
    )
    if check.problem is invites.CodeProblem.USED and used_here:
        return _outcome(session, LinkStatus.ALREADY_LINKED, check.invite, account)  # the link sent twice
    if check.problem is not None:
        invites.record_failure(session, channel_enum, external_id, now=now)
        check_failure_alarm(session, now)
        until = invites.locked_until(session, channel_enum, external_id, now)
        if until is not None:
            return LinkOutcome(LinkStatus.LOCKED_OUT, locked_until=until)
        return LinkOutcome(_PROBLEM_STATUS[check.problem])
    invite = check.invite
    if not _same_school(session, channel, external_id, invite):
        # A code of another school typed to this school's bot: for this bot it does not exist.
        invites.record_failure(session, channel_enum, external_id, now=now)
        return LinkOutcome(LinkStatus.UNKNOWN)
    account = get_or_create_account(session, channel, external_id)
    links = list(account.links)
    refusal = _conflict_or_same(account, links, invite)
    if refusal is None and not invites.claim_code(session, invite, account.id, now=now):
        refusal = LinkStatus.USED  # another conversation used it a moment ago
    if refusal is None:
        if invite.role in STAFF_ROLES:
            account.staff_member_id = invite.staff_member_id
        else:
            account.links.append(AccountLink(student_id=invite.student_id, role=invite.role, created_at=now))
        session.flush()
        session.refresh(account)
        account.role = _account_role(account, list(account.links))
        session.flush()
    return _outcome(session, refusal or LinkStatus.LINKED, invite, account)
