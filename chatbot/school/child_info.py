"""A linked family's questions about its own child: class, homeroom teacher, subject teachers.

Answers carry names and roles from the school data only, never a phone number or chat id.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from chatbot.db.models import School, SchoolClass, StaffMember, TimetableEntry
from chatbot.school.accounts import LinkedStudent
from chatbot.school.dates import fold


@dataclass(frozen=True)
class ChildInfo:
    student: LinkedStudent
    school_name: str
    homeroom_teacher: str | None
    subjects: tuple[tuple[str, str | None], ...]  # (subject, teacher name), timetable order


def child_info(session: Session, student: LinkedStudent) -> ChildInfo:
    school_class = session.get(SchoolClass, student.class_id)
    assert school_class is not None
    school = session.get(School, school_class.school_id)
    rows = session.execute(
        select(TimetableEntry.subject, StaffMember.full_name)
        .outerjoin(StaffMember, StaffMember.id == TimetableEntry.teacher_id)
        .where(TimetableEntry.class_id == student.class_id)
        .order_by(TimetableEntry.weekday, TimetableEntry.starts_at)
    ).all()
    subjects: dict[str, str | None] = {}
    for subject, teacher in rows:
        if subject not in subjects or subjects[subject] is None:
            subjects[subject] = teacher
    homeroom = school_class.homeroom_teacher.full_name if school_class.homeroom_teacher else None
    return ChildInfo(student, school.name if school else "", homeroom, tuple(subjects.items()))


def subject_named(info: ChildInfo, text: str) -> str | None:
    """The class's subject a question names ("thầy dạy Toán của con" → "Toán", "cô dạy văn" →
    "Ngữ văn"); longest first."""
    folded = f" {fold(text)} "
    for subject, _ in sorted(info.subjects, key=lambda s: -len(s[0])):
        name = fold(subject)
        last = name.split()[-1] if name else ""
        if f" {name} " in folded or (last and (f" day {last} " in folded or f" mon {last} " in folded)):
            return subject
    return None
