"""Invites by ZNS: each family with a phone on the class list and no linked account gets its
one-time code (and the OA's follow link) on Zalo instead of a printed sheet; a week later staff
see who has still not linked.

The code is sent straight away, never stored in plain text (an outbox row would keep it): the
command issues the codes, reserves each message on the daily budget and sends it through the
``zns`` sender, recording ``parent_phones.invite_sent_at``. Numbers are never logged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from chatbot.db.engine import session_scope
from chatbot.db.models import AccountLink, ParentPhone, Role, SchoolClass, Student, utcnow
from chatbot.delivery import budget
from chatbot.delivery.outbound import OutboundMessage, Sender
from chatbot.delivery.routes import Route, price_vnd
from chatbot.delivery.zalo_templates import misfit, render, templates_by_key, usable, values
from chatbot.school.invite_batches import issue_for_class
from chatbot.school.invite_sheets import oa_follow_url
from chatbot.school.phones import masked

KIND = "invite"


class ZnsInviteError(ValueError):
    """Invites cannot be sent by ZNS as asked; the message is for staff."""


@dataclass
class ZnsInviteResult:
    sent: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def _linked(session: Session, student_ids: list[int]) -> set[int]:
    return set(
        session.execute(
            select(AccountLink.student_id).where(
                AccountLink.student_id.in_(student_ids), AccountLink.role == Role.PARENT
            )
        ).scalars()
    )


def _candidates(session: Session, school_class: SchoolClass, resend: bool) -> dict[int, tuple[int, str]]:
    """roll → (student id, phone) of the families to invite: a usable phone, no parent linked."""
    rows = session.execute(
        select(Student.id, Student.roll_number, ParentPhone.phone, ParentPhone.invite_sent_at)
        .join(ParentPhone, ParentPhone.student_id == Student.id)
        .where(Student.class_id == school_class.id, ParentPhone.zns_opt_out_at.is_(None))
        .order_by(Student.roll_number, ParentPhone.confirmed_at.is_(None), ParentPhone.position)
    ).all()
    linked = _linked(session, [r[0] for r in rows])
    found: dict[int, tuple[int, str]] = {}
    for student_id, roll, phone, sent_at in rows:
        if student_id in linked or roll in found or (sent_at is not None and not resend):
            continue
        found[roll] = (student_id, phone)
    return found


async def send_invites(
    class_id: int, sender: Sender, *, regenerate: bool = False, resend: bool = False,
    now: datetime | None = None,
) -> ZnsInviteResult:
    """Issue parent codes for the class's unlinked families with a phone and send them by ZNS."""
    now = now or utcnow()
    result = ZnsInviteResult()
    with session_scope() as session:
        school_class = session.get(SchoolClass, class_id)
        if school_class is None:
            raise ZnsInviteError("không có lớp này")
        template = usable(templates_by_key(session), KIND, Route.ZNS.value)
        if template is None:
            raise ZnsInviteError(
                "chưa khai báo mẫu ZNS cho loại 'invite' (chatbot zalo templates set invite zns …)"
            )
        candidates = _candidates(session, school_class, resend)
        if not candidates:
            return result
        batch = issue_for_class(
            session, school_class, Role.PARENT, rolls=set(candidates), regenerate=regenerate, now=now
        )
        result.skipped.extend(batch.skipped)
        school_name = school_class.school.name
    price = price_vnd(Route.ZNS)
    for invite in batch.issued:
        student_id, phone = candidates[invite.roll_number or 0]
        who = f"STT {invite.roll_number:02d} ({masked(phone)})"
        sources = values(template, text="", school=school_name, when=now, code=invite.code,
                         link=oa_follow_url() or "")
        reason = misfit(template, sources)
        if reason:
            result.failed.append(f"{who}: {reason}")
            continue
        with session_scope() as session:
            reserved = budget.reserve(session, price, now)
        if not reserved:
            result.failed.append(f"{who}: hết ngân sách ZNS hôm nay")
            continue
        sent = await sender.send(
            phone, OutboundMessage(text="", route=Route.ZNS.value, template=render(template, sources),
                                   tracking_id=f"invite-{student_id}"),
        )
        with session_scope() as session:
            if sent.ok:
                same = (ParentPhone.student_id == student_id) & (ParentPhone.phone == phone)
                for row in session.execute(select(ParentPhone).where(same)).scalars():
                    row.invite_sent_at = now
                result.sent.append(who)
            else:
                budget.refund(session, price, now)
                result.failed.append(f"{who}: {sent.error or 'không gửi được'}")
    return result


@dataclass(frozen=True)
class NotLinked:
    class_name: str
    roll_number: int
    full_name: str
    phone: str  # masked
    invited_at: datetime


def not_linked_after(
    session: Session, school_id: int, days: int = 7, now: datetime | None = None
) -> list[NotLinked]:
    """Families invited by ZNS at least ``days`` ago whose parent has still not linked."""
    now = now or utcnow()
    linked = exists().where(AccountLink.student_id == Student.id, AccountLink.role == Role.PARENT)
    rows = session.execute(
        select(SchoolClass.name, Student.roll_number, Student.full_name, ParentPhone.phone,
               ParentPhone.invite_sent_at)
        .join(Student, Student.class_id == SchoolClass.id)
        .join(ParentPhone, ParentPhone.student_id == Student.id)
        .where(
            SchoolClass.school_id == school_id,
            ParentPhone.invite_sent_at.is_not(None),
            ParentPhone.invite_sent_at <= now - timedelta(days=days),
            ~linked,
        )
        .order_by(SchoolClass.name, Student.roll_number)
    ).all()
    seen: set[tuple[str, int]] = set()
    listed: list[NotLinked] = []
    for name, roll, full_name, phone, sent_at in rows:
        if (name, roll) not in seen:
            seen.add((name, roll))
            listed.append(NotLinked(name, roll, full_name, masked(phone), sent_at))
    return listed
