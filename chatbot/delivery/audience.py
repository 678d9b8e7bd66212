"""Who a broadcast goes to: a school, grades, classes or listed students, and their accounts.

An :class:`Audience` names students; the recipients are the *active* chat accounts linked to
those students (parents and the students themselves, or only one of the two groups), and, when
asked, the teachers of those students (their homeroom teachers; for a whole school every staff
member), each account once. Its label, stored on the broadcast, reads like
``school=HS;grade=6;class=6A,6B;students=6A:1,6A:5`` (``;to=parents,teachers`` when the groups
are not the default parents and students).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import distinct, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from chatbot.db.models import AccountLink, ChatAccount, Role, School, SchoolClass, StaffMember, Student
from chatbot.delivery.outbox import prefer_hash_joins

LABEL_LIMIT = 200  # Broadcast.audience length
GROUPS = ("parents", "students", "teachers")
FAMILIES = ("parents", "students")
_LINK_ROLE = {"parents": Role.PARENT, "students": Role.STUDENT}
GROUP_LABELS = {"parents": "phụ huynh", "students": "học sinh", "teachers": "giáo viên"}
_LABEL_WORDS = {"grade": "khối", "class": "lớp", "students": "học sinh"}
_STUDENT_ITEM = re.compile(r"^\s{0,8}([0-9A-Za-z.\-_]{1,32})\s{0,8}:\s{0,8}(\d{1,9})\s{0,8}$")


class AudienceError(ValueError):
    """The audience names a school, grade, class or student that does not exist."""


@dataclass(frozen=True)
class Audience:
    """Students of a school: all of them, or the union of the grades, classes and students given."""

    school: str | None = None
    grades: tuple[int, ...] = ()
    classes: tuple[str, ...] = ()
    students: tuple[tuple[str, int], ...] = ()
    groups: tuple[str, ...] = FAMILIES  # of GROUPS

    def __post_init__(self) -> None:
        unknown = set(self.groups) - set(GROUPS)
        if unknown:
            raise AudienceError(f"nhóm nhận không hợp lệ: {', '.join(sorted(unknown))}")
        if not self.groups:
            raise AudienceError("chưa chọn nhóm nhận (phụ huynh, học sinh hoặc giáo viên)")

    @property
    def whole_school(self) -> bool:
        return not (self.grades or self.classes or self.students)

    def label(self, school_code: str | None = None) -> str:
        """A canonical, readable description (at most 200 characters)."""
        parts = [f"school={school_code or self.school or ''}"]
        if set(self.groups) != set(FAMILIES):
            parts.append("to=" + ",".join(g for g in GROUPS if g in self.groups))
        if self.grades:
            parts.append("grade=" + ",".join(str(g) for g in sorted(set(self.grades))))
        if self.classes:
            parts.append("class=" + ",".join(sorted({c.upper() for c in self.classes})))
        if self.students:
            items = sorted({(c.upper(), r) for c, r in self.students})
            full = ";".join([*parts, "students=" + ",".join(f"{c}:{r}" for c, r in items)])
            if len(full) <= LABEL_LIMIT:
                return full
            # Too many to list: keep which classes they are in.
            parts.append("students=" + ",".join(f"{c}:…" for c in sorted({c for c, _ in items})))
        return ";".join(parts)[:LABEL_LIMIT]


def parse_students(spec: str) -> tuple[tuple[str, int], ...]:
    """``"6A:1, 6A:5"`` → ``(("6A", 1), ("6A", 5))``; raises :class:`AudienceError` if malformed."""
    items: list[tuple[str, int]] = []
    for raw in spec.split(","):
        if not raw.strip():
            continue
        match = _STUDENT_ITEM.match(raw)
        if match is None:
            raise AudienceError(f"“{raw.strip()}” không đúng dạng LỚP:STT (ví dụ 6A:5)")
        items.append((match.group(1).upper(), int(match.group(2))))
    if not items:
        raise AudienceError("chưa nêu học sinh nào; viết LỚP:STT, ví dụ 6A:1,6A:5")
    return tuple(items)


def find_school(session: Session, code: str | None) -> School:
    """The school with ``code``; without a code, the only school in the database."""
    if code:
        school = session.execute(select(School).where(School.code == code)).scalar_one_or_none()
        if school is None:
            raise AudienceError(f"không có trường mã {code}")
        return school
    schools = session.execute(select(School).limit(2)).scalars().all()
    if len(schools) != 1:
        raise AudienceError("hệ thống không có đúng một trường; chọn trường bằng --school MÃ")
    return schools[0]


def _classes_by_name(session: Session, school: School) -> dict[str, SchoolClass]:
    rows = session.execute(select(SchoolClass).where(SchoolClass.school_id == school.id)).scalars()
    return {c.name.upper(): c for c in rows}


def student_query(session: Session, school: School, audience: Audience) -> Select:
    """A ``SELECT students.id`` of the audience; unknown grades, classes or rolls raise."""
    classes = _classes_by_name(session, school)
    query = select(Student.id).join(SchoolClass, Student.class_id == SchoolClass.id)
    query = query.where(SchoolClass.school_id == school.id)
    if audience.whole_school:
        return query
    conditions = []
    for grade in audience.grades:
        if not any(c.grade == grade for c in classes.values()):
            raise AudienceError(f"trường {school.code} không có lớp nào thuộc khối {grade}")
    if audience.grades:
        conditions.append(SchoolClass.grade.in_(audience.grades))
    unknown = sorted({c.upper() for c in audience.classes} - classes.keys())
    unknown += sorted({c.upper() for c, _ in audience.students} - classes.keys() - set(unknown))
    if unknown:
        raise AudienceError(f"trường {school.code} không có lớp {', '.join(unknown)}")
    if audience.classes:
        conditions.append(SchoolClass.id.in_([classes[c.upper()].id for c in audience.classes]))
    if audience.students:
        wanted = {(classes[c.upper()].id, roll) for c, roll in audience.students}
        found = set(
            session.execute(
                select(Student.class_id, Student.roll_number).where(
                    Student.class_id.in_({cid for cid, _ in wanted})
                )
            ).all()
        )
        names = {c.id: c.name for c in classes.values()}
        missing = sorted(wanted - {tuple(row) for row in found})
        if missing:
            listed = ", ".join(f"{names[cid]}:{roll}" for cid, roll in missing)
            raise AudienceError(f"không có học sinh {listed}")
        conditions.append(
            or_(*(
                (Student.class_id == cid) & (Student.roll_number == roll) for cid, roll in wanted
            ))
        )
    return query.where(or_(*conditions))


def recipient_query(students: Select, groups: tuple[str, ...] = FAMILIES) -> Select:
    """``SELECT DISTINCT chat_accounts.id`` of active accounts linked to ``students`` in the
    family ``groups`` (parents, students)."""
    roles = [_LINK_ROLE[g] for g in groups if g in _LINK_ROLE]
    query = (
        select(distinct(ChatAccount.id))
        .join(AccountLink, AccountLink.account_id == ChatAccount.id)
        .where(AccountLink.student_id.in_(students.scalar_subquery()), ChatAccount.active.is_(True))
    )
    if set(roles) != set(_LINK_ROLE.values()):
        query = query.where(AccountLink.role.in_(roles))
    return query


def teacher_query(school: School, audience: Audience, students: Select) -> Select:
    """``SELECT DISTINCT chat_accounts.id`` of the active chat accounts of the audience's
    teachers: every staff member for a whole school, else the students' homeroom teachers."""
    if audience.whole_school:
        staff = select(StaffMember.id).where(StaffMember.school_id == school.id)
    else:
        staff = (
            select(SchoolClass.homeroom_teacher_id)
            .join(Student, Student.class_id == SchoolClass.id)
            .where(Student.id.in_(students.scalar_subquery()), SchoolClass.homeroom_teacher_id.is_not(None))
        )
    return select(distinct(ChatAccount.id)).where(
        ChatAccount.staff_member_id.in_(staff.scalar_subquery()), ChatAccount.active.is_(True)
    )


