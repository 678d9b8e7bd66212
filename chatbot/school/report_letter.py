"""The report to the education office as a Word letter in the administrative layout of
Decree 30/2020/NĐ-CP (Nghị định về công tác văn thư), with the figures of the XLSX report.

Layout: A4, margins 20 mm top and bottom, 30 mm left, 15 mm right, Times New Roman. A header
of two columns without borders: the managing body (upper case) over the issuing body (upper
case, bold, a short line under it) and the number and symbol ("Số: …/BC-…"); the national
heading (upper case, bold), the motto (bold, a short line under it) and the place and date
(italic). Then the kind of document ("BÁO CÁO") and its summary, "Kính gửi", the body
(first-line indent, justified), and a footer of two columns: the recipients ("Nơi nhận:",
bold italic) and the signature block (the signer's title, "(Ký, ghi rõ họ tên, đóng dấu)",
the name).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.table import _Cell
from docx.text.paragraph import Paragraph

from chatbot.db.models import IncidentReport, IncidentStatus
from chatbot.school.incidents_admin import KIND_LABELS, NO_CLASS, local_text
from chatbot.school.reporting import (
    Table,
    TermReport,
    class_table,
    kind_table,
    onboarding_table,
    percent_text,
    period_text,
    share_text,
    shorten,
)
from chatbot.settings import RULES_VERSION, TIMEZONE, get_settings

FONT = "Times New Roman"
BODY_SIZE = Pt(13)
TITLE = "BÁO CÁO"
SUMMARY = "Kết quả triển khai đảm bảo an ninh, an toàn trong dạy, học trực tuyến"
NATIONAL_HEADING = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"


@dataclass(frozen=True)
class LetterDetails:
    """What the school fills in; unset values come from the settings or stay as dots to write by hand."""

    number: str = ""
    symbol: str = ""
    signer_title: str = "HIỆU TRƯỞNG"
    signer_name: str = ""
    recommendations: str = ""
    issued_on: date | None = None
    superior_body: str | None = None
    place: str | None = None
    recipient: str | None = None


def symbol_of(school_code: str) -> str:
    """The document symbol "BC-<school code without separators>", e.g. BC-THCSHOASEN."""
    return "BC-" + "".join(ch for ch in school_code.upper() if ch.isalnum())


def date_line(place: str, day: date) -> str:
    """ "Hạ Long, ngày 05 tháng 01 năm 2027" (day and month below 10 with a leading zero, Decree 30)."""
    return f"{place}, ngày {day:%d} tháng {day:%m} năm {day:%Y}"


def _font(run, size: Pt = BODY_SIZE, *, bold: bool = False, italic: bool = False) -> None:  # noqa: ANN001
    run.font.name = FONT
    run.font.size = size
    run.font.bold = bold
    run.font.italic = italic
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)


def _paragraph(container, text: str = "", *, size: Pt = BODY_SIZE, bold: bool = False, italic: bool = False,  # noqa: ANN001
               align: WD_ALIGN_PARAGRAPH = WD_ALIGN_PARAGRAPH.CENTER, after: float = 0,
               indent: bool = False) -> Paragraph:
    paragraph = container.add_paragraph()
    paragraph.alignment = align
    paragraph.paragraph_format.space_after = Pt(after)
    paragraph.paragraph_format.space_before = Pt(0)
    if indent:
        paragraph.paragraph_format.first_line_indent = Cm(1.27)
        paragraph.paragraph_format.line_spacing = 1.15
    if text:
        _font(paragraph.add_run(text), size, bold=bold, italic=italic)
    return paragraph


def _short_line(container, width_cm: float, cell_width_cm: float) -> None:  # noqa: ANN001
    """A centred horizontal line ``width_cm`` long: a bottom border on an indented empty paragraph."""
    paragraph = _paragraph(container, size=Pt(4))
    margin = Cm(max(0.0, (cell_width_cm - width_cm) / 2))
    paragraph.paragraph_format.left_indent = margin
    paragraph.paragraph_format.right_indent = margin
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().append(borders)


def _borderless(table) -> None:  # noqa: ANN001
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    table._tbl.tblPr.append(borders)


def _cell(table, row: int, column: int, width_cm: float) -> _Cell:  # noqa: ANN001
    table.columns[column].width = Cm(width_cm)  # the grid, which LibreOffice reads
    cell = table.cell(row, column)
    cell.width = Cm(width_cm)
    cell.paragraphs[0]._element.getparent().remove(cell.paragraphs[0]._element)
    return cell


def _header(document, report: TermReport, details: LetterDetails, day: date) -> None:  # noqa: ANN001
    settings = get_settings()
    table = document.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _borderless(table)
    left, right = _cell(table, 0, 0, 6.3), _cell(table, 0, 1, 10.2)
    _paragraph(left, (details.superior_body or settings.report_superior_body).upper(), size=Pt(12))
    _paragraph(left, report.school_name.upper(), size=Pt(12), bold=True)
    _short_line(left, 2.5, 6.3)
    number = details.number.strip() or "…….."
    symbol = details.symbol.strip() or symbol_of(report.school_code)
    _paragraph(left, f"Số: {number}/{symbol}", size=Pt(13))
    _paragraph(right, NATIONAL_HEADING, size=Pt(12), bold=True)
    _paragraph(right, MOTTO, size=Pt(13), bold=True)
    _short_line(right, 5.5, 10.2)
    _paragraph(right, date_line(details.place or settings.report_place, day), size=Pt(13), italic=True)


def _word_table(document, table: Table) -> None:  # noqa: ANN001
    grid = document.add_table(rows=1, cols=len(table.headers))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    for index, header in enumerate(table.headers):
        cell = grid.rows[0].cells[index]
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        _font(cell.paragraphs[0].add_run(header), Pt(11), bold=True)
    for row in table.rows:
        cells = grid.add_row().cells
        for index, value in enumerate(row):
            if index in table.percent_columns and isinstance(value, float):
                text = percent_text(value)
            else:
                text = "" if value is None else str(value)
            paragraph = cells[index].paragraphs[0]
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER if index else WD_ALIGN_PARAGRAPH.LEFT
            _font(paragraph.add_run(text), Pt(11), bold=row[0] in {"Toàn trường", "Tổng cộng"})
    _paragraph(document, after=6)


def _incident_lines(document, incidents: Sequence[IncidentReport], none_text: str) -> None:  # noqa: ANN001
    if not incidents:
        _paragraph(document, none_text, align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent=True, after=6)
        return
    for i in incidents:
        where = i.school_class.name if i.school_class else NO_CLASS.lower()
        handled = i.status is IncidentStatus.HANDLED
        status = f"đã xử lý: {i.action_taken or ''}" if handled else "chưa xử lý"
        description = shorten(i.description, 300).rstrip(" .") or "(không có mô tả)"
        text = (f"- {i.reference} ({local_text(i.occurred_at)}, lớp {where}) — {KIND_LABELS[i.kind]}: "
                f"{description}. Tình trạng: {status}.")
        _paragraph(document, text, align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent=True, after=3)


def _body(document, report: TermReport, details: LetterDetails) -> None:  # noqa: ANN001
    def text(line: str, *, bold: bool = False) -> None:
        _paragraph(document, line, align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent=True, after=6, bold=bold)

    text("Thực hiện công văn của Phòng Giáo dục và Đào tạo về việc tiếp tục đảm bảo an ninh, an toàn trong "
         "dạy, học trực tuyến và cảnh giác đối với các đối tượng mạo danh, nhà trường báo cáo kết quả "
         f"{period_text(report)} như sau:")
    text("1. Thông tin đến gia đình học sinh và xác nhận nội quy lớp học trực tuyến", bold=True)
    text(f"- Số lớp: {len(report.classes)}; số học sinh: {report.students}.")
    text(f"- Gia đình đã kết nối với trợ lý của nhà trường: {share_text(report.linked, report.students)}.")
    text(f"- Gia đình đã xác nhận đã đọc nội quy (phiên bản {RULES_VERSION}): "
         f"{share_text(report.acknowledged, report.students)}.")
    text(f"- Số thông báo đã gửi đến gia đình trong kỳ: {len(report.broadcasts)}.")
    _word_table(document, onboarding_table(report))
    text("2. Sự vụ mất an ninh, an toàn trong dạy, học trực tuyến (mục 2 của công văn)", bold=True)
    _word_table(document, kind_table(report))
    if report.incidents:
        text("Theo lớp:")
        _word_table(document, class_table(report))
    _incident_lines(document, report.safety_incidents, "Không có sự vụ nào trong kỳ báo cáo.")
    text("3. Mạo danh đơn vị, cá nhân ngành giáo dục để trục lợi (mục 3 của công văn)", bold=True)
    _incident_lines(document, report.scams, "Không có báo cáo mạo danh, lừa đảo nào trong kỳ báo cáo.")
    text("4. Đề xuất, kiến nghị", bold=True)
    recommendations = [line.strip() for line in details.recommendations.splitlines() if line.strip()]
    for line in recommendations or ["Không có."]:
        text(line)
    text("Trên đây là báo cáo của nhà trường, kính gửi Phòng Giáo dục và Đào tạo xem xét, chỉ đạo./.")


def _footer(document, report: TermReport, details: LetterDetails) -> None:  # noqa: ANN001
    settings = get_settings()
    table = document.add_table(rows=1, cols=2)
    table.autofit = False
    _borderless(table)
    left, right = _cell(table, 0, 0, 7.0), _cell(table, 0, 1, 9.0)
    _paragraph(left, "Nơi nhận:", size=Pt(12), bold=True, italic=True, align=WD_ALIGN_PARAGRAPH.LEFT)
    for line in (f"- {details.recipient or settings.report_recipient} (để báo cáo);", "- Lưu: VT."):
        _paragraph(left, line, size=Pt(11), align=WD_ALIGN_PARAGRAPH.LEFT)
    _paragraph(right, details.signer_title.strip().upper() or "HIỆU TRƯỞNG", size=Pt(13), bold=True)
    _paragraph(right, "(Ký, ghi rõ họ tên, đóng dấu)", size=Pt(13), italic=True)
    for _ in range(4):
        _paragraph(right)
    _paragraph(right, details.signer_name.strip(), size=Pt(13), bold=True)


def letter_document(report: TermReport, details: LetterDetails | None = None):  # noqa: ANN201 - docx Document
    details = details or LetterDetails()
    day = details.issued_on or report.generated_at.astimezone(TIMEZONE).date()
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(2), Cm(2)
    section.left_margin, section.right_margin = Cm(3), Cm(1.5)
    normal = document.styles["Normal"]
    normal.font.name, normal.font.size = FONT, BODY_SIZE
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
    _header(document, report, details, day)
    _paragraph(document, after=6)
    _paragraph(document, TITLE, size=Pt(14), bold=True)
    _paragraph(document, SUMMARY, size=Pt(14), bold=True)
    _short_line(document, 4.0, 16.5)
    _paragraph(document, f"Kính gửi: {details.recipient or get_settings().report_recipient}", after=12)
    _body(document, report, details)
    _paragraph(document, after=6)
    _footer(document, report, details)
    core = document.core_properties
    core.title, core.author = f"{TITLE} {SUMMARY}", report.school_name
    return document


def letter_bytes(report: TermReport, details: LetterDetails | None = None) -> bytes:
    buffer = io.BytesIO()
    letter_document(report, details).save(buffer)
    return buffer.getvalue()


def letter_path(report: TermReport, out_dir: Path) -> Path:
    return out_dir / f"bao-cao-{report.school_code}-{report.date_from:%Y%m%d}-{report.date_to:%Y%m%d}.docx"


def write_letter(report: TermReport, out_dir: Path, details: LetterDetails | None = None) -> Path:
    """Write ``bao-cao-<school>-<from>-<to>.docx`` beside the XLSX report; return its path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = letter_path(report, out_dir)
    path.write_bytes(letter_bytes(report, details))
    return path
