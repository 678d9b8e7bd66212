"""Who has connected and who has acknowledged the rules, per class and per student.

A student counts as linked when at least one active chat account is linked to them as
parent or as the student; as unreachable when accounts were linked but none is active any
more (they blocked or left the bot); as acknowledged when some account confirmed the current
``RULES_VERSION`` for them. ``as_of`` gives the picture at the end of a past day (reports).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chatbot.db.models import (
    AccountLink,
    Acknowledgement,
    ChatAccount,
    IncidentReport,
    IncidentStatus,
    InviteCode,
    Role,
    School,
    SchoolClass,
    Student,
)
from chatbot.school.invite_batches import usable_code
from chatbot.settings import RULES_VERSION


@dataclass(frozen=True)
class StudentStatus:
    roll_number: int
    full_name: str
    channels: tuple[str, ...]  # channels of the linked accounts; empty when not linked
    acknowledged_at: datetime | None
    pending_code: bool  # an unused, unexpired invite code is out
    unreachable: bool = False  # was linked, but every linked account blocked or left the bot
    student_id: int = 0

    @property
    def linked(self) -> bool:
        return bool(self.channels)


@dataclass(frozen=True)
class ClassStatus:
    name: str
    grade: int
    homeroom_teacher: str | None
    homeroom_linked: bool
    students: tuple[StudentStatus, ...]
    class_id: int = 0
    open_reports: int = 0

    @property
    def total(self) -> int:
        return len(self.students)

    @property
    def linked(self) -> int:
        return sum(1 for s in self.students if s.linked)

    @property
    def acknowledged(self) -> int:
        return sum(1 for s in self.students if s.acknowledged_at)

    @property
    def not_linked(self) -> list[StudentStatus]:
        return [s for s in self.students if not s.linked]

    @property
    def not_acknowledged(self) -> list[StudentStatus]:
        return [s for s in self.students if not s.acknowledged_at]

    @property
    def unreachable(self) -> list[StudentStatus]:
        return [s for s in self.students if s.unreachable]


def rate(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def class_statuses(
    session: Session,
    school: School,
    *,
    class_name: str | None = None,
    class_ids: Collection[int] | None = None,
    as_of: datetime | None = None,
) -> list[ClassStatus]:
    """The status of every class of ``school`` (or of one, or of those with ``class_ids``),
    ordered by grade and name."""
    as_of = as_of or datetime.now(timezone.utc)
    query = select(SchoolClass).where(SchoolClass.school_id == school.id)
    if class_name is not None:
        query = query.where(SchoolClass.name == class_name)
    if class_ids is not None:
        query = query.where(SchoolClass.id.in_(list(class_ids)))
    classes = list(session.scalars(query.order_by(SchoolClass.grade, SchoolClass.name)))
    class_ids = [c.id for c in classes]
    in_classes = Student.class_id.in_(class_ids)

    channels: dict[int, set[str]] = {}
    link_rows = session.execute(
        select(AccountLink.student_id, ChatAccount.channel)
        .join(ChatAccount, ChatAccount.id == AccountLink.account_id)
        .join(Student, Student.id == AccountLink.student_id)
        .where(
            in_classes,
            ChatAccount.active.is_(True),
            AccountLink.role.in_([Role.PARENT, Role.STUDENT]),
            AccountLink.created_at <= as_of,
        )
    )
    for student_id, channel in link_rows:
        channels.setdefault(student_id, set()).add(channel.value)
    once_linked = set(
        session.scalars(
            select(AccountLink.student_id)
            .join(Student, Student.id == AccountLink.student_id)
            .where(
                in_classes,
                AccountLink.role.in_([Role.PARENT, Role.STUDENT]),
                AccountLink.created_at <= as_of,
            )
        )
    )
    open_reports = dict(
        session.execute(
            select(IncidentReport.class_id, func.count())
            .where(
                IncidentReport.class_id.in_(class_ids),
                IncidentReport.status == IncidentStatus.OPEN,
                IncidentReport.created_at <= as_of,
            )
            .group_by(IncidentReport.class_id)
        ).all()
    )
    acknowledged = dict(
        session.execute(
            select(Acknowledgement.student_id, func.min(Acknowledgement.acknowledged_at))
            .join(Student, Student.id == Acknowledgement.student_id)
            .where(
                in_classes,
                Acknowledgement.rules_version == RULES_VERSION,
                Acknowledgement.acknowledged_at <= as_of,
            )
            .group_by(Acknowledgement.student_id)
        ).all()
    )
    pending = set(
        session.scalars(
            select(InviteCode.student_id)
            .join(Student, Student.id == InviteCode.student_id)
            .where(in_classes, usable_code(as_of))
        )
    )
    teacher_ids = [c.homeroom_teacher_id for c in classes if c.homeroom_teacher_id]
    linked_teachers = set(
        session.scalars(
            select(ChatAccount.staff_member_id).where(
                ChatAccount.staff_member_id.in_(teacher_ids), ChatAccount.active.is_(True)
            )
        )
    )
    return [
        ClassStatus(
            name=c.name,
            grade=c.grade,
            homeroom_teacher=c.homeroom_teacher.full_name if c.homeroom_teacher else None,
            homeroom_linked=c.homeroom_teacher_id in linked_teachers,
            students=tuple(
                StudentStatus(
                    s.roll_number,
                    s.full_name,
                    tuple(sorted(channels.get(s.id, ()))),
                    acknowledged.get(s.id),
                    s.id in pending,
                    unreachable=s.id in once_linked and s.id not in channels,
                    student_id=s.id,
                )
                for s in c.students
            ),
            class_id=c.id,
            open_reports=open_reports.get(c.id, 0),
        )
        for c in classes
    ]
