"""Incident reports (section 2) and scam reports (section 3): store, alert, mark handled.

A report gets the reference ``SC-<year>-<id:06d>`` (e.g. ``SC-2026-000123``), the year being
the school-local year it was made in; the row id makes it unique without a counter table.

Anyone may report, so reports are limited (issue 11):

- an account files at most ``INCIDENT_REPORTS_PER_ACCOUNT_PER_HOUR`` reports an hour; more are
  refused, nothing stored;
- a class's homeroom teacher gets at most ``INCIDENT_ALERTS_PER_CLASS_PER_HOUR`` alerts an
  hour; later reports are stored (and listed for staff) without a new alert;
- a report from an account not linked to the school needs the class confirmed by its exact
  name (the form asks), and in quiet hours its alert waits for the morning, unless a linked
  account reports about the same class, which sends the waiting alerts at once;
- the reporter's words reach the teacher as one quoted paragraph with links defanged
  (:mod:`chatbot.school.quoting`), below the assistant's own lines.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from enum import Enum

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from chatbot.db.models import (
    Broadcast,
    Delivery,
    DeliveryStatus,
    IncidentKind,
    IncidentReport,
    IncidentStatus,
    Role,
    School,
    SchoolClass,
)
from chatbot.delivery.quiet_hours import is_quiet, release_time
from chatbot.school import alerts
from chatbot.school.accounts import AccountView, bot_school_id, get_or_create_account, load_account, view_of
from chatbot.school.dates import fold, format_moment
from chatbot.school.quoting import one_paragraph, quoted_words
from chatbot.school.timetable import find_class, mentioned_class
from chatbot.settings import TIMEZONE, get_settings

REFERENCE_PREFIX = "SC"
MAX_DESCRIPTION = 2000
MAX_QUOTED = 1000  # of the description, in the teacher's alert
LIMIT_WINDOW = timedelta(hours=1)
CONFIRM_WINDOW = timedelta(hours=12)  # a linked report sends held alerts of this long ago
REPORTER_LINE = "• Người báo: "
WORDS_LINE = "• Lời người báo (nguyên văn, chưa kiểm chứng): "
ERASED_REPORTER = "(đã xóa theo yêu cầu của người báo)"

KIND_LABELS = {
    IncidentKind.STRANGER: "Người lạ vào lớp",
    IncidentKind.OFFENSIVE_CONTENT: "Nội dung xấu, phản cảm",
    IncidentKind.HARASSMENT: "Quấy rối, bắt nạt",
    IncidentKind.ACCOUNT_TAKEOVER: "Tài khoản bị chiếm",
    IncidentKind.OTHER: "Sự cố khác",
    IncidentKind.SCAM: "Mạo danh, rao bán thiết bị, tài liệu",
}


_KIND_WORDS = (
    (IncidentKind.STRANGER, re.compile(
        r"\b(?:nguoi la|ke la|nguoi ngoai|ng la|khong quen|gia lam hoc sinh|ten gia|xam nhap)\b"
    )),
    (IncidentKind.ACCOUNT_TAKEOVER, re.compile(
        r"\b(?:tai khoan bi|tk bi|hack|bi chiem|chiem tai khoan|mat tai khoan|doi mat khau|"
        r"dang nhap mat|bi dang nhap)\b"
    )),
    (IncidentKind.HARASSMENT, re.compile(
        r"\b(?:quay roi|bat nat|de doa|lang ma|khiem nha|xuc pham|trieu|treu choc|ep buoc)\b"
    )),
    (IncidentKind.OFFENSIVE_CONTENT, re.compile(
        r"\b(?:noi dung xau|xau doc|phan cam|doi truy|khieu dam|bay ba|noi bay|noi tuc|chui|"
        r"link doc|doc hai|bao luc|kinh di|anh nong)\b"
    )),
    (IncidentKind.OTHER, re.compile(r"^(?:khac|su co khac|loai khac|cai khac|van de khac)$")),
)


def kind_in(text: str) -> IncidentKind | None:
    """The kind of incident a message describes or a button names, if any."""
    folded = fold(text)
    return next((kind for kind, pattern in _KIND_WORDS if pattern.search(folded)), None)


class ClassProblem(str, Enum):
    NOT_FOUND = "not_found"
    NOT_ALLOWED = "not_allowed"


@dataclass(frozen=True)
class ClassChoice:
    """A class a report may be about, with its school's name for an unlinked reporter to confirm."""

    class_id: int
    class_name: str
    school_name: str

    @property
    def label(self) -> str:
        return f"Lớp {self.class_name} — {self.school_name}"


