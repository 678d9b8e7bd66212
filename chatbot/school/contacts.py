"""The school's and the education office's official contacts, and "is this really them?".

Staff keep the list (``chatbot contacts``). A family pastes a phone number, a message or a
link; :func:`check_text` finds the phone numbers, emails and web addresses in it and says for
each whether it is on the list and whose it is. Phone numbers are compared in their national
form (``+84 912 345 678`` and ``0912.345.678`` are the same number). Scam reports record the
numbers they name (:func:`record_numbers`), so reports of one number group into a campaign.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chatbot.db.models import (
    BroadcastKind,
    ChatAccount,
    IncidentKind,
    IncidentReport,
    OfficialContact,
    ReportedNumber,
    School,
    StaffMember,
    StaffRole,
)
from chatbot.delivery.outbox import queue_broadcast

# Bounded widths: these run on chat text (tests/house/test_linear_text.py).
_PHONE = re.compile(r"(?<![\d+])(?:\+ ?84|84|0)(?:[ .\-]?\d){8,10}(?!\d)")
_EMAIL = re.compile(r"[\w.+\-]{1,64}@[\w\-]{1,63}(?:\.[\w\-]{1,63}){1,4}")
_LINK = re.compile(r"(?i)(?:https?://)?(?:www\.)?((?:[a-z0-9\-]{1,63}\.){1,5}[a-z]{2,12})(?=[/\s:?#.,)!]|$)")
_ZALO_OA = re.compile(r"(?i)\boa\.zalo\.me/(\d{4,30})")
MAX_FOUND = 5
CAMPAIGN_AT = 3  # reports naming one number that make the school's staff hear of it


def national(phone: str) -> str | None:
    """``+84 912 345 678`` → ``0912345678``; None when it is not a Vietnamese number."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if digits.startswith("84") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    return digits if digits.startswith("0") and len(digits) in (10, 11) else None


@dataclass(frozen=True)
class Found:
    """One thing pasted by the family and what the list says about it."""

    kind: str  # "phone", "email", "web"
    value: str
    contact: OfficialContact | None


def _domain(value: str) -> str:
    value = value.lower()
    return value[4:] if value.startswith("www.") else value


def items_in(text: str) -> list[tuple[str, str]]:
    """(kind, normalised value) of the numbers, emails and web addresses in ``text``."""
    text = text[:4096]
    items: list[tuple[str, str]] = []
    for match in _PHONE.finditer(text):
        number = national(match.group(0))
        if number and ("phone", number) not in items:
            items.append(("phone", number))
    emails = [m.group(0).lower() for m in _EMAIL.finditer(text)]
    for email in emails:
        if ("email", email) not in items:
            items.append(("email", email))
    email_domains = {e.rpartition("@")[2] for e in emails}
    for match in _LINK.finditer(text):
        domain = _domain(match.group(1))
        if domain in email_domains or domain.replace(".", "").isdigit():
            continue
        if ("web", domain) not in items:
            items.append(("web", domain))
    return items[:MAX_FOUND]


def _contacts(session: Session, school_ids: frozenset[int] | None) -> list[OfficialContact]:
    query = select(OfficialContact)
    if school_ids:
        query = query.where(OfficialContact.school_id.in_(school_ids) | OfficialContact.school_id.is_(None))
    return list(session.execute(query.order_by(OfficialContact.id)).scalars())


def _matches(contact: OfficialContact, kind: str, value: str) -> bool:
    if kind == "phone":
        return national(contact.phone or "") == value  # stored numbers are national; be lenient
    if kind == "email":
        return (contact.email or "").lower() == value
    sites = [_domain(s) for s in (contact.website, contact.zalo) if s]
    return any(site == value or site.startswith(value + "/") for site in sites)


def check_text(session: Session, text: str, school_ids: frozenset[int] | None = None) -> list[Found]:
    """What the official list says about each number, email and web address in ``text``."""
    contacts = _contacts(session, school_ids)
    found = []
    for kind, value in items_in(text):
        contact = next((c for c in contacts if _matches(c, kind, value)), None)
        found.append(Found(kind, value, contact))
    zalo = _ZALO_OA.search(text[:4096])
    if zalo:
        oa = f"oa.zalo.me/{zalo.group(1)}"
        contact = next((c for c in contacts if c.zalo and _domain(c.zalo).endswith(oa)), None)
        found = [f for f in found if f.value != "oa.zalo.me"] + [Found("web", oa, contact)]
    return found


def owner_text(contact: OfficialContact, session: Session) -> str:
    """Whose contact it is: "Nguyễn Văn A — Hiệu trưởng, Trường THCS Hoa Sen"."""
    where = "Phòng GDĐT"
    if contact.school_id is not None:
        school = session.get(School, contact.school_id)
        where = school.name if school else where
    role = f" — {contact.role}" if contact.role else ""
    return f"{contact.name}{role}, {where}"


# -- staff's list ------------------------------------------------------------------------------


class ContactError(ValueError):
    """A contact that cannot be stored; the message says which field."""


