"""The report a school sends to the education office (Phòng GDĐT) for a period.

The dispatch asks schools to report "khi có sự vụ đột xuất và định kì vào dịp sơ kết, tổng
kết năm học": incidents (section 2) and impersonation scams (section 3) by type, class and
status with the actions taken, and how far families were informed (1.2.b, 1.2.d): accounts
linked and rules acknowledged per class, as of the period's last day; and, per class, how many
families each route reaches on the day the report is made (:func:`chatbot.delivery.reach.class_reach`:
Telegram, Zalo Bot, Zalo inside the 7-day window, transaction template, ZNS, none). Written as an XLSX
workbook (one sheet per table, with native charts), a Markdown letter and a Word letter in the
administrative layout (:mod:`chatbot.school.report_letter`) with the same figures.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from babel.numbers import format_percent
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from chatbot.db.models import (
    Broadcast,
    BroadcastKind,
    Delivery,
    DeliveryStatus,
    IncidentKind,
    IncidentReport,
    IncidentStatus,
    School,
)
from chatbot.delivery.audience import describe
from chatbot.delivery.reach import REACH_COLUMNS, REACH_LABELS, ClassReach, class_reach
from chatbot.school.absences import count_between
from chatbot.school.contacts import Campaign, campaigns
from chatbot.school.incidents_admin import (
    EXPORT_HEADERS,
    KIND_LABELS,
    NO_CLASS,
    IncidentFilter,
    find_incidents,
    incident_row,
    local_start,
    local_text,
)
from chatbot.school.spreadsheets import Cell, fill_sheet
from chatbot.school.status import ClassStatus, class_statuses, rate
from chatbot.settings import RULES_VERSION, TIMEZONE

SECTION_OF_KIND = {kind: "Mục 3" if kind is IncidentKind.SCAM else "Mục 2" for kind in IncidentKind}


class ReportError(ValueError):
    """The report cannot be made as asked; the message is for staff."""


@dataclass(frozen=True)
class BroadcastLine:
    created_at: datetime
    audience: str
    text: str
    recipients: int
    delivered: int
    confirmed: int
    ask_receipt: bool


@dataclass(frozen=True)
class TermReport:
    school_name: str
    school_code: str
    date_from: date
    date_to: date
    generated_at: datetime
    classes: list[ClassStatus]
    incidents: list[IncidentReport]
    broadcasts: list[BroadcastLine]
    absences: int = 0  # families' absence notices for days of the period (not withdrawn)
    scam_numbers: list[Campaign] = field(default_factory=list)  # impersonation reports by number
    reach: list[ClassReach] = field(default_factory=list)  # families per route, on the day it is made

    @property
    def safety_incidents(self) -> list[IncidentReport]:
        return [i for i in self.incidents if i.kind is not IncidentKind.SCAM]

    @property
    def scams(self) -> list[IncidentReport]:
        return [i for i in self.incidents if i.kind is IncidentKind.SCAM]

    @property
    def students(self) -> int:
        return sum(c.total for c in self.classes)

    @property
    def linked(self) -> int:
        return sum(c.linked for c in self.classes)

    @property
    def acknowledged(self) -> int:
        return sum(c.acknowledged for c in self.classes)

    @property
    def handled(self) -> int:
        return sum(1 for i in self.incidents if i.status is IncidentStatus.HANDLED)

    def reach_totals(self) -> dict[str, int]:
        """Families of the whole school per route (``REACH_COLUMNS``)."""
        return {column: sum(c.counts.get(column, 0) for c in self.reach) for column in REACH_COLUMNS}


@dataclass(frozen=True)
class Table:
    title: str
    headers: list[str]
    rows: list[list[Cell]]
    percent_columns: tuple[int, ...] = ()


def build_report(
    session: Session, school: School, date_from: date, date_to: date, now: datetime | None = None
) -> TermReport:
    if date_from > date_to:
        raise ReportError(f"ngày bắt đầu {date_from:%d/%m/%Y} sau ngày kết thúc {date_to:%d/%m/%Y}")
    end = local_start(date_to + timedelta(days=1))
    now = now or datetime.now(timezone.utc)
    return TermReport(
        school_name=school.name,
        school_code=school.code,
        date_from=date_from,
        date_to=date_to,
        generated_at=now,
        classes=class_statuses(session, school, as_of=end),
        incidents=find_incidents(session, school, IncidentFilter(date_from=date_from, date_to=date_to)),
        broadcasts=_broadcasts(session, school, local_start(date_from), end),
        absences=count_between(session, school.id, date_from, date_to),
        scam_numbers=campaigns(session, school.id, since=local_start(date_from), until=end),
        reach=class_reach(session, now, school.id),
    )


def _broadcasts(session: Session, school: School, start: datetime, end: datetime) -> list[BroadcastLine]:
    sent = func.sum(case((Delivery.status == DeliveryStatus.SENT, 1), else_=0))
    confirmed = func.count(Delivery.acknowledged_at)
    query = (
        select(Broadcast, func.count(Delivery.id), sent, confirmed)
        .outerjoin(Delivery, Delivery.broadcast_id == Broadcast.id)
        .where(
            Broadcast.school_id == school.id,
            Broadcast.kind == BroadcastKind.ANNOUNCEMENT,  # not alerts to teachers, not reminders
            Broadcast.created_at >= start,
            Broadcast.created_at < end,
        )
        .group_by(Broadcast.id)
        .order_by(Broadcast.created_at)
    )
    return [
        BroadcastLine(b.created_at, b.audience, b.text, count, int(ok or 0), acks, b.ask_receipt)
        for b, count, ok, acks in session.execute(query)
    ]


def onboarding_table(report: TermReport) -> Table:
    rows: list[list[Cell]] = []
    for c in report.classes:
        rows.append([c.name, c.homeroom_teacher or "", c.total, c.linked, rate(c.linked, c.total),
                     c.acknowledged, rate(c.acknowledged, c.total)])
    total, linked, acknowledged = report.students, report.linked, report.acknowledged
    rows.append(["Toàn trường", "", total, linked, rate(linked, total), acknowledged,
                 rate(acknowledged, total)])
    headers = ["Lớp", "Giáo viên chủ nhiệm", "Sĩ số", "Gia đình đã kết nối", "Tỉ lệ kết nối",
               "Đã xác nhận nội quy", "Tỉ lệ xác nhận"]
    return Table("Kết nối theo lớp", headers, rows, (4, 6))


REACH_TITLE = "Liên lạc theo kênh"


def reach_table(report: TermReport) -> Table:
    """Per class: families reachable by each route (the best one each has) and not at all."""
    rows: list[list[Cell]] = [
        [c.class_name, *(c.counts.get(column, 0) for column in REACH_COLUMNS), c.families]
        for c in report.reach
    ]
    totals = report.reach_totals()
    rows.append(["Toàn trường", *totals.values(), sum(totals.values())])
    headers = ["Lớp", *(REACH_LABELS[column] for column in REACH_COLUMNS), "Số gia đình"]
    return Table(REACH_TITLE, headers, rows)


def _status_counts(incidents: Sequence[IncidentReport]) -> list[Cell]:
    handled = sum(1 for i in incidents if i.status is IncidentStatus.HANDLED)
    return [len(incidents), handled, len(incidents) - handled]


def kind_table(report: TermReport) -> Table:
    rows: list[list[Cell]] = []
    for kind, label in KIND_LABELS.items():
        of_kind = [i for i in report.incidents if i.kind is kind]
        rows.append([label, SECTION_OF_KIND[kind], *_status_counts(of_kind)])
    rows.append(["Tổng cộng", "", *_status_counts(report.incidents)])
    return Table("Sự vụ theo loại", ["Loại sự vụ", "Mục công văn", "Tổng số", "Đã xử lý", "Chưa xử lý"], rows)


def class_table(report: TermReport) -> Table:
    by_class: dict[str, list[IncidentReport]] = {}
    for incident in report.incidents:
        name = incident.school_class.name if incident.school_class else NO_CLASS
        by_class.setdefault(name, []).append(incident)
    order = [c.name for c in report.classes if c.name in by_class]
    order += sorted(set(by_class) - set(order))
    rows: list[list[Cell]] = []
    for name in order:
        counts = Counter(i.kind for i in by_class[name])
        rows.append([name, *(counts[kind] for kind in KIND_LABELS), *_status_counts(by_class[name])])
    headers = ["Lớp", *KIND_LABELS.values(), "Tổng số", "Đã xử lý", "Chưa xử lý"]
    return Table("Sự vụ theo lớp", headers, rows)


def incident_table(title: str, incidents: Sequence[IncidentReport]) -> Table:
    return Table(title, list(EXPORT_HEADERS), [incident_row(i) for i in incidents])


def audience_text(label: str) -> str:
    """ "school=HS;grade=6;class=6A,6B" (the delivery outbox's label) → "Khối 6; lớp 6A, 6B"."""
    return describe(label)


def broadcast_table(report: TermReport) -> Table:
    rows: list[list[Cell]] = [
        [local_text(b.created_at), audience_text(b.audience), shorten(b.text, 120), b.recipients,
         b.delivered, b.confirmed if b.ask_receipt else ""]
        for b in report.broadcasts
    ]
    headers = ["Thời điểm", "Gửi đến", "Nội dung", "Số người nhận", "Đã gửi tới", "Đã xác nhận đọc"]
    return Table("Thông báo đã gửi", headers, rows)


def share_text(part: int, whole: int) -> str:
    return f"{part}/{whole} ({percent_text(rate(part, whole))})"


def period_text(report: TermReport) -> str:
    return f"từ {report.date_from:%d/%m/%Y} đến {report.date_to:%d/%m/%Y}"


def made_on(report: TermReport) -> str:
    return f"{report.generated_at.astimezone(TIMEZONE):%d/%m/%Y}"


def summary_rows(report: TermReport) -> list[list[Cell]]:
    return [
        ["Đơn vị", report.school_name],
        ["Thời gian báo cáo", period_text(report)],
        ["Ngày lập", made_on(report)],
        ["Số lớp", len(report.classes)],
        ["Số học sinh", report.students],
        ["Gia đình đã kết nối với trợ lý", share_text(report.linked, report.students)],
        [f"Đã xác nhận nội quy (phiên bản {RULES_VERSION})",
         share_text(report.acknowledged, report.students)],
        ["Gia đình chưa liên lạc được qua kênh nào (ngày lập)", report.reach_totals()["none"]],
        ["Thông báo đã gửi đến gia đình", len(report.broadcasts)],
        ["Sự vụ mất an ninh, an toàn (mục 2)", len(report.safety_incidents)],
        ["Báo cáo mạo danh, lừa đảo (mục 3)", len(report.scams)],
        ["Số điện thoại bị báo mạo danh", len(report.scam_numbers)],
        ["Báo nghỉ học của gia đình qua trợ lý", report.absences],
        ["Đã xử lý", report.handled],
        ["Chưa xử lý", len(report.incidents) - report.handled],
    ]


def numbers_table(report: TermReport) -> Table:
    """Impersonation reports grouped by the phone number they name (a campaign)."""
    rows: list[list[Cell]] = [
        [c.phone, c.reports, "có (có thể bị giả số)" if c.official else "không"] for c in report.scam_numbers
    ]
    return Table("Mạo danh theo số", ["Số điện thoại", "Số báo cáo", "Trong danh sách chính thức"], rows)


def tables(report: TermReport) -> list[Table]:
    return [
        Table("Tổng hợp", ["Nội dung", "Số liệu"], summary_rows(report)),
        onboarding_table(report),
        reach_table(report),
        kind_table(report),
        class_table(report),
        incident_table("Sự vụ (mục 2)", report.safety_incidents),
        incident_table("Mạo danh, lừa đảo (mục 3)", report.scams),
        numbers_table(report),
        broadcast_table(report),
    ]


def workbook_of(report: TermReport) -> Workbook:
    """One sheet per table, with native Excel charts of the rates per class and of the incidents."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for table in tables(report):
        fill_sheet(workbook.create_sheet(table.title[:31]), table.headers, table.rows,
                   percent_columns=table.percent_columns)
    _rate_chart(workbook[onboarding_table(report).title[:31]], len(report.classes))
    _kind_chart(workbook[kind_table(report).title[:31]], len(KIND_LABELS))
    return workbook


def _rate_chart(sheet: Worksheet, classes: int) -> None:
    """Clustered bars: the rate of families linked and of rules acknowledged, per class."""
    if not classes:
        return
    chart = BarChart()
    chart.type = "col"
    chart.title = "Tỉ lệ gia đình kết nối và xác nhận nội quy theo lớp"
    chart.y_axis.title = "Tỉ lệ"
    chart.y_axis.number_format = "0%"
    chart.y_axis.scaling.min, chart.y_axis.scaling.max = 0, 1
    for column in (5, 7):  # "Tỉ lệ kết nối", "Tỉ lệ xác nhận"
        data = Reference(sheet, min_col=column, min_row=1, max_row=classes + 1)
        chart.add_data(data, titles_from_data=True)
    chart.set_categories(Reference(sheet, min_col=1, min_row=2, max_row=classes + 1))
    chart.height, chart.width = 9, max(16, classes * 1.6)
    sheet.add_chart(chart, f"A{classes + 4}")


def _kind_chart(sheet: Worksheet, kinds: int) -> None:
    """Stacked bars: incidents of each kind, handled and not yet handled."""
    chart = BarChart()
    chart.type = "bar"
    chart.grouping = "stacked"
    chart.overlap = 100
    chart.title = "Sự vụ theo loại"
    chart.x_axis.title = "Loại sự vụ"
    for column in (4, 5):  # "Đã xử lý", "Chưa xử lý"
        data = Reference(sheet, min_col=column, min_row=1, max_row=kinds + 1)
        chart.add_data(data, titles_from_data=True)
    chart.set_categories(Reference(sheet, min_col=1, min_row=2, max_row=kinds + 1))
    chart.height, chart.width = 8, 18
    sheet.add_chart(chart, f"A{kinds + 4}")


def write_xlsx(report: TermReport, path: Path) -> None:
    workbook_of(report).save(path)


def xlsx_bytes(report: TermReport) -> bytes:
    buffer = io.BytesIO()
    workbook_of(report).save(buffer)
    return buffer.getvalue()


def percent_text(value: float) -> str:
    return format_percent(value, "#,##0.0%", locale="vi")


def shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _md(text: str) -> str:
    """Free text (typed by families or staff) on one line, with Markdown's markup escaped."""
    return re.sub(r"([\\`*_\[\]<>|#])", r"\\\1", " ".join(text.split()))


def _markdown_table(table: Table) -> str:
    def cell(index: int, value: Cell) -> str:
        if index in table.percent_columns and isinstance(value, float):
            return percent_text(value)
        return _md(str("" if value is None else value))

    lines = ["| " + " | ".join(table.headers) + " |", "|" + "---|" * len(table.headers)]
    lines += ["| " + " | ".join(cell(i, v) for i, v in enumerate(row)) + " |" for row in table.rows]
    return "\n".join(lines)


def _incident_section(incidents: Sequence[IncidentReport], none_text: str) -> list[str]:
    if not incidents:
        return [none_text, ""]
    lines = []
    for i in incidents:
        where = i.school_class.name if i.school_class else NO_CLASS.lower()
        handled = i.status is IncidentStatus.HANDLED
        status = f"đã xử lý: {_md(i.action_taken or '')}" if handled else "chưa xử lý"
        description = _md(shorten(i.description, 300)) or "(không có mô tả)"
        lines.append(
            f"- **{_md(i.reference)}** ({local_text(i.occurred_at)}, lớp {where}) — {KIND_LABELS[i.kind]}: "
            f"{description}. Tình trạng: {status}."
        )
    return [*lines, ""]


def render_markdown(report: TermReport) -> str:
    parts = [
        f"**{report.school_name.upper()}**",
        "",
        "# BÁO CÁO",
        "## Kết quả triển khai đảm bảo an ninh, an toàn trong dạy, học trực tuyến",
        "",
        "Kính gửi: Phòng Giáo dục và Đào tạo",
        "",
        f"Thời gian báo cáo: {period_text(report)}; lập ngày {made_on(report)}.",
        "",
        "Thực hiện công văn của Phòng Giáo dục và Đào tạo về việc tiếp tục đảm bảo an ninh, an toàn trong "
        "dạy, học trực tuyến và cảnh giác đối với các đối tượng mạo danh, nhà trường báo cáo như sau:",
        "",
        "### 1. Thông tin đến gia đình học sinh và xác nhận nội quy lớp học trực tuyến",
        "",
        f"- Số lớp: {len(report.classes)}; số học sinh: {report.students}.",
        f"- Gia đình đã kết nối với trợ lý của nhà trường: {share_text(report.linked, report.students)}.",
        f"- Gia đình đã xác nhận đã đọc nội quy (phiên bản {RULES_VERSION}): "
        f"{share_text(report.acknowledged, report.students)}.",
        f"- Số thông báo đã gửi đến gia đình trong kỳ: {len(report.broadcasts)}.",
        "",
        _markdown_table(onboarding_table(report)),
        "",
        f"Liên lạc được với gia đình qua kênh nào (mỗi gia đình một kênh tốt nhất, ngày {made_on(report)}):",
        "",
        _markdown_table(reach_table(report)),
        "",
        "### 2. Sự vụ mất an ninh, an toàn trong dạy, học trực tuyến (mục 2 của công văn)",
        "",
        _markdown_table(kind_table(report)),
        "",
    ]
    if report.incidents:
        parts += ["Theo lớp:", "", _markdown_table(class_table(report)), ""]
    parts += _incident_section(report.safety_incidents, "Không có sự vụ nào trong kỳ báo cáo.")
    parts += ["### 3. Mạo danh đơn vị, cá nhân ngành giáo dục để trục lợi (mục 3 của công văn)", ""]
    parts += _incident_section(report.scams, "Không có báo cáo mạo danh, lừa đảo nào trong kỳ báo cáo.")
    if report.scam_numbers:
        parts += ["Theo số điện thoại bị báo:", "", _markdown_table(numbers_table(report)), ""]
    parts += [f"Báo nghỉ học của gia đình gửi qua trợ lý trong kỳ: {report.absences}.", ""]
    parts += [
        "### 4. Đề xuất, kiến nghị",
        "",
        "(Nhà trường bổ sung.)",
        "",
        "*Nơi nhận:* Phòng GDĐT; Lưu: VT.",
        "",
        "**THỦ TRƯỞNG ĐƠN VỊ** (ký, ghi rõ họ tên, đóng dấu)",
        "",
    ]
    return "\n".join(parts)


def write_report(report: TermReport, out_dir: Path) -> tuple[Path, Path]:
    """Write ``bao-cao-<school>-<from>-<to>.xlsx`` and ``.md``; return both paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"bao-cao-{report.school_code}-{report.date_from:%Y%m%d}-{report.date_to:%Y%m%d}"
    xlsx_path, md_path = out_dir / f"{stem}.xlsx", out_dir / f"{stem}.md"
    write_xlsx(report, xlsx_path)
    md_path.write_text(render_markdown(report), encoding="utf-8")
    return xlsx_path, md_path