def classes_for_report(session: Session, view: AccountView, text: str) -> list[ClassChoice] | ClassProblem:
    """The classes a typed class name can mean for this account.

    Exact names only ("6a" is 6A; "%" or "6_" match nothing). A linked account may report on
    its own classes; an unlinked one on any class, possibly one per school (it confirms).
    """
    name = mentioned_class(text) or text.strip().upper()
    found = find_class(session, name, view.school_ids or None)
    if not found:
        return ClassProblem.NOT_FOUND
    if view.linked:
        found = [c for c in found if c.id in view.class_ids]
        if not found:
            return ClassProblem.NOT_ALLOWED
    return [ClassChoice(c.id, c.name, c.school.name) for c in sorted(found, key=lambda c: c.id)]


def class_for_report(session: Session, view: AccountView, text: str) -> tuple[int, str] | ClassProblem:
    """The first class :func:`classes_for_report` finds, as (id, name)."""
    found = classes_for_report(session, view, text)
    if isinstance(found, ClassProblem):
        return found
    return found[0].class_id, found[0].class_name


class ReportStatus(str, Enum):
    ALERTED = "alerted"  # the homeroom teacher gets an alert now
    HELD = "held"  # unlinked reporter at night: the alert goes when quiet hours end
    ENOUGH_ALERTS = "enough_alerts"  # stored; the teacher had the class's hourly maximum of alerts
    NO_TEACHER = "no_teacher"  # stored; no account of the homeroom teacher can get alerts
    TOO_MANY = "too_many"  # refused: this account's hourly maximum of reports


@dataclass(frozen=True)
class IncidentOutcome:
    reference: str | None
    class_name: str | None
    status: ReportStatus
    held_until: datetime | None = None

    @property
    def alerted(self) -> bool:
        return self.status in (ReportStatus.ALERTED, ReportStatus.HELD)


def reports_in_last_hour(session: Session, now: datetime, *, account_id: int | None = None,
                         class_id: int | None = None) -> int:
    query = select(func.count(IncidentReport.id)).where(IncidentReport.created_at > now - LIMIT_WINDOW)
    if account_id is not None:
        query = query.where(IncidentReport.reporter_account_id == account_id)
    if class_id is not None:
        query = query.where(IncidentReport.class_id == class_id)
    return session.execute(query).scalar_one()


def _over_account_limit(session: Session, account_id: int, now: datetime) -> bool:
    limit = get_settings().incident_reports_per_account_per_hour
    return reports_in_last_hour(session, now, account_id=account_id) >= limit


def may_report(session: Session, channel: str, external_id: str, now: datetime | None = None) -> bool:
    """Whether this account is still under its hourly number of reports."""
    account = load_account(session, channel, external_id)
    if account.account_id is None:
        return True
    return not _over_account_limit(session, account.account_id, now or datetime.now(timezone.utc))


def _reporter_phrase(view: AccountView, class_id: int | None) -> str:
    in_class = [s for s in view.students if s.class_id == class_id] or list(view.students)
    if view.staff is not None and not in_class:
        return f"giáo viên {view.staff.full_name}"
    if not in_class:
        return "một tài khoản chưa liên kết với trường (chưa xác minh)"
    student = in_class[0]
    if student.link_role is Role.STUDENT:
        return f"học sinh {student.display_name}"
    return f"phụ huynh của em {student.display_name}"


def _new_reference(report: IncidentReport) -> str:
    year = report.created_at.astimezone(TIMEZONE).year
    return f"{REFERENCE_PREFIX}-{year}-{report.id:06d}"


def _store(
    session: Session,
    *,
    kind: IncidentKind,
    view: AccountView,
    account_id: int,
    school_id: int | None,
    class_id: int | None,
    occurred_at: datetime,
    description: str,
    now: datetime,
) -> IncidentReport:
    role = view.role or (view.students[0].link_role if view.students else None)
    report = IncidentReport(
        reference=f"TMP-{uuid.uuid4().hex[:16]}",
        kind=kind,
        school_id=school_id,
        class_id=class_id,
        reporter_account_id=account_id,
        reporter_role=role,
        occurred_at=occurred_at,
        description=one_paragraph(description, MAX_DESCRIPTION),
        status=IncidentStatus.OPEN,
        created_at=now,
    )
    session.add(report)
    session.flush()
    report.reference = _new_reference(report)
    session.flush()
    return report