def add_contact(
    session: Session,
    *,
    school_code: str | None,
    name: str,
    role: str = "",
    phone: str | None = None,
    zalo: str | None = None,
    email: str | None = None,
    website: str | None = None,
) -> OfficialContact:
    school_id = None
    if school_code:
        school = session.execute(select(School).where(School.code == school_code)).scalar_one_or_none()
        if school is None:
            raise ContactError(f"no school with code {school_code}")
        school_id = school.id
    if not name.strip():
        raise ContactError("name is empty")
    number = None
    if phone:
        number = national(phone)
        if number is None:
            raise ContactError("phone is not a Vietnamese phone number")
    if not (number or zalo or email or website):
        raise ContactError("give at least one of phone, zalo, email, website")
    if email and not _EMAIL.fullmatch(email.strip()):
        raise ContactError("email is not an email address")
    contact = OfficialContact(
        school_id=school_id,
        name=name.strip()[:200],
        role=role.strip()[:200],
        phone=number,
        zalo=(zalo or "").strip()[:200] or None,
        email=(email or "").strip().lower()[:200] or None,
        website=_domain((website or "").strip().removeprefix("https://").removeprefix("http://"))[:200]
        or None,
    )
    session.add(contact)
    session.flush()
    return contact


def list_contacts(session: Session) -> list[OfficialContact]:
    return list(
        session.execute(
            select(OfficialContact).order_by(OfficialContact.school_id, OfficialContact.id)
        ).scalars()
    )


def remove_contact(session: Session, contact_id: int) -> bool:
    contact = session.get(OfficialContact, contact_id)
    if contact is None:
        return False
    session.delete(contact)
    return True


# -- scam reports by number --------------------------------------------------------------------


def record_numbers(session: Session, reference: str, text: str) -> list[str]:
    """Store the phone numbers a scam report names; returns them."""
    report = session.execute(
        select(IncidentReport).where(IncidentReport.reference == reference)
    ).scalar_one_or_none()
    if report is None:
        return []
    numbers = [value for kind, value in items_in(text) if kind == "phone"]
    for number in numbers:
        session.add(ReportedNumber(incident_id=report.id, phone=number))
    session.flush()
    if report.school_id is not None:
        for number in numbers:
            _alert_campaign(session, report.school_id, number)
    return numbers


def _alert_campaign(session: Session, school_id: int, phone: str) -> None:
    """Tell the school's staff once, when :data:`CAMPAIGN_AT` reports name the same number."""
    count = session.execute(
        select(func.count(ReportedNumber.id))
        .join(IncidentReport, IncidentReport.id == ReportedNumber.incident_id)
        .where(ReportedNumber.phone == phone, IncidentReport.school_id == school_id)
    ).scalar_one()
    if count != CAMPAIGN_AT:
        return
    accounts = list(
        session.execute(
            select(ChatAccount.id)
            .join(StaffMember, StaffMember.id == ChatAccount.staff_member_id)
            .where(
                StaffMember.school_id == school_id,
                StaffMember.role == StaffRole.STAFF,
                ChatAccount.active.is_(True),
            )
        ).scalars()
    )
    if not accounts:
        return
    queue_broadcast(
        session,
        key=f"scam-campaign:{school_id}:{phone}",
        kind=BroadcastKind.ALERT,
        audience="staff",
        text=f"⚠️ Đã có {count} báo cáo mạo danh cùng nêu số {phone}: có thể là một đợt lừa đảo nhắm vào "
        "gia đình của trường. Xem: chatbot contacts campaigns, hoặc trang “Liên hệ chính thức”.",
        account_ids=accounts,
        sender="contacts",
        school_id=school_id,
        urgent=False,
    )


@dataclass(frozen=True)
class Campaign:
    phone: str
    reports: int
    first_at: object
    last_at: object
    official: bool  # the number is on the official list (someone may be spoofing it)


def campaigns(
    session: Session,
    school_id: int | None = None,
    since: object = None,
    until: object = None,
    minimum: int = 1,
) -> list[Campaign]:
    """Impersonation (scam) reports grouped by the number they name, most reported first."""
    query = (
        select(
            ReportedNumber.phone,
            func.count(ReportedNumber.id),
            func.min(IncidentReport.created_at),
            func.max(IncidentReport.created_at),
        )
        .join(IncidentReport, IncidentReport.id == ReportedNumber.incident_id)
        .where(IncidentReport.kind == IncidentKind.SCAM)
        .group_by(ReportedNumber.phone)
    )
    if school_id is not None:
        query = query.where(IncidentReport.school_id == school_id)
    if since is not None:
        query = query.where(IncidentReport.created_at >= since)
    if until is not None:
        query = query.where(IncidentReport.created_at < until)
    listed = select(OfficialContact.phone).where(OfficialContact.phone.is_not(None))
    if school_id is not None:  # the school's own list and the office's, not another school's
        listed = listed.where((OfficialContact.school_id == school_id) | OfficialContact.school_id.is_(None))
    official = set(session.execute(listed).scalars())
    rows = [
        Campaign(phone, count, first, last, phone in official)
        for phone, count, first, last in session.execute(query)
    ]
    return sorted((r for r in rows if r.reports >= minimum), key=lambda c: (-c.reports, c.phone))
