"""A family's phone numbers in chat: which number belongs to which account (confirmed after
linking) and whether the family wants ZNS at all. Only numbers of the students an account is
linked to as a parent are ever shown (masked) or changed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from chatbot.db.models import AccountLink, Channel, ChatAccount, ParentPhone, Role, utcnow
from chatbot.school.phones import masked


@dataclass(frozen=True)
class PhoneQuestion:
    phone_id: int
    masked: str


def _parent_account(session: Session, channel: str, external_id: str) -> int | None:
    return session.execute(
        select(ChatAccount.id).where(
            ChatAccount.channel == Channel(channel), ChatAccount.external_id == external_id
        )
    ).scalar()


def _family_phones(session: Session, account_id: int) -> list[ParentPhone]:
    students = select(AccountLink.student_id).where(
        AccountLink.account_id == account_id, AccountLink.role == Role.PARENT
    )
    return list(
        session.execute(
            select(ParentPhone)
            .where(ParentPhone.student_id.in_(students.scalar_subquery()))
            .order_by(ParentPhone.student_id, ParentPhone.position)
        ).scalars()
    )


def phone_to_confirm(session: Session, channel: str, external_id: str) -> PhoneQuestion | None:
    """The first roster number of this parent's family that no account has confirmed yet."""
    account_id = _parent_account(session, channel, external_id)
    if account_id is None:
        return None
    for phone in _family_phones(session, account_id):
        if phone.account_id is None:
            return PhoneQuestion(phone.id, masked(phone.phone))
    return None


def confirm_phone(
    session: Session, channel: str, external_id: str, phone_id: int, now: datetime | None = None
) -> str | None:
    """Record that the number is this account's (every roster row with that number in the
    family); returns it masked, or None when it is not a number of this account's family."""
    account_id = _parent_account(session, channel, external_id)
    if account_id is None:
        return None
    phones = _family_phones(session, account_id)
    chosen = next((p for p in phones if p.id == phone_id), None)
    if chosen is None:
        return None
    for phone in phones:
        if phone.phone == chosen.phone:
            phone.account_id = account_id
            phone.confirmed_at = now or utcnow()
    return masked(chosen.phone)


def set_zns_choice(
    session: Session, channel: str, external_id: str, wants_zns: bool, now: datetime | None = None
) -> int:
    """Keep the family's choice for every roster number of the students this parent is linked
    to; returns how many numbers it covers (0: not a linked parent, or no number on file)."""
    account_id = _parent_account(session, channel, external_id)
    if account_id is None:
        return 0
    phones = _family_phones(session, account_id)
    for phone in phones:
        phone.zns_opt_out_at = None if wants_zns else (phone.zns_opt_out_at or now or utcnow())
    return len(phones)