def _alert_text(report: IncidentReport, class_name: str, reporter: str, time_label: str) -> str:
    lines = [
        f"🔔 Báo cáo sự cố {report.reference} — lớp {class_name}",
        f"• Loại: {KIND_LABELS[report.kind]}",
        f"• Thời điểm: {time_label}",
        f"{REPORTER_LINE}{reporter}",
    ]
    if report.description:
        lines.append(f"{WORDS_LINE}{quoted_words(report.description, MAX_QUOTED)}")
    lines.append(
        f"Khi đã xử lý xong, thầy cô bấm “Đã xử lý” hoặc nhắn: đã xử lý {report.reference}"
    )
    return "\n".join(lines)


def anonymised_alert(text: str) -> str:
    """An alert's text with its reporter line saying the reporter's data was deleted."""
    return "\n".join(
        f"{REPORTER_LINE}{ERASED_REPORTER}" if line.startswith(REPORTER_LINE) else line
        for line in text.split("\n")
    )


def _release_held_alerts(session: Session, class_id: int, now: datetime) -> int:
    """Send at once the held alerts of unlinked reports about this class (a linked account
    confirmed); return how many deliveries were released."""
    references = session.execute(
        select(IncidentReport.reference).where(
            IncidentReport.class_id == class_id,
            IncidentReport.reporter_role.is_(None),
            IncidentReport.created_at > now - CONFIRM_WINDOW,
        )
    ).scalars().all()
    if not references:
        return 0
    keys = [alerts.incident_alert_key(r) for r in references]
    held = select(Broadcast.id).where(Broadcast.idempotency_key.in_(keys), Broadcast.urgent.is_(False))
    broadcast_ids = session.execute(held).scalars().all()
    if not broadcast_ids:
        return 0
    session.execute(
        update(Broadcast).where(Broadcast.id.in_(broadcast_ids)).values(urgent=True)
        .execution_options(synchronize_session=False)
    )
    released = session.execute(
        update(Delivery)
        .where(Delivery.broadcast_id.in_(broadcast_ids), Delivery.status == DeliveryStatus.PENDING)
        .values(not_before=now)
        .execution_options(synchronize_session=False)
    )
    return released.rowcount or 0


def report_incident(
    session: Session,
    *,
    channel: str,
    external_id: str,
    kind: IncidentKind,
    class_id: int,
    occurred_at: datetime,
    description: str,
    time_label: str | None = None,
    now: datetime | None = None,
) -> IncidentOutcome:
    """Store a section-2 report and alert the homeroom teacher, within the limits above."""
    now = now or datetime.now(timezone.utc)
    settings = get_settings()
    school_class = session.get(SchoolClass, class_id)
    if school_class is None:
        raise ValueError(f"no class {class_id}")
    account = get_or_create_account(session, channel, external_id)
    if _over_account_limit(session, account.id, now):
        return IncidentOutcome(None, school_class.name, ReportStatus.TOO_MANY)
    view = view_of(session, account)
    earlier_in_class = reports_in_last_hour(session, now, class_id=class_id)
    report = _store(
        session, kind=kind, view=view, account_id=account.id, school_id=school_class.school_id,
        class_id=class_id, occurred_at=occurred_at, description=description, now=now,
    )
    if view.linked:
        _release_held_alerts(session, class_id, now)
    if earlier_in_class >= settings.incident_alerts_per_class_per_hour:
        return IncidentOutcome(report.reference, school_class.name, ReportStatus.ENOUGH_ALERTS)
    text = _alert_text(
        report, school_class.name, _reporter_phrase(view, class_id),
        time_label or format_moment(occurred_at),
    )
    urgent = view.linked or not is_quiet(now)
    broadcast = alerts.queue_alert(
        session, class_id=class_id, text=text, idempotency_key=alerts.incident_alert_key(report.reference),
        urgent=urgent, now=now,
    )
    if broadcast is None:
        return IncidentOutcome(report.reference, school_class.name, ReportStatus.NO_TEACHER)
    if not urgent:
        return IncidentOutcome(report.reference, school_class.name, ReportStatus.HELD, release_time(now))
    return IncidentOutcome(report.reference, school_class.name, ReportStatus.ALERTED)


