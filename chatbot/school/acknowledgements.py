"""A family's confirmation that they read and will follow the rules, per student and version."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from chatbot.db.models import Acknowledgement
from chatbot.school.accounts import AccountView, LinkedStudent


@dataclass(frozen=True)
class AckResult:
    recorded: tuple[LinkedStudent, ...]
    already: tuple[tuple[LinkedStudent, datetime], ...]


def acknowledged_at(
    session: Session, account_id: int, student_ids: Sequence[int], version: str
) -> dict[int, datetime]:
    """When this account acknowledged ``version`` for each of the students that it did."""
    rows = session.execute(
        select(Acknowledgement.student_id, Acknowledgement.acknowledged_at).where(
            Acknowledgement.account_id == account_id,
            Acknowledgement.student_id.in_(list(student_ids)),
            Acknowledgement.rules_version == version,
        )
    ).all()
    return {row.student_id: row.acknowledged_at for row in rows}


def pending(session: Session, view: AccountView, version: str) -> list[LinkedStudent]:
    """Linked students this account has not yet acknowledged ``version`` for."""
    if view.account_id is None or not view.students:
        return []
    done = acknowledged_at(session, view.account_id, [s.student_id for s in view.students], version)
    return [s for s in view.students if s.student_id not in done]


def acknowledge(
    session: Session, view: AccountView, version: str, now: datetime | None = None
) -> AckResult:
    """Record the acknowledgement for every linked student that lacks it; report the others."""
    if view.account_id is None or not view.students:
        return AckResult((), ())
    now = now or datetime.now(timezone.utc)
    done = acknowledged_at(session, view.account_id, [s.student_id for s in view.students], version)
    recorded = [s for s in view.students if s.student_id not in done]
    for student in recorded:
        session.add(
            Acknowledgement(
                account_id=view.account_id, student_id=student.student_id,
                rules_version=version, acknowledged_at=now,
            )
        )
    session.flush()
    already = tuple((s, done[s.student_id]) for s in view.students if s.student_id in done)
    return AckResult(tuple(recorded), already)
