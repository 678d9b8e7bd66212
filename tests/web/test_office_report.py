"""The report for the education office from the browser: XLSX with charts and a Word letter."""

from __future__ import annotations

import io

from docx import Document
from openpyxl import load_workbook
from sqlalchemy import func, select

from chatbot.db.engine import session_scope
from chatbot.db.models import AuditEvent, School
from tests.web.conftest import ADMIN, OFFICE, OTHER_ADMIN, TEACHER_6A

PERIOD = {"tu": "2026-09-05", "den": "2026-12-31"}


def school_id(code: str) -> int:
    with session_scope() as session:
        return session.scalar(select(School.id).where(School.code == code))


def test_the_admin_downloads_both_files_of_their_school(browser_for) -> None:
    browser = browser_for(ADMIN)
    assert "Tải văn bản Word" in browser.get("/bao-cao").text
    xlsx = browser.get("/bao-cao/tai", params={**PERIOD, "dinh-dang": "xlsx"})
    assert xlsx.status_code == 200
    assert 'filename="bao-cao-THCS-HOASEN-20260905-20261231.xlsx"' in xlsx.headers["content-disposition"]
    workbook = load_workbook(io.BytesIO(xlsx.content))
    summary = {row[0]: row[1] for row in workbook["Tổng hợp"].iter_rows(min_row=2, values_only=True)}
    assert summary["Đơn vị"] == "Trường THCS Hoa Sen" and summary["Số học sinh"] == 240
    assert summary["Gia đình đã kết nối với trợ lý"].startswith("185/240")
    assert len(workbook["Kết nối theo lớp"]._charts) == 1 and len(workbook["Sự vụ theo loại"]._charts) == 1
    docx = browser.get(
        "/bao-cao/tai",
        params={
            **PERIOD,
            "dinh-dang": "docx",
            "so": "15",
            "nguoi-ky": "Trịnh Văn Quang",
            "kien-nghi": "Đề nghị tập huấn.",
        },
    )
    document = Document(io.BytesIO(docx.content))
    header = [cell.text for cell in document.tables[0].rows[0].cells]
    assert "TRƯỜNG THCS HOA SEN" in header[0] and "Số: 15/BC-THCSHOASEN" in header[0]
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in header[1] and "Độc lập - Tự do - Hạnh phúc" in header[1]
    text = "\n".join(p.text for p in document.paragraphs)
    assert "185/240" in text and "Đề nghị tập huấn." in text
    footer = [cell.text for cell in document.tables[-1].rows[0].cells]
    assert footer[0].startswith("Nơi nhận:") and "Trịnh Văn Quang" in footer[1]
    with session_scope() as session:
        assert session.scalar(select(func.count()).where(AuditEvent.action == "office_report")) == 2


def test_the_office_chooses_any_school(browser_for) -> None:
    browser = browser_for(OFFICE)
    missing = browser.get("/bao-cao/tai", params={**PERIOD, "dinh-dang": "xlsx"})
    assert missing.status_code == 400 and "Hãy chọn trường" in missing.text
    other = browser.get(
        "/bao-cao/tai", params={**PERIOD, "dinh-dang": "docx", "truong": school_id("THCS-BIENXANH")}
    )
    assert other.status_code == 200
    assert "TRƯỜNG THCS BIỂN XANH" in Document(io.BytesIO(other.content)).tables[0].rows[0].cells[0].text


def test_a_school_gets_only_its_own_report(browser_for) -> None:
    other = browser_for(OTHER_ADMIN)
    response = other.get(
        "/bao-cao/tai", params={**PERIOD, "dinh-dang": "xlsx", "truong": school_id("THCS-HOASEN")}
    )
    summary = dict(
        load_workbook(io.BytesIO(response.content))["Tổng hợp"].iter_rows(
            min_row=2, max_row=2, values_only=True
        )
    )
    assert summary["Đơn vị"] == "Trường THCS Biển Xanh"
    assert browser_for(TEACHER_6A).get("/bao-cao").status_code == 403


def test_a_wrong_period_gets_a_clear_message(browser_for) -> None:
    browser = browser_for(ADMIN)
    backwards = browser.get(
        "/bao-cao/tai", params={"tu": "2026-12-31", "den": "2026-09-05", "dinh-dang": "xlsx"}
    )
    assert backwards.status_code == 400 and "sau ngày kết thúc" in backwards.text
    nonsense = browser.get("/bao-cao/tai", params={"tu": "hôm qua", "den": "2026-09-05", "dinh-dang": "docx"})
    assert nonsense.status_code == 400 and "Khoảng thời gian chưa đúng" in nonsense.text
    assert browser.get("/bao-cao/tai", params={**PERIOD, "dinh-dang": "pdf"}).status_code == 400


def test_the_office_downloads_the_whole_city_and_admins_cannot(browser_for) -> None:
    browser = browser_for(OFFICE)
    assert "Toàn thành phố" in browser.get("/bao-cao").text
    xlsx = browser.get("/bao-cao/tai", params={**PERIOD, "truong": "toan-thanh-pho", "dinh-dang": "xlsx"})
    assert xlsx.status_code == 200
    assert 'filename="bao-cao-toan-thanh-pho-20260905-20261231.xlsx"' in xlsx.headers["content-disposition"]
    workbook = load_workbook(io.BytesIO(xlsx.content))
    with session_scope() as session:
        codes = list(session.scalars(select(School.code).order_by(School.code)))
    assert workbook.sheetnames == ["Toàn thành phố", *codes]
    rows = list(workbook["Toàn thành phố"].iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows[:-1]] == codes and rows[-1][1] == "Toàn thành phố"
    assert rows[-1][2] == sum(r[2] for r in rows[:-1]) and rows[-1][3] == sum(r[3] for r in rows[:-1])
    word = browser.get("/bao-cao/tai", params={**PERIOD, "truong": "toan-thanh-pho", "dinh-dang": "docx"})
    assert word.status_code == 400 and "từng trường" in word.text
    admin = browser_for(ADMIN).get(
        "/bao-cao/tai", params={**PERIOD, "truong": "toan-thanh-pho", "dinh-dang": "xlsx"}
    )
    assert "toan-thanh-pho" not in admin.headers.get("content-disposition", "")
