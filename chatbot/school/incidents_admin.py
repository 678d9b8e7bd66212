"""Staff's side of incident reports: list with filters, mark handled, export.

Reports without a school (sent before the reporter linked an account) are listed with every
school's. Dates filter on when the incident happened, in school-local days.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from chatbot.db.models import IncidentKind, IncidentReport, IncidentStatus, Role, School, SchoolClass
from chatbot.school.incidents import KIND_LABELS, MAX_DESCRIPTION, close_report
from chatbot.school.spreadsheets import Cell, fill_sheet, write_csv
from chatbot.settings import TIMEZONE

STATUS_LABELS = {IncidentStatus.OPEN: "Chưa xử lý", IncidentStatus.HANDLED: "Đã xử lý"}
REPORTER_LABELS = {
    Role.PARENT: "Phụ huynh",
    Role.STUDENT: "Học sinh",
    Role.TEACHER: "Giáo viên",
    Role.STAFF: "Cán bộ",
}
EXPORT_HEADERS = [
    "Mã", "Thời điểm xảy ra", "Lớp", "Loại", "Người báo", "Mô tả", "Trạng thái",
    "Biện pháp xử lý", "Người xử lý", "Thời điểm xử lý",
]
NO_CLASS = "Không rõ lớp"


class IncidentError(ValueError):
    """An incident cannot be found or changed as asked; the message is for staff."""


@dataclass(frozen=True)
class IncidentFilter:
    status: IncidentStatus | None = None
    class_name: str | None = None
    kind: IncidentKind | None = None
    date_from: date | None = None
    date_to: date | None = None
    class_id: int | None = None


def local_start(day: date) -> datetime:
    """The first moment of a school-local day, in UTC."""
    return datetime.combine(day, time(0), TIMEZONE).astimezone(timezone.utc)


def local_text(moment: datetime | None) -> str:
    return moment.astimezone(TIMEZONE).strftime("%d/%m/%Y %H:%M") if moment else ""


def find_incidents(
    session: Session,
    school: School | None,
    criteria: IncidentFilter,
    *,
    class_ids: Collection[int] | None = None,
    include_unassigned: bool = True,
) -> list[IncidentReport]:
    """Reports of ``school`` (None: every school) matching ``criteria``; with ``class_ids``
    only those of these classes; reports without a school too unless ``include_unassigned``
    is False."""
    query = select(IncidentReport)
    if school is not None:
        mine = IncidentReport.school_id == school.id
        query = query.where(or_(mine, IncidentReport.school_id.is_(None)) if include_unassigned else mine)
    if class_ids is not None:
        query = query.where(IncidentReport.class_id.in_(list(class_ids)))
    if criteria.status is not None:
        query = query.where(IncidentReport.status == criteria.status)
    if criteria.kind is not None:
        query = query.where(IncidentReport.kind == criteria.kind)
    if criteria.class_name is not None:
        query = query.join(SchoolClass, SchoolClass.id == IncidentReport.class_id).where(
            SchoolClass.name == criteria.class_name
        )
    if criteria.class_id is not None:
        query = query.where(IncidentReport.class_id == criteria.class_id)
    if criteria.date_from is not None:
        query = query.where(IncidentReport.occurred_at >= local_start(criteria.date_from))
    if criteria.date_to is not None:
        query = query.where(IncidentReport.occurred_at < local_start(criteria.date_to + timedelta(days=1)))
    return list(session.scalars(query.order_by(IncidentReport.occurred_at, IncidentReport.id)))


def handle_incident(
    session: Session, reference: str, *, by: str, action: str, now: datetime | None = None
) -> IncidentReport:
    """Mark an incident handled, recording the action taken and by whom."""
    by, action = " ".join(by.split()), action.strip()
    if not by or not action:
        raise IncidentError("cần ghi rõ người xử lý (--by) và biện pháp đã làm (--action)")
    if len(by) > 120:
        raise IncidentError("tên người xử lý quá dài (tối đa 120 ký tự)")
    if len(action) > MAX_DESCRIPTION:
        raise IncidentError(f"biện pháp xử lý quá dài (tối đa {MAX_DESCRIPTION} ký tự)")
    incident = session.scalar(
        select(IncidentReport).where(func.upper(IncidentReport.reference) == reference.strip().upper())
    )
    if incident is None:
        raise IncidentError(f"không có sự vụ mã {reference}")
    if incident.status == IncidentStatus.HANDLED:
        when = local_text(incident.handled_at)
        raise IncidentError(f"sự vụ {incident.reference} đã được {incident.handled_by} xử lý lúc {when}")
    close_report(session, incident, handled_by=by, note=action, now=now or datetime.now(timezone.utc))
    return incident


def incident_row(incident: IncidentReport) -> list[Cell]:
    return [
        incident.reference,
        local_text(incident.occurred_at),
        incident.school_class.name if incident.school_class else NO_CLASS,
        KIND_LABELS[incident.kind],
        REPORTER_LABELS[incident.reporter_role] if incident.reporter_role else "",
        incident.description,
        STATUS_LABELS[incident.status],
        incident.action_taken or "",
        incident.handled_by or "",
        local_text(incident.handled_at),
    ]


def export_incidents(incidents: Sequence[IncidentReport], path: Path) -> None:
    """Write the incidents to ``path``: .csv or .xlsx, chosen by the extension."""
    rows = [incident_row(i) for i in incidents]
    suffix = path.suffix.lower()
    if suffix == ".csv":
        write_csv(path, EXPORT_HEADERS, rows)
    elif suffix == ".xlsx":
        workbook = Workbook()
        fill_sheet(workbook.active, EXPORT_HEADERS, rows)
        workbook.active.title = "Sự vụ"
        workbook.save(path)
    else:
        raise IncidentError(f"{path.name}: chỉ xuất được tệp .csv hoặc .xlsx")
