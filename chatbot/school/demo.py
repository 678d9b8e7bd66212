"""Load the fictional demo school (Trường THCS Hoa Sen) through the ordinary importers.

Idempotent for the school data: a second run adds and changes nothing. Invite codes are
the exception, by design: the store keeps only hashes, so the codes printed by an earlier
run cannot be shown again. Each run therefore revokes the unused demo codes (parents of
6A students 1–3 and the 6A homeroom teacher) and issues fresh ones, so that exactly one
working code per person exists and the printed ones are it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from chatbot.db.models import Role, School, SchoolClass, StaffMember, WebRole
from chatbot.school.importing import ImportSummary, import_file
from chatbot.school.invite_batches import InviteBatch, issue_for_class
from chatbot.school.staff_accounts import (
    ROLE_LABELS,
    account_of_staff_member,
    create_account,
    find_by_username,
    set_password,
)

DEMO_DIR = Path(__file__).resolve().parent.parent / "demo_data"
DEMO_SCHOOL_CODE = "THCS-HOASEN"
DEMO_SCHOOL_NAME = "Trường THCS Hoa Sen"
DEMO_FILES = (("roster", "roster.csv"), ("teachers", "teachers.csv"),
              ("timetable", "timetable.csv"), ("holidays", "holidays.csv"))
DEMO_CLASS = "6A"
DEMO_ROLLS = (1, 2, 3)
DEMO_OFFICE_USERNAME = "demo.phonggd"
DEMO_ADMIN_NAME = "Trịnh Văn Quang"


@dataclass(frozen=True)
class DemoLogin:
    """A demo sign-in of the web app; the password is new on every run and printed once."""

    role: str
    username: str
    password: str


@dataclass
class DemoResult:
    school_created: bool
    summaries: list[ImportSummary]
    invites: list[InviteBatch] = field(default_factory=list)
    logins: list[DemoLogin] = field(default_factory=list)


def demo_school(session: Session) -> tuple[School, bool]:
    """The demo school, created if missing; True when it was just created."""
    school = session.scalar(select(School).where(School.code == DEMO_SCHOOL_CODE))
    if school is not None:
        return school, False
    school = School(code=DEMO_SCHOOL_CODE, name=DEMO_SCHOOL_NAME)
    session.add(school)
    session.flush()
    return school, True


def load_demo(session: Session, *, with_invites: bool = True, now: datetime | None = None) -> DemoResult:
    school, created = demo_school(session)
    summaries = [import_file(session, school, kind, DEMO_DIR / name) for kind, name in DEMO_FILES]
    result = DemoResult(created, summaries)
    result.logins = demo_logins(session, school)
    if with_invites:
        school_class = session.scalars(
            select(SchoolClass).where(SchoolClass.school_id == school.id, SchoolClass.name == DEMO_CLASS)
        ).one()
        for role, rolls in ((Role.PARENT, DEMO_ROLLS), (Role.TEACHER, None)):
            result.invites.append(
                issue_for_class(session, school_class, role, rolls=rolls, regenerate=True,
                                include_linked=True, now=now)
            )
    return result


def demo_logins(session: Session, school: School) -> list[DemoLogin]:
    """Fresh passwords for the demo's office, administrator and 6A homeroom teacher accounts.

    The demo data is public, so these are demo passwords, never production secrets: every run
    replaces them with new random ones.
    """
    office = find_by_username(session, DEMO_OFFICE_USERNAME)
    if office is None:
        office = create_account(session, username=DEMO_OFFICE_USERNAME, full_name="Phòng GDĐT (thử nghiệm)",
                                role=WebRole.OFFICE, school=None)
    admin_member = session.scalars(
        select(StaffMember)
        .where(StaffMember.school_id == school.id, StaffMember.full_name == DEMO_ADMIN_NAME)
    ).one()
    school_class = session.scalars(
        select(SchoolClass).where(SchoolClass.school_id == school.id, SchoolClass.name == DEMO_CLASS)
    ).one()
    logins = []
    for user, label in (
        (office, ROLE_LABELS[WebRole.OFFICE]),
        (account_of_staff_member(session, admin_member.id), ROLE_LABELS[WebRole.ADMIN]),
        (account_of_staff_member(session, school_class.homeroom_teacher_id),
         f"{ROLE_LABELS[WebRole.TEACHER]} chủ nhiệm {DEMO_CLASS}"),
    ):
        password = secrets.token_urlsafe(9)
        set_password(user, password)
        logins.append(DemoLogin(label, user.username, password))
    return logins
