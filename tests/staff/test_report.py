"""The period report for the education office: figures, XLSX sheets, Markdown letter, command."""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import select
from typer.testing import CliRunner

from chatbot.cli import app
from chatbot.db.engine import session_scope
from chatbot.db.models import (
    Broadcast,
    BroadcastKind,
    Delivery,
    DeliveryStatus,
    IncidentKind,
    IncidentStatus,
    School,
)
from chatbot.school.demo import load_demo
from chatbot.school.incidents import KIND_LABELS
from chatbot.school.reporting import (
    audience_text,
    build_report,
    class_table,
    kind_table,
    render_markdown,
    write_report,
)
from tests.staff.helpers import incident, link_account, student

IN_TERM = datetime(2026, 10, 5, 2, 0, tzinfo=timezone.utc)
AFTER_TERM = datetime(2027, 1, 10, 2, 0, tzinfo=timezone.utc)


def term_activity() -> None:
    with session_scope() as session:
        load_demo(session, with_invites=False)
        school = session.scalars(select(School)).one()
        accounts = [link_account(session, student(session, "6A", roll), acknowledged=roll <= 2, at=IN_TERM)
                    for roll in (1, 2, 3)]
        link_account(session, student(session, "7A", 1), acknowledged=True, at=AFTER_TERM)
        stranger = incident(session, school, "SV-001", IncidentKind.STRANGER, IN_TERM, class_name="6A")
        stranger.status, stranger.action_taken, stranger.handled_by = (
            IncidentStatus.HANDLED, "Đổi mật khẩu phòng học, báo Công an phường", "Cô Lan")
        stranger.handled_at = IN_TERM
        incident(session, school, "SV-002", IncidentKind.SCAM, IN_TERM,
                 description="Mạo danh Sở GDĐT | bán tài liệu")
        incident(session, school, "SV-003", IncidentKind.HARASSMENT, IN_TERM, class_name="6A")
        incident(session, school, "SV-004", IncidentKind.STRANGER, AFTER_TERM, class_name="6A")
        notice = Broadcast(idempotency_key="b1", kind=BroadcastKind.ANNOUNCEMENT, school_id=school.id,
                           audience="school=THCS-HOASEN;class=6A", text="Nhắc phụ huynh đọc nội quy",
                           ask_receipt=True,
                           sender="Cô Lan", created_at=IN_TERM)
        session.add(notice)
        for kind in (BroadcastKind.ALERT, BroadcastKind.REMINDER):  # not the school's announcements
            session.add(Broadcast(idempotency_key=kind.value, kind=kind, school_id=school.id, audience="x",
                                  text="x", sender="assistant", created_at=IN_TERM))
        session.flush()
        for index, account in enumerate(accounts):
            session.add(Delivery(broadcast_id=notice.id, account_id=account.id,
                                 status=DeliveryStatus.SENT if index < 2 else DeliveryStatus.FAILED,
                                 acknowledged_at=IN_TERM if index == 0 else None))


