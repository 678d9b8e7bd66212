"""What a signed-in account may see, always read from the database, never from the request.

A school administrator sees their school; a teacher the classes they are homeroom teacher
of; the office every school (read-only). A school or class id that comes with a request is
looked up *within* that scope, so an id from elsewhere is simply "not found" (404).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from chatbot.db.models import IncidentReport, School, SchoolClass, StaffUser, Student, WebRole


class NotFound(LookupError):
    """The object does not exist or is outside the account's scope (answered with 404)."""


def visible_schools(db: Session, user: StaffUser) -> list[School]:
    query = select(School).order_by(School.name)
    if user.role is not WebRole.OFFICE:
        query = query.where(School.id == user.school_id)
    return list(db.scalars(query))


def school_for(db: Session, user: StaffUser, school_id: str | int | None = None) -> School:
    """The school a page is about: the user's own, or (office) the one asked for."""
    if user.role is not WebRole.OFFICE:
        school = db.get(School, user.school_id) if user.school_id else None
        if school is None:
            raise NotFound("account without a school")
        return school
    schools = visible_schools(db, user)
    if school_id in (None, ""):
        if len(schools) == 1:
            return schools[0]
        raise NotFound("choose a school")
    try:
        wanted = int(school_id)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise NotFound("bad school id") from exc
    school = next((s for s in schools if s.id == wanted), None)
    if school is None:
        raise NotFound("no such school")
    return school


def class_ids(db: Session, user: StaffUser, school: School) -> list[int] | None:
    """Ids of the school's classes the account may see; None means every class."""
    if user.role is not WebRole.TEACHER:
        return None
    if user.staff_member_id is None:
        return []
    return list(
        db.scalars(
            select(SchoolClass.id).where(
                SchoolClass.school_id == school.id,
                SchoolClass.homeroom_teacher_id == user.staff_member_id,
            )
        )
    )


def visible_classes(db: Session, user: StaffUser, school: School) -> list[SchoolClass]:
    query = select(SchoolClass).where(SchoolClass.school_id == school.id)
    allowed = class_ids(db, user, school)
    if allowed is not None:
        query = query.where(SchoolClass.id.in_(allowed))
    return list(db.scalars(query.order_by(SchoolClass.grade, SchoolClass.name)))


def get_class(db: Session, user: StaffUser, class_id: str | int) -> SchoolClass:
    """A class the account may see, by id; anything else is :class:`NotFound`."""
    try:
        wanted = int(class_id)
    except (TypeError, ValueError) as exc:
        raise NotFound("bad class id") from exc
    school_class = db.get(SchoolClass, wanted)
    if school_class is None:
        raise NotFound("no such class")
    if user.role is WebRole.OFFICE:
        return school_class
    if school_class.school_id != user.school_id:
        raise NotFound("class of another school")
    allowed = class_ids(db, user, school_class.school)
    if allowed is not None and school_class.id not in allowed:
        raise NotFound("class of another teacher")
    return school_class


def get_student(db: Session, user: StaffUser, school_class: SchoolClass, student_id: str | int) -> Student:
    try:
        wanted = int(student_id)
    except (TypeError, ValueError) as exc:
        raise NotFound("bad student id") from exc
    student = db.get(Student, wanted)
    if student is None or student.class_id != school_class.id:
        raise NotFound("no such student in this class")
    return student


def single_school_deployment(db: Session) -> bool:
    return len(db.scalars(select(School.id).limit(2)).all()) == 1


def report_visible(db: Session, user: StaffUser, report: IncidentReport) -> bool:
    """Whether the account may see one incident report."""
    if user.role is WebRole.OFFICE:
        return True
    if report.school_id is None:  # sent before the reporter linked: the only school's admin
        return user.role is WebRole.ADMIN and single_school_deployment(db)
    if report.school_id != user.school_id:
        return False
    if user.role is WebRole.TEACHER:
        school = db.get(School, user.school_id)
        return report.class_id is not None and report.class_id in (class_ids(db, user, school) or [])
    return True
