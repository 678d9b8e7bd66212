"""The education office's view of the city: every school's figures side by side, and the sum.

Per school: families linked and acknowledged, families no longer reachable, the families'
absence notices (counted, never named), families reachable by each route today (Telegram,
Zalo Bot, Zalo inside the window, transaction template, ZNS, none), incidents by kind
(impersonation reports among them) and the phone numbers those name, reports handled and how
fast, and which of its own channels it has. The figures come from each school's own period report
(:func:`chatbot.school.reporting.build_report`), so the city's totals are exactly the sum of
what the schools report.
"""

from __future__ import annotations

import io
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from chatbot.db.models import IncidentKind, IncidentStatus, School, SchoolChannel
from chatbot.delivery.reach import REACH_COLUMNS, REACH_LABELS
from chatbot.school.incidents_admin import KIND_LABELS
from chatbot.school.reporting import (
    TermReport,
    build_report,
    kind_table,
    numbers_table,
    onboarding_table,
    reach_table,
)
from chatbot.school.spreadsheets import Cell, fill_sheet
from chatbot.school.status import rate

SUMMARY_SHEET = "Toàn thành phố"


@dataclass(frozen=True)
class SchoolFigures:
    code: str
    name: str
    students: int
    linked: int
    acknowledged: int
    unreachable: int
    incidents: dict[IncidentKind, int]
    handled: int
    median_hours_to_handle: float | None
    channels: tuple[str, ...] = ()
    absences: int = 0  # the families' absence notices for days of the period
    scam_numbers: int = 0  # phone numbers named by impersonation reports (campaigns)
    reach: dict[str, int] = field(default_factory=dict)  # REACH_COLUMNS → families, today
    report: TermReport | None = field(default=None, compare=False, repr=False)

    @property
    def incident_total(self) -> int:
        return sum(self.incidents.values())


@dataclass(frozen=True)
class CityFigures:
    date_from: date
    date_to: date
    generated_at: datetime
    schools: tuple[SchoolFigures, ...]

    def total(self, name: str) -> int:
        return sum(getattr(s, name) for s in self.schools)

    def reach_total(self, column: str) -> int:
        return sum(s.reach.get(column, 0) for s in self.schools)

    def incidents(self) -> dict[IncidentKind, int]:
        counts: Counter[IncidentKind] = Counter()
        for school in self.schools:
            counts.update(school.incidents)
        return {kind: counts[kind] for kind in IncidentKind}

    @property
    def median_hours_to_handle(self) -> float | None:
        hours = [h for s in self.schools if s.report for h in _handling_hours(s.report)]
        return statistics.median(hours) if hours else None


def _handling_hours(report: TermReport) -> list[float]:
    return [
        (i.handled_at - i.created_at).total_seconds() / 3600
        for i in report.incidents
        if i.status is IncidentStatus.HANDLED and i.handled_at is not None and i.created_at is not None
    ]


def school_figures(report: TermReport, channels: tuple[str, ...] = ()) -> SchoolFigures:
    kinds = Counter(i.kind for i in report.incidents)
    hours = _handling_hours(report)
    return SchoolFigures(
        code=report.school_code,
        name=report.school_name,
        students=report.students,
        linked=report.linked,
        acknowledged=report.acknowledged,
        unreachable=sum(len(c.unreachable) for c in report.classes),
        incidents={kind: kinds[kind] for kind in IncidentKind},
        handled=report.handled,
        median_hours_to_handle=statistics.median(hours) if hours else None,
        channels=channels,
        absences=report.absences,
        scam_numbers=len(report.scam_numbers),
        reach=report.reach_totals(),
        report=report,
    )


def city_figures(
    session: Session, date_from: date, date_to: date, now: datetime | None = None
) -> CityFigures:
    """Every school's figures for the period (the schools in code order)."""
    now = now or datetime.now(timezone.utc)
    own: dict[int, list[str]] = {}
    for school_id, channel in session.execute(select(SchoolChannel.school_id, SchoolChannel.channel)):
        own.setdefault(school_id, []).append(channel)
    schools = session.scalars(select(School).order_by(School.code))
    return CityFigures(
        date_from=date_from,
        date_to=date_to,
        generated_at=now,
        schools=tuple(
            school_figures(
                build_report(session, school, date_from, date_to, now), tuple(sorted(own.get(school.id, ())))
            )
            for school in schools
        ),
    )


