"""A family or student asking to talk to a person: recorded, and the homeroom teacher alerted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from enum import Enum

from sqlalchemy import select
from sqlalchemy.orm import Session

from chatbot.db.models import HelpRequest, Role
from chatbot.school import alerts
from chatbot.school.accounts import LinkedStudent, get_or_create_account, view_of
from chatbot.school.quoting import one_paragraph, quoted_words

REPEAT_WINDOW = timedelta(minutes=30)
MAX_MESSAGE = 1000
MAX_QUOTED = 500  # of the message, in the teacher's alert


class HelpStatus(str, Enum):
    ALERTED = "alerted"  # the homeroom teacher gets an alert
    ALREADY_ASKED = "already_asked"  # an open request of the last half hour was alerted already
    NO_TEACHER_ACCOUNT = "no_teacher_account"  # recorded; the teacher is not on the assistant
    NOT_LINKED = "not_linked"  # recorded for the school; no class to alert


@dataclass(frozen=True)
class HelpOutcome:
    status: HelpStatus
    student: LinkedStudent | None = None


def _alert_text(student: LinkedStudent, message: str) -> str:
    who = "Học sinh" if student.link_role is Role.STUDENT else "Phụ huynh của em"
    text = f"🙋 {who} {student.display_name} (lớp {student.class_name}) muốn trao đổi với thầy cô."
    if message:
        text += f"\nLời nhắn (nguyên văn): {quoted_words(message, MAX_QUOTED)}"
    return text + "\nThầy cô vui lòng liên hệ lại với gia đình khi thuận tiện."


def request_help(
    session: Session,
    *,
    channel: str,
    external_id: str,
    message: str,
    student_id: int | None = None,
    now: datetime | None = None,
) -> HelpOutcome:
    """Record the request for ``student_id`` (or the only linked student) and alert the teacher."""
    now = now or datetime.now(timezone.utc)
    account = get_or_create_account(session, channel, external_id)
    view = view_of(session, account)
    student = view.student(student_id) if student_id else None
    if student is None and len(view.students) == 1:
        student = view.students[0]
    message = one_paragraph(message, MAX_MESSAGE)
    class_id = student.class_id if student else None
    recent = session.execute(
        select(HelpRequest.id).where(
            HelpRequest.account_id == account.id,
            HelpRequest.class_id.is_(None) if class_id is None else HelpRequest.class_id == class_id,
            HelpRequest.handled_at.is_(None),
            HelpRequest.created_at >= now - REPEAT_WINDOW,
        )
    ).first()
    if recent is not None:
        return HelpOutcome(HelpStatus.ALREADY_ASKED, student)
    request = HelpRequest(account_id=account.id, class_id=class_id, message=message, created_at=now)
    session.add(request)
    session.flush()
    if student is None:
        return HelpOutcome(HelpStatus.NOT_LINKED)
    broadcast = alerts.queue_alert(
        session, class_id=student.class_id, text=_alert_text(student, message),
        idempotency_key=help_alert_key(request.id),
    )
    return HelpOutcome(HelpStatus.ALERTED if broadcast else HelpStatus.NO_TEACHER_ACCOUNT, student)


def help_alert_key(request_id: int) -> str:
    return f"help:{request_id}"
