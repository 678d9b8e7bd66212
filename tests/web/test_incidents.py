"""The reports inbox: filters, detail, marking handled (the reporter is told), export."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from chatbot.db.engine import session_scope
from chatbot.db.models import AuditEvent, Broadcast, IncidentReport, IncidentStatus, School, SchoolClass
from tests.web.conftest import ADMIN, OFFICE, OTHER_ADMIN, TEACHER_6A, TEACHER_6B


def status_of(reference: str) -> IncidentStatus:
    with session_scope() as session:
        return session.scalar(select(IncidentReport.status).where(IncidentReport.reference == reference))


def test_the_admin_lists_and_filters_the_school_reports(browser_for) -> None:
    browser = browser_for(ADMIN)
    page = browser.get("/su-vu").text
    assert "SC-2026-000101" in page and "SC-2026-000102" in page and "SC-2026-000201" not in page
    scams = browser.get("/su-vu", params={"loai": "scam"}).text
    assert "SC-2026-000102" in scams and "SC-2026-000101" not in scams
    with session_scope() as session:
        six_a = session.scalar(
            select(SchoolClass.id).join(School).where(School.code == "THCS-HOASEN", SchoolClass.name == "6A")
        )
    by_class = browser.get("/su-vu", params={"lop": six_a}).text
    assert "SC-2026-000101" in by_class and "SC-2026-000102" not in by_class
    assert "SC-2026-000101" not in browser.get("/su-vu", params={"trang-thai": "handled"}).text


def test_handling_a_report_records_the_note_and_tells_the_reporter(browser_for) -> None:
    browser = browser_for(ADMIN)
    detail = browser.get("/su-vu/SC-2026-000102").text
    assert "bán tài liệu ôn thi" in detail and "Đánh dấu đã xử lý" in detail
    empty = browser.post("/su-vu/SC-2026-000102/xu-ly", {"note": "  "}, page="/su-vu/SC-2026-000102")
    assert empty.status_code == 400 and "Hãy ghi biện pháp đã làm" in empty.text
    assert status_of("SC-2026-000102") is IncidentStatus.OPEN
    note = "Đã nhắc phụ huynh không chuyển tiền, báo Công an phường."
    done = browser.post("/su-vu/SC-2026-000102/xu-ly", {"note": note}, page="/su-vu/SC-2026-000102")
    assert done.status_code == 303
    page = browser.get(done.headers["location"]).text
    assert "Người báo cáo sẽ nhận được thông báo" in page and note in page and "Trịnh Văn Quang" in page
    with session_scope() as session:
        report = session.scalar(select(IncidentReport).where(IncidentReport.reference == "SC-2026-000102"))
        told = session.scalar(
            select(Broadcast).where(Broadcast.idempotency_key == "incident-handled:SC-2026-000102")
        )
        assert report.status is IncidentStatus.HANDLED and report.handled_by == "Trịnh Văn Quang"
        assert told is not None and note in told.text
        assert session.scalars(
            select(AuditEvent.detail).where(AuditEvent.action == "report_handled")
        ).all() == ["Sự vụ SC-2026-000102"]
    twice = browser.post("/su-vu/SC-2026-000102/xu-ly", {"note": "lần hai"}, page="/su-vu/SC-2026-000102")
    assert twice.status_code in (303, 409)
    with session_scope() as session:
        assert (
            session.scalar(
                select(IncidentReport.action_taken).where(IncidentReport.reference == "SC-2026-000102")
            )
            == note
        )


def test_a_teacher_sees_and_handles_only_their_class(browser_for) -> None:
    six_a, six_b = browser_for(TEACHER_6A), browser_for(TEACHER_6B)
    assert "SC-2026-000101" in six_a.get("/su-vu").text
    assert "SC-2026-000102" not in six_a.get("/su-vu").text
    assert six_b.get("/su-vu/SC-2026-000101").status_code == 404
    response = six_b.post("/su-vu/SC-2026-000101/xu-ly", {"note": "x"})
    assert response.status_code == 404 and status_of("SC-2026-000101") is IncidentStatus.OPEN


def test_a_school_never_sees_another_school_report(browser_for) -> None:
    other = browser_for(OTHER_ADMIN)
    assert "SC-2026-000101" not in other.get("/su-vu").text
    assert other.get("/su-vu/SC-2026-000101").status_code == 404
    assert other.post("/su-vu/SC-2026-000101/xu-ly", {"note": "x"}).status_code == 404
    assert "SC-2026-000101" not in other.get("/su-vu/xuat", params={"dinh-dang": "csv"}).text


def test_the_office_reads_every_school_and_changes_nothing(browser_for) -> None:
    office = browser_for(OFFICE)
    page = office.get("/su-vu").text
    assert "SC-2026-000101" in page and "SC-2026-000201" in page
    detail = office.get("/su-vu/SC-2026-000201").text
    assert "Báo cáo riêng của Biển Xanh" in detail and "Đánh dấu đã xử lý" not in detail
    response = office.post("/su-vu/SC-2026-000201/xu-ly", {"note": "x"}, page="/su-vu/SC-2026-000201")
    assert response.status_code == 403 and status_of("SC-2026-000201") is IncidentStatus.OPEN


def test_export_gives_the_filtered_list_and_is_audited(browser_for) -> None:
    browser = browser_for(ADMIN)
    response = browser.get("/su-vu/xuat", params={"dinh-dang": "xlsx", "loai": "stranger"})
    assert response.status_code == 200
    assert 'filename="su-vu-THCS-HOASEN-' in response.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Mã" and [r[0] for r in rows[1:]] == ["SC-2026-000101"]
    csv = browser.get("/su-vu/xuat", params={"dinh-dang": "csv"})
    assert csv.content.startswith(b"\xef\xbb\xbf") and "SC-2026-000102" in csv.text
    assert browser.get("/su-vu/xuat", params={"dinh-dang": "pdf"}).status_code == 400
    with session_scope() as session:
        assert session.scalar(select(func.count()).where(AuditEvent.action == "reports_exported")) == 2


@pytest.mark.parametrize("reference", ["SC-2026-999999", "khong-co"])
def test_an_unknown_reference_is_not_found(browser_for, reference: str) -> None:
    assert browser_for(ADMIN).get(f"/su-vu/{reference}").status_code == 404
