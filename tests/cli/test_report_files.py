"""The report's files: native Excel charts, and the Word letter in the Decree 30/2020 layout."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from docx import Document
from openpyxl import load_workbook
from sqlalchemy import select
from typer.testing import CliRunner

from chatbot.db.engine import session_scope
from chatbot.db.models import School
from chatbot.school.report_letter import LetterDetails, date_line, letter_document
from chatbot.school.reporting import build_report, write_xlsx
from cli import app
from tests.cli.test_report import term_activity


def report(session):  # noqa: ANN001, ANN201
    school = session.scalars(select(School)).one()
    return build_report(session, school, date(2026, 9, 1), date(2026, 12, 31))


def test_the_workbook_has_native_charts_over_its_own_cells(db: str, tmp_path: Path) -> None:
    term_activity()
    with session_scope() as session:
        write_xlsx(report(session), tmp_path / "r.xlsx")
    workbook = load_workbook(tmp_path / "r.xlsx")
    (rates,) = workbook["Kết nối theo lớp"]._charts
    assert rates.type == "col" and len(rates.series) == 2
    refs = [s.val.numRef.f for s in rates.series]
    assert refs == ["'Kết nối theo lớp'!$E$2:$E$9", "'Kết nối theo lớp'!$G$2:$G$9"]
    (kinds,) = workbook["Sự vụ theo loại"]._charts
    assert kinds.grouping == "stacked" and [s.val.numRef.f for s in kinds.series] == [
        "'Sự vụ theo loại'!$D$2:$D$7",
        "'Sự vụ theo loại'!$E$2:$E$7",
    ]
    assert workbook["Sự vụ theo loại"]["A7"].value == "Mạo danh, rao bán thiết bị, tài liệu"


def test_the_letter_follows_the_administrative_layout(db: str) -> None:
    term_activity()
    with session_scope() as session:
        details = LetterDetails(number="07", signer_name="Nguyễn Văn Hiệu", issued_on=date(2027, 1, 5))
        document = letter_document(report(session), details)
    section = document.sections[0]
    sizes = (
        section.page_width,
        section.page_height,
        section.left_margin,
        section.right_margin,
        section.top_margin,
    )
    assert [round(size.cm, 2) for size in sizes] == [21, 29.7, 3, 1.5, 2]
    left, right = (cell.text.split("\n") for cell in document.tables[0].rows[0].cells)
    assert left[:2] == ["PHÒNG GD&ĐT THÀNH PHỐ HẠ LONG", "TRƯỜNG THCS HOA SEN"]
    assert left[-1] == "Số: 07/BC-THCSHOASEN"
    assert right[:2] == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
    assert right[-1] == "Hạ Long, ngày 05 tháng 01 năm 2027"
    heading = document.tables[0].rows[0].cells[1].paragraphs[0].runs[0]
    assert heading.bold and heading.font.name == "Times New Roman"
    texts = [p.text for p in document.paragraphs]
    assert "BÁO CÁO" in texts and "Kính gửi: Phòng Giáo dục và Đào tạo thành phố Hạ Long" in texts
    body = "\n".join(texts)
    assert "trợ lý của nhà trường: 3/240 (" in body and "SV-002" in body and "Đổi mật khẩu phòng học" in body
    recipients, signature = (cell.text for cell in document.tables[-1].rows[0].cells)
    assert recipients.startswith("Nơi nhận:") and "Lưu: VT." in recipients
    assert signature.startswith("HIỆU TRƯỞNG\n(Ký, ghi rõ họ tên, đóng dấu)") and signature.endswith(
        "Nguyễn Văn Hiệu"
    )


def test_the_date_line_pads_day_and_month() -> None:
    assert date_line("Hạ Long", date(2027, 3, 9)) == "Hạ Long, ngày 09 tháng 03 năm 2027"


def test_the_command_writes_the_word_letter_too(db: str, tmp_path: Path) -> None:
    term_activity()
    result = CliRunner().invoke(
        app, ["report", "--from", "01/09/2026", "--to", "31/12/2026", "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    letter = tmp_path / "bao-cao-THCS-HOASEN-20260901-20261231.docx"
    assert letter.exists() and "Nghị định 30/2020/NĐ-CP" in result.output
    assert "TRƯỜNG THCS HOA SEN" in Document(letter).tables[0].rows[0].cells[0].text
