"""Unlink an account and delete its personal data; incident reports stay, anonymised."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from chatbot.db.models import (
    AccountLink,
    Acknowledgement,
    Broadcast,
    Channel,
    ChatAccount,
    Delivery,
    HelpRequest,
    IncidentReport,
    InviteAttempt,
    InviteCode,
)
from chatbot.school.accounts import find_account
from chatbot.school.help_requests import help_alert_key


@dataclass(frozen=True)
class ForgetOutcome:
    had_data: bool
    students_unlinked: int = 0
    reports_anonymised: int = 0


def forget_account(session: Session, channel: str, external_id: str) -> ForgetOutcome:
    """Delete the account of (channel, external_id) with its links, acknowledgements, help
    requests (and their alerts), deliveries and wrong-code tries; keep its incident reports
    with the reporter set to NULL."""
    attempts = session.execute(
        delete(InviteAttempt).where(
            InviteAttempt.channel == Channel(channel), InviteAttempt.external_id == external_id
        )
    ).rowcount or 0
    account = find_account(session, channel, external_id)
    if account is None:
        return ForgetOutcome(had_data=attempts > 0)
    account_id = account.id
    reports = session.execute(
        update(IncidentReport)
        .where(IncidentReport.reporter_account_id == account_id)
        .values(reporter_account_id=None)
        .execution_options(synchronize_session=False)
    ).rowcount or 0
    help_ids = session.execute(
        select(HelpRequest.id).where(HelpRequest.account_id == account_id)
    ).scalars().all()
    if help_ids:
        session.execute(
            delete(Broadcast)
            .where(Broadcast.idempotency_key.in_([help_alert_key(i) for i in help_ids]))
            .execution_options(synchronize_session=False)
        )
    session.execute(
        update(InviteCode)
        .where(InviteCode.used_by_account_id == account_id)
        .values(used_by_account_id=None)
        .execution_options(synchronize_session=False)
    )
    links = session.execute(
        select(AccountLink.id).where(AccountLink.account_id == account_id)
    ).scalars().all()
    for model in (Acknowledgement, HelpRequest, Delivery, AccountLink):
        session.execute(
            delete(model).where(model.account_id == account_id).execution_options(synchronize_session=False)
        )
    session.expunge(account)
    session.execute(delete(ChatAccount).where(ChatAccount.id == account_id))
    return ForgetOutcome(had_data=True, students_unlinked=len(links), reports_anonymised=reports)
