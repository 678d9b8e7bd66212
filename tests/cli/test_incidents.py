"""Incident reports for staff: filters, marking handled, export."""

from __future__ import annotations

import csv
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from typer.testing import CliRunner

from chatbot.db.engine import session_scope
from chatbot.db.models import Broadcast, Delivery, IncidentKind, IncidentReport, IncidentStatus, School
from chatbot.school.incidents import KIND_LABELS
from chatbot.school.incidents_admin import IncidentError, IncidentFilter, find_incidents, handle_incident
from cli import app
from tests.cli.helpers import incident, link_account, student

LATE_1_OCT = datetime(2026, 10, 1, 16, 30, tzinfo=timezone.utc)  # 23:30 on 1 October in Vietnam
EARLY_2_OCT = datetime(2026, 10, 1, 17, 30, tzinfo=timezone.utc)  # 00:30 on 2 October in Vietnam


@pytest.fixture
def incidents(demo_db: str) -> None:
    with session_scope() as session:
        school = session.scalars(select(School)).one()
        incident(session, school, "SV-001", IncidentKind.STRANGER, LATE_1_OCT, class_name="6A")
        incident(session, school, "SV-002", IncidentKind.SCAM, EARLY_2_OCT,
                 description="Người mạo danh Phòng GDĐT bán tài liệu")
        report = incident(session, school, "SV-003", IncidentKind.HARASSMENT, EARLY_2_OCT, class_name="7B")
        report.school_id = None  # sent before the reporter linked an account


def references(criteria: IncidentFilter) -> list[str]:
    with session_scope() as session:
        school = session.scalars(select(School)).one()
        return [i.reference for i in find_incidents(session, school, criteria)]


def test_filters(incidents: None) -> None:
    assert references(IncidentFilter()) == ["SV-001", "SV-002", "SV-003"]
    assert references(IncidentFilter(class_name="6A")) == ["SV-001"]
    assert references(IncidentFilter(kind=IncidentKind.SCAM)) == ["SV-002"]
    assert references(IncidentFilter(date_to=date(2026, 10, 1))) == ["SV-001"]
    assert references(IncidentFilter(date_from=date(2026, 10, 2))) == ["SV-002", "SV-003"]
    assert references(IncidentFilter(status=IncidentStatus.HANDLED)) == []


def test_handle(incidents: None) -> None:
    moment = datetime(2026, 10, 2, 2, 0, tzinfo=timezone.utc)
    with session_scope() as session:
        handled = handle_incident(session, "sv-001", by="Cô Lan", action="Đổi mật khẩu phòng, báo BGH",
                                  now=moment)
        assert handled.status is IncidentStatus.HANDLED
        assert (handled.handled_by, handled.handled_at) == ("Cô Lan", moment)
    already = "đã được Cô Lan xử lý lúc 02/10/2026 09:00"
    with session_scope() as session, pytest.raises(IncidentError, match=already):
        handle_incident(session, "SV-001", by="Thầy Quang", action="x")
    with session_scope() as session, pytest.raises(IncidentError, match="không có sự vụ mã SV-999"):
        handle_incident(session, "SV-999", by="Cô Lan", action="x")
    with session_scope() as session, pytest.raises(IncidentError, match="--action"):
        handle_incident(session, "SV-002", by="Cô Lan", action="  ")
    assert references(IncidentFilter(status=IncidentStatus.OPEN)) == ["SV-002", "SV-003"]


def test_incident_commands(incidents: None, runner: CliRunner, tmp_path: Path) -> None:
    listing = runner.invoke(app, ["incidents", "--status", "open", "--kind", "scam"], env={"COLUMNS": "200"})
    assert listing.exit_code == 0, listing.output
    assert "SV-002" in listing.output and KIND_LABELS[IncidentKind.SCAM] in listing.output
    assert "SV-001" not in listing.output

    handled = runner.invoke(
        app, ["incidents", "handle", "SV-001", "--by", "Cô Lan", "--action", "Khoá phòng học"]
    )
    assert handled.exit_code == 0 and "SV-001 đã xử lý (Cô Lan)" in handled.output
    again = runner.invoke(app, ["incidents", "handle", "SV-001", "--by", "Cô Lan", "--action", "x"])
    assert again.exit_code == 1 and "đã được Cô Lan xử lý" in again.stderr

    csv_path = tmp_path / "su-vu.csv"
    exported = runner.invoke(app, ["incidents", "export", str(csv_path), "--from", "01/10/2026",
                                   "--to", "2026-10-01"])
    assert exported.exit_code == 0 and "Đã xuất 1 sự vụ" in exported.output
    with csv_path.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert rows == [{
        "Mã": "SV-001", "Thời điểm xảy ra": "01/10/2026 23:30", "Lớp": "6A",
        "Loại": KIND_LABELS[IncidentKind.STRANGER], "Người báo": "Phụ huynh", "Mô tả": "Có người lạ vào lớp",
        "Trạng thái": "Đã xử lý", "Biện pháp xử lý": "Khoá phòng học", "Người xử lý": "Cô Lan",
        "Thời điểm xử lý": rows[0]["Thời điểm xử lý"],
    }]
    assert rows[0]["Thời điểm xử lý"]
    xlsx_path = tmp_path / "su-vu.xlsx"
    assert runner.invoke(app, ["incidents", "export", str(xlsx_path)]).exit_code == 0
    sheet = load_workbook(xlsx_path).active
    assert sheet.title == "Sự vụ" and sheet["A1"].value == "Mã" and sheet.max_row == 4
    assert sheet["C4"].value == "7B"


def test_incident_command_errors(incidents: None, runner: CliRunner, tmp_path: Path) -> None:
    for args, message in [
        (["incidents", "export", str(tmp_path / "x.pdf")], "chỉ xuất được tệp .csv hoặc .xlsx"),
        (["incidents", "--from", "31/09/2026"], "--from: “31/09/2026” không phải ngày hợp lệ"),
        (["incidents", "--from", "02/10/2026", "--to", "01/10/2026"],
         "--from 02/10/2026 sau --to 01/10/2026"),
        (["incidents", "--class", "6C"], "không có lớp 6C"),
    ]:
        result = runner.invoke(app, args)
        assert result.exit_code == 1, (args, result.output)
        assert message in result.stderr, (args, result.stderr)
    with session_scope() as session:
        handled = select(IncidentReport).where(IncidentReport.status == IncidentStatus.HANDLED)
        assert session.scalars(handled).all() == []


def test_handling_from_the_cli_tells_the_reporter(demo_db: str) -> None:
    with session_scope() as session:
        school = session.scalars(select(School)).one()
        account = link_account(session, student(session, "6A", 1))
        report = incident(session, school, "SV-010", IncidentKind.STRANGER, LATE_1_OCT, class_name="6A")
        report.reporter_account_id = account.id
    with session_scope() as session:
        handle_incident(session, "SV-010", by="Cô Lan", action="Đã khoá phòng học")
    with session_scope() as session:
        delivery = session.scalars(select(Delivery).where(Delivery.account_id == account.id)).one()
        broadcast = session.get(Broadcast, delivery.broadcast_id)
        assert "SV-010" in broadcast.text and "Đã khoá phòng học" in broadcast.text
