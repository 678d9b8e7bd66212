"""Unlink an account and delete its personal data; incident reports stay, anonymised.

What goes: the account, its links to students, acknowledgements, help requests and their
alerts, every message queued or sent to it (deliveries, and notices meant for it alone). What
stays, changed: its incident reports lose the reporter, and the names of its students are
taken out of the reports and of the alerts their teachers got; its absence notices and relay
threads are anonymised too (chatbot/school/family_privacy.py). What stays as it is: wrong
invite codes it typed, until housekeeping removes them a day later (a lock-out must survive
unlinking). The conversation history in Rasa's tracker store is erased by the tracker store
itself when the action asks (chatbot/tracker_events.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from chatbot.db.models import (
    AccountLink,
    Acknowledgement,
    Broadcast,
    ChatAccount,
    Delivery,
    HelpRequest,
    IncidentReport,
    InviteCode,
)
from chatbot.school.accounts import LinkedStudent, find_account, view_of
from chatbot.school.alerts import incident_alert_key, notice_audience
from chatbot.school.family_privacy import forget_family_talk
from chatbot.school.help_requests import help_alert_key
from chatbot.school.incidents import anonymised_alert

HIDDEN_NAME = "[tên đã xóa]"


@dataclass(frozen=True)
class ForgetOutcome:
    """What :func:`forget_account` deleted or anonymised, for the reply to say exactly."""

    had_data: bool
    students: tuple[LinkedStudent, ...] = ()
    staff_name: str | None = None
    acknowledgements: int = 0
    help_requests: int = 0
    messages: int = 0
    reports_anonymised: int = 0
    alerts_scrubbed: int = 0

    @property
    def students_unlinked(self) -> int:
        return len(self.students)


def without_names(text: str, names: set[str]) -> str:
    """``text`` with each of ``names`` (any letter case) replaced by :data:`HIDDEN_NAME`."""
    for name in sorted((n for n in names if n), key=len, reverse=True):
        lowered, target = text.lower(), name.lower()
        if len(lowered) != len(text):  # a letter whose lower case is longer: exact case only
            text = text.replace(name, HIDDEN_NAME)
            continue
        parts, start = [], 0
        while (found := lowered.find(target, start)) >= 0:
            parts += [text[start:found], HIDDEN_NAME]
            start = found + len(target)
        text = "".join([*parts, text[start:]])
    return text


def _anonymise_reports(session: Session, account_id: int, names: set[str]) -> tuple[int, int]:
    """Detach the account's reports and take its students' names out of them and their alerts."""
    reports = session.execute(
        select(IncidentReport).where(IncidentReport.reporter_account_id == account_id)
    ).scalars().all()
    scrubbed = 0
    for report in reports:
        report.description = without_names(report.description or "", names)
        report.reporter_account_id = None
        alert = session.execute(
            select(Broadcast).where(Broadcast.idempotency_key == incident_alert_key(report.reference))
        ).scalar_one_or_none()
        if alert is not None:
            alert.text = anonymised_alert(without_names(alert.text, names))
            scrubbed += 1
    session.flush()
    return len(reports), scrubbed


def _called(full_name: str) -> str:
    """How families usually write a child's name: the last two words ("Minh Anh")."""
    words = full_name.split()
    return " ".join(words[-2:]) if len(words) >= 3 else ""


def _delete(session: Session, model: type, account_id: int) -> int:
    result = session.execute(
        delete(model).where(model.account_id == account_id).execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def forget_account(session: Session, channel: str, external_id: str) -> ForgetOutcome:
    """Delete the account of (channel, external_id) as the module describes."""
    account = find_account(session, channel, external_id)
    if account is None:
        return ForgetOutcome(had_data=False)
    account_id = account.id
    view = view_of(session, account)
    names = {name for s in view.students for name in (s.full_name, s.display_name, _called(s.full_name))}
    reports, scrubbed = _anonymise_reports(session, account_id, names)
    forget_family_talk(session, account_id, lambda text: without_names(text, names))
    help_ids = session.execute(
        select(HelpRequest.id).where(HelpRequest.account_id == account_id)
    ).scalars().all()
    messages = _delete(session, Delivery, account_id)  # before its notices take theirs along
    own_broadcasts = Broadcast.audience == notice_audience(account_id)
    if help_ids:
        own_broadcasts = own_broadcasts | Broadcast.idempotency_key.in_([help_alert_key(i) for i in help_ids])
    session.execute(delete(Broadcast).where(own_broadcasts).execution_options(synchronize_session=False))
    session.execute(
        update(InviteCode)
        .where(InviteCode.used_by_account_id == account_id)
        .values(used_by_account_id=None)
        .execution_options(synchronize_session=False)
    )
    acknowledgements = _delete(session, Acknowledgement, account_id)
    help_requests = _delete(session, HelpRequest, account_id)
    _delete(session, AccountLink, account_id)
    session.expunge(account)
    session.execute(delete(ChatAccount).where(ChatAccount.id == account_id))
    return ForgetOutcome(
        had_data=True, students=view.students, staff_name=view.staff.full_name if view.staff else None,
        acknowledgements=acknowledgements, help_requests=help_requests, messages=messages,
        reports_anonymised=reports, alerts_scrubbed=scrubbed,
    )