def report_scam(
    session: Session, *, channel: str, external_id: str, description: str, now: datetime | None = None
) -> IncidentOutcome:
    """Store a section-3 report for the account's school: the school whose own bot it writes
    to, else the school of its children (or the only school there is)."""
    now = now or datetime.now(timezone.utc)
    account = get_or_create_account(session, channel, external_id)
    if _over_account_limit(session, account.id, now):
        return IncidentOutcome(None, None, ReportStatus.TOO_MANY)
    view = view_of(session, account)
    bot_school = bot_school_id(session, channel, external_id)
    if bot_school is not None:  # on a school's own bot: that school's report, linked or not
        school_id: int | None = bot_school or None
    else:
        school_id = min(view.school_ids) if view.school_ids else None
    if school_id is None and bot_school is None:
        schools = session.execute(select(School.id).limit(2)).scalars().all()
        school_id = schools[0] if len(schools) == 1 else None
    class_id = view.students[0].class_id if len(view.students) == 1 else None
    report = _store(
        session, kind=IncidentKind.SCAM, view=view, account_id=account.id, school_id=school_id,
        class_id=class_id, occurred_at=now, description=description, now=now,
    )
    class_name = view.students[0].class_name if class_id else None
    return IncidentOutcome(report.reference, class_name, ReportStatus.NO_TEACHER)


class HandleStatus(str, Enum):
    HANDLED = "handled"
    ALREADY_HANDLED = "already_handled"
    NOT_FOUND = "not_found"
    NOT_ALLOWED = "not_allowed"


@dataclass(frozen=True)
class HandleOutcome:
    status: HandleStatus
    reference: str
    reporter_notified: bool = False
    handled_by: str | None = None


def _may_handle(view: AccountView, report: IncidentReport) -> bool:
    staff = view.staff
    if staff is None or report.school_id != staff.school_id:
        return False
    return report.class_id is None or report.class_id in staff.class_ids


def mark_handled(
    session: Session,
    *,
    channel: str,
    external_id: str,
    reference: str,
    note: str = "",
    now: datetime | None = None,
) -> HandleOutcome:
    """A teacher of the report's class (or staff of its school) closes it; the reporter is told."""
    now = now or datetime.now(timezone.utc)
    reference = reference.strip().upper()
    report = session.execute(
        select(IncidentReport).where(func.upper(IncidentReport.reference) == reference)
    ).scalar_one_or_none()
    view = load_account(session, channel, external_id)
    if view.staff is None:
        return HandleOutcome(HandleStatus.NOT_ALLOWED, reference)
    if report is None:
        return HandleOutcome(HandleStatus.NOT_FOUND, reference)
    if not _may_handle(view, report):
        return HandleOutcome(HandleStatus.NOT_ALLOWED, reference)
    if report.status is IncidentStatus.HANDLED:
        return HandleOutcome(HandleStatus.ALREADY_HANDLED, reference, handled_by=report.handled_by)
    assert view.staff is not None
    notified = close_report(session, report, handled_by=view.staff.full_name, note=note, now=now)
    return HandleOutcome(HandleStatus.HANDLED, report.reference, notified, view.staff.full_name)


def close_report(
    session: Session, report: IncidentReport, *, handled_by: str, note: str, now: datetime
) -> bool:
    """Mark ``report`` handled and queue a notice to its reporter; True if a notice was queued."""
    report.status = IncidentStatus.HANDLED
    report.handled_at = now
    report.handled_by = handled_by
    report.action_taken = note.strip()[:MAX_DESCRIPTION] or None
    notified = False
    if report.reporter_account_id is not None:
        text = f"Dạ, báo cáo {report.reference} ({KIND_LABELS[report.kind].lower()}) đã được giáo viên xử lý."
        if report.action_taken:
            text += f"\nGhi chú của thầy cô: {report.action_taken}"
        notified = alerts.queue_notice(
            session, account_id=report.reporter_account_id, text=text,
            idempotency_key=f"incident-handled:{report.reference}", school_id=report.school_id,
        ) is not None
    session.flush()
    return notified
