"""Queue alerts and notices in the delivery outbox (:mod:`chatbot.delivery.outbox`).

An alert goes to the active chat accounts of a class's homeroom teacher; a notice goes to
one account. Both are idempotent by key: queuing the same key again returns the first row.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from chatbot.alert_keys import MARK_HANDLED_INTENT as MARK_HANDLED_INTENT
from chatbot.alert_keys import alert_buttons as alert_buttons_for_key
from chatbot.alert_keys import incident_alert_key as incident_alert_key
from chatbot.db.models import Broadcast, ChatAccount, SchoolClass
from chatbot.delivery.staff_alerts import SENDER as SENDER
from chatbot.delivery.staff_alerts import queue_staff_alert as queue_staff_alert
from chatbot.delivery.staff_alerts import queue_to_accounts
from chatbot.delivery.staff_alerts import staff_accounts as staff_accounts


def homeroom_accounts(session: Session, class_id: int) -> list[ChatAccount]:
    """Active chat accounts of the class's homeroom teacher (none when unset or unlinked)."""
    teacher_id = session.execute(
        select(SchoolClass.homeroom_teacher_id).where(SchoolClass.id == class_id)
    ).scalar_one_or_none()
    if teacher_id is None:
        return []
    return list(
        session.execute(
            select(ChatAccount)
            .where(ChatAccount.staff_member_id == teacher_id, ChatAccount.active.is_(True))
            .order_by(ChatAccount.id)
        ).scalars()
    )


def queue_alert(
    session: Session, *, class_id: int, text: str, idempotency_key: str, urgent: bool = True,
    now: datetime | None = None,
) -> Broadcast | None:
    """An alert (urgent unless said otherwise) to the class's homeroom teacher; None when no
    account of theirs can get it."""
    school_class = session.get(SchoolClass, class_id)
    if school_class is None:
        return None
    return queue_to_accounts(
        session,
        accounts=homeroom_accounts(session, class_id),
        text=text,
        idempotency_key=idempotency_key,
        school_id=school_class.school_id,
        audience=f"homeroom:{school_class.name}",
        urgent=urgent,
        now=now,
    )


def queue_notice(
    session: Session, *, account_id: int, text: str, idempotency_key: str, school_id: int | None = None
) -> Broadcast | None:
    """A message to one account (e.g. a reporter told their report was handled)."""
    account = session.get(ChatAccount, account_id)
    accounts = [account] if account is not None and account.active else []
    return queue_to_accounts(
        session,
        accounts=accounts,
        text=text,
        idempotency_key=idempotency_key,
        school_id=school_id,
        audience=notice_audience(account_id),
        urgent=False,
    )




def notice_audience(account_id: int) -> str:
    """The audience label of a notice to one account."""
    return f"account:{account_id}"


def alert_buttons(broadcast: Broadcast) -> list[tuple[str, str]]:
    """Quick replies that go with an alert: (title, payload)."""
    return alert_buttons_for_key(broadcast.idempotency_key)
