"""Who a broadcast reached by which route, who it could not reach and why; and, per class,
how many families each route reaches today (``chatbot status``, the report, the web app).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chatbot.db.models import AccountLink, Delivery, DeliveryStatus, SchoolClass, Student
from chatbot.delivery.routes import FREE_ROUTES, Route, account_route, load_families, phone_route
from chatbot.delivery.zalo_templates import templates_by_key

REACH_COLUMNS = ("telegram", "zalo_bot", "zalo_cs", "zalo_transaction", "zns", "none")
REACH_LABELS = {
    "telegram": "Telegram",
    "zalo_bot": "Zalo Bot",
    "zalo_cs": "Zalo trong 7 ngày",
    "zalo_transaction": "Zalo tin giao dịch",
    "zns": "ZNS",
    "none": "Không liên lạc được",
}


@dataclass(frozen=True)
class Unreachable:
    class_name: str
    roll_number: int
    full_name: str
    reason: str


def unreachable(session: Session, broadcast_id: int) -> list[Unreachable]:
    """Families (or accounts) of a broadcast no route reached, with the reason; by class, roll."""
    rows = session.execute(
        select(Delivery.student_id, Delivery.account_id, Delivery.route_reason, Delivery.last_error)
        .where(
            Delivery.broadcast_id == broadcast_id,
            Delivery.status == DeliveryStatus.FAILED,
        )
    ).all()
    students: dict[int, str] = {}
    for student_id, account_id, reason, error in rows:
        if student_id is None and account_id is not None:
            student_id = session.execute(
                select(AccountLink.student_id).where(AccountLink.account_id == account_id).limit(1)
            ).scalar()
        if student_id is not None:
            students[student_id] = (reason or error or "")[:160]
    if not students:
        return []
    found = session.execute(
        select(Student.id, SchoolClass.name, Student.roll_number, Student.full_name)
        .join(SchoolClass, SchoolClass.id == Student.class_id)
        .where(Student.id.in_(list(students)))
    ).all()
    listed = [Unreachable(name, roll, full, students[sid]) for sid, name, roll, full in found]
    return sorted(listed, key=lambda u: (u.class_name, u.roll_number))


def route_counts(session: Session, broadcast_id: int) -> dict[str, int]:
    """Deliveries of a broadcast per route (``none`` for the unreachable)."""
    counts: Counter[str] = Counter()
    for route, count in session.execute(
        select(Delivery.route, func.count())
        .where(Delivery.broadcast_id == broadcast_id)
        .group_by(Delivery.route)
    ):
        counts[route or "none"] += count
    return dict(counts)


@dataclass
class ClassReach:
    class_id: int
    class_name: str
    counts: dict[str, int] = field(default_factory=dict)  # REACH_COLUMNS → families

    @property
    def families(self) -> int:
        return sum(self.counts.values())


def class_reach(
    session: Session, now: datetime, school_id: int | None = None, kind: str = "class_reminder"
) -> list[ClassReach]:
    """Per class: families reachable now by each route (the best one each family has), and
    families not reachable at all."""
    query = select(SchoolClass.id, SchoolClass.name, Student.id).join(
        Student, Student.class_id == SchoolClass.id
    )
    if school_id is not None:
        query = query.where(SchoolClass.school_id == school_id)
    by_class: dict[int, list[int]] = defaultdict(list)
    names: dict[int, str] = {}
    for class_id, name, student_id in session.execute(query):
        by_class[class_id].append(student_id)
        names[class_id] = name
    templates = templates_by_key(session)
    families = load_families(session, [s for ids in by_class.values() for s in ids])
    result: list[ClassReach] = []
    for class_id, student_ids in by_class.items():
        counts = dict.fromkeys(REACH_COLUMNS, 0)
        for student_id in student_ids:
            family = families[student_id]
            routes = [account_route(a, now, templates, kind)[0] for a in family.accounts]
            free = [r for r in routes if r is not None and r in FREE_ROUTES]
            if free:
                best = min(free, key=lambda r: list(Route).index(r)).value
                counts[best if best in counts else "telegram"] += 1
            elif any(r is Route.ZALO_TRANSACTION for r in routes):
                counts["zalo_transaction"] += 1
            elif phone_route(family, templates, kind, set())[0] is not None:
                counts["zns"] += 1
            else:
                counts["none"] += 1
        result.append(ClassReach(class_id, names[class_id], counts))
    return sorted(result, key=lambda c: c.class_name)