NO_ROUTE_HEADER = f"Liên lạc: {REACH_LABELS['none']}"
SUMMARY_HEADERS = [
    "Mã trường", "Trường", "Sĩ số", "Gia đình đã kết nối", "Tỉ lệ kết nối", "Đã xác nhận nội quy",
    "Tỉ lệ xác nhận", "Không còn liên lạc được", "Báo nghỉ qua trợ lý", "Số điện thoại bị báo mạo danh",
    *(f"Liên lạc: {REACH_LABELS[column]}" for column in REACH_COLUMNS),  # the last is NO_ROUTE_HEADER
    *KIND_LABELS.values(), "Tổng sự vụ", "Đã xử lý",
    "Thời gian xử lý (giờ, trung vị)", "Kênh riêng",
]


def hours_cell(value: float | None) -> Cell:
    return round(value, 1) if value is not None else ""


def summary_rows(city: CityFigures) -> list[list[Cell]]:
    rows: list[list[Cell]] = []
    for s in city.schools:
        rows.append([
            s.code, s.name, s.students, s.linked, rate(s.linked, s.students), s.acknowledged,
            rate(s.acknowledged, s.students), s.unreachable, s.absences, s.scam_numbers,
            *(s.reach.get(column, 0) for column in REACH_COLUMNS),
            *(s.incidents[k] for k in KIND_LABELS),
            s.incident_total, s.handled, hours_cell(s.median_hours_to_handle), ", ".join(s.channels),
        ])
    students, linked, acknowledged = city.total("students"), city.total("linked"), city.total("acknowledged")
    kinds = city.incidents()
    rows.append([
        "", "Toàn thành phố", students, linked, rate(linked, students), acknowledged,
        rate(acknowledged, students), city.total("unreachable"), city.total("absences"),
        city.total("scam_numbers"), *(city.reach_total(column) for column in REACH_COLUMNS),
        *(kinds[k] for k in KIND_LABELS),
        sum(kinds.values()), city.total("handled"), hours_cell(city.median_hours_to_handle), "",
    ])
    return rows


def _sheet_title(code: str, used: set[str]) -> str:
    title = "".join(ch for ch in code if ch not in "[]:*?/\\")[:31] or "Trường"
    base, n = title, 2
    while title in used:
        title = f"{base[:28]}-{n}"
        n += 1
    used.add(title)
    return title


def city_workbook(city: CityFigures) -> Workbook:
    """A summary sheet of every school, then one sheet per school (classes, reach by route,
    incidents by kind, impersonation reports by phone number)."""
    workbook = Workbook()
    summary = workbook.active
    summary.title = SUMMARY_SHEET
    fill_sheet(summary, SUMMARY_HEADERS, summary_rows(city), percent_columns=(4, 6))
    used = {SUMMARY_SHEET}
    for school in city.schools:
        if school.report is None:
            continue
        sheet = workbook.create_sheet(_sheet_title(school.code, used))
        classes = onboarding_table(school.report)
        fill_sheet(sheet, classes.headers, classes.rows, percent_columns=classes.percent_columns)
        for table in (reach_table(school.report), kind_table(school.report), numbers_table(school.report)):
            sheet.append([])
            sheet.append(table.headers)
            for row in table.rows:
                sheet.append(row)
    return workbook


def city_xlsx_bytes(city: CityFigures) -> bytes:
    buffer = io.BytesIO()
    city_workbook(city).save(buffer)
    return buffer.getvalue()


def write_city_xlsx(city: CityFigures, out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"bao-cao-toan-thanh-pho_{city.date_from:%Y%m%d}-{city.date_to:%Y%m%d}.xlsx"
    path.write_bytes(city_xlsx_bytes(city))
    return path