def recipients(session: Session, school: School, audience: Audience) -> list[int]:
    """Ids of the audience's active accounts, each once, sorted."""
    prefer_hash_joins(session)
    students = student_query(session, school, audience)
    found: set[int] = set()
    if set(audience.groups) & set(FAMILIES):
        found |= set(session.execute(recipient_query(students, audience.groups)).scalars())
    if "teachers" in audience.groups:
        found |= set(session.execute(teacher_query(school, audience, students)).scalars())
    return sorted(found)


def class_recipients(session: Session, class_id: int) -> list[int]:
    """Ids of the active accounts linked to the students of one class."""
    students = select(Student.id).where(Student.class_id == class_id)
    return sorted(session.execute(recipient_query(students)).scalars())


def class_families(session: Session, class_id: int) -> list[int]:
    """Students of one class: their families are reached by a route each (routes.plan)."""
    return sorted(session.execute(select(Student.id).where(Student.class_id == class_id)).scalars())


def classes_in_scope(session: Session, school_id: int | None, label: str) -> set[str] | None:
    """Class names a broadcast's label is limited to (grades expanded); ``None`` for no limit.

    Labels that name no grade, class or student (a whole school, or a label written by
    another part of the system) have no limit.
    """
    fields = dict(part.split("=", 1) for part in label.split(";") if "=" in part)
    if not ({"grade", "class", "students"} & fields.keys()):
        return None
    names = {c for c in fields.get("class", "").split(",") if c}
    names |= {item.split(":", 1)[0] for item in fields.get("students", "").split(",") if item}
    grades = [int(g) for g in fields.get("grade", "").split(",") if g.strip().isdigit()]
    if grades and school_id is not None:
        names |= set(
            session.execute(
                select(SchoolClass.name).where(
                    SchoolClass.school_id == school_id, SchoolClass.grade.in_(grades)
                )
            ).scalars()
        )
    return names


def describe(label: str) -> str:
    """A label in words: ``school=HS;grade=6;class=6A,6B;to=parents`` → "Khối 6; lớp 6A, 6B — phụ huynh"."""
    parts = dict(part.split("=", 1) for part in label.split(";") if "=" in part)
    if not parts:
        return label
    described = [
        f"{name} {parts[key].replace(',', ', ')}" for key, name in _LABEL_WORDS.items() if parts.get(key)
    ]
    text = "; ".join(described) or "toàn trường"
    groups = [GROUP_LABELS[g] for g in parts.get("to", "").split(",") if g in GROUP_LABELS]
    if groups:
        text += " — " + ", ".join(groups)
    return text[0].upper() + text[1:]