def test_report_figures_and_files(any_db: str, tmp_path: Path) -> None:
    term_activity()
    with session_scope() as session:
        school = session.scalars(select(School)).one()
        report = build_report(session, school, date(2026, 9, 1), date(2026, 12, 31))
        assert [i.reference for i in report.incidents] == ["SV-001", "SV-002", "SV-003"]
        assert [i.reference for i in report.scams] == ["SV-002"]
        assert (report.students, report.linked, report.acknowledged, report.handled) == (240, 3, 2, 1)
        assert report.classes[0].linked == 3 and report.classes[2].linked == 0  # 7A joined later
        kinds = {row[0]: row[2:] for row in kind_table(report).rows}
        assert kinds[KIND_LABELS[IncidentKind.STRANGER]] == [1, 1, 0]
        assert kinds[KIND_LABELS[IncidentKind.SCAM]] == [1, 0, 1]
        assert kinds["Tổng cộng"] == [3, 1, 2]
        by_class = {row[0]: row for row in class_table(report).rows}
        assert by_class["6A"][-3:] == [2, 1, 1] and by_class["Không rõ lớp"][-3:] == [1, 0, 1]
        assert [(b.recipients, b.delivered, b.confirmed) for b in report.broadcasts] == [(3, 2, 1)]
        xlsx_path, md_path = write_report(report, tmp_path)

    assert xlsx_path.name == "bao-cao-THCS-HOASEN-20260901-20261231.xlsx"
    workbook = load_workbook(xlsx_path)
    assert workbook.sheetnames == ["Tổng hợp", "Kết nối theo lớp", "Sự vụ theo loại", "Sự vụ theo lớp",
                                   "Sự vụ (mục 2)", "Mạo danh, lừa đảo (mục 3)", "Mạo danh theo số",
                                   "Thông báo đã gửi"]
    classes = workbook["Kết nối theo lớp"]
    assert [c.value for c in classes[1]] == ["Lớp", "Giáo viên chủ nhiệm", "Sĩ số", "Gia đình đã kết nối",
                                             "Tỉ lệ kết nối", "Đã xác nhận nội quy", "Tỉ lệ xác nhận"]
    assert [c.value for c in classes[2]] == ["6A", "Nguyễn Thị Lan", 30, 3, 0.1, 2, 2 / 30]
    assert classes["E2"].number_format == "0.0%"
    notices = workbook["Thông báo đã gửi"]
    assert [c.value for c in notices[2]][1:] == ["Lớp 6A", "Nhắc phụ huynh đọc nội quy", 3, 2, 1]
    assert notices.max_row == 2  # alerts to teachers and class reminders are not announcements
    listed = workbook["Sự vụ (mục 2)"]
    assert listed["H2"].value == "Đổi mật khẩu phòng học, báo Công an phường" and listed.max_row == 3

    text = md_path.read_text(encoding="utf-8")
    assert text == render_markdown(report)
    assert "Kính gửi: Phòng Giáo dục và Đào tạo" in text
    assert "Thời gian báo cáo: từ 01/09/2026 đến 31/12/2026" in text
    assert "Gia đình đã kết nối với trợ lý của nhà trường: 3/240 (1,2%)." in text
    assert "| 6A | Nguyễn Thị Lan | 30 | 3 | 10,0% | 2 | 6,7% |" in text
    assert "Tình trạng: đã xử lý: Đổi mật khẩu phòng học, báo Công an phường." in text
    assert "Mạo danh Sở GDĐT \\| bán tài liệu" in text  # a pipe cannot break the table
    assert "SV-004" not in text


def test_report_of_a_quiet_period(demo_db: str) -> None:
    with session_scope() as session:
        school = session.scalars(select(School)).one()
        text = render_markdown(build_report(session, school, date(2026, 9, 1), date(2026, 9, 30)))
    assert "Không có sự vụ nào trong kỳ báo cáo." in text
    assert "Không có báo cáo mạo danh, lừa đảo nào trong kỳ báo cáo." in text


def test_report_command(demo_db: str, runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "reports"
    result = runner.invoke(app, ["report", "--from", "01/09/2026", "--to", "2027-01-15", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Gia đình đã kết nối: 0/240" in result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "bao-cao-THCS-HOASEN-20260901-20270115.docx", "bao-cao-THCS-HOASEN-20260901-20270115.md",
        "bao-cao-THCS-HOASEN-20260901-20270115.xlsx",
    ]
    for args, message in [
        (["--from", "15/01/2027", "--to", "01/09/2026"],
         "ngày bắt đầu 15/01/2027 sau ngày kết thúc 01/09/2026"),
        (["--from", "2026-13-01", "--to", "01/09/2026"], "--from: “2026-13-01” không phải ngày hợp lệ"),
        (["--from", "01/09/2026", "--to", "tuần sau"], "--to: “tuần sau” không phải ngày hợp lệ"),
    ]:
        failed = runner.invoke(app, ["report", *args, "--out", str(tmp_path / "x")])
        assert failed.exit_code == 1 and message in failed.stderr, failed.output
        assert not (tmp_path / "x").exists()


def test_audience_labels_read_as_words() -> None:
    assert audience_text("school=HS") == "Toàn trường"
    assert audience_text("school=HS;grade=6,7;class=8A") == "Khối 6, 7; lớp 8A"
    assert audience_text("school=HS;students=6A:1,6A:5") == "Học sinh 6A:1, 6A:5"
