"""The period report for the education office: figures, XLSX sheets, Markdown letter, command."""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import select
from typer.testing import CliRunner

from chatbot.db.engine import session_scope
from chatbot.db.models import (
    Broadcast,
    BroadcastKind,
    Delivery,
    DeliveryStatus,
    IncidentKind,
    IncidentStatus,
    ParentPhone,
    School,
)
from chatbot.delivery.zalo_templates import set_template
from chatbot.school.demo import load_demo
from chatbot.school.incidents import KIND_LABELS
from chatbot.school.reporting import (
    audience_text,
    build_report,
    class_table,
    kind_table,
    reach_table,
    render_markdown,
    write_report,
)
from cli import app
from tests.cli.helpers import incident, link_account, student

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


def phone_only_family() -> None:
    """6B's first family has no chat account, only a phone on the roster and a ZNS template."""
    with session_scope() as session:
        session.add(ParentPhone(student_id=student(session, "6B", 1).id, phone="+84912340001", position=0))
        set_template(session, "class_reminder", "zns", "248001", "content:text:400")


def test_report_figures_and_files(any_db: str, tmp_path: Path) -> None:
    term_activity()
    phone_only_family()
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
        reach = {row[0]: row[1:] for row in reach_table(report).rows}
        # Telegram, Zalo Bot, Zalo in the window, transaction template, ZNS, none; families
        assert reach["6A"] == [3, 0, 0, 0, 0, 27, 30]
        assert reach["6B"] == [0, 0, 0, 0, 1, 29, 30]
        assert reach["7A"] == [1, 0, 0, 0, 0, 29, 30]  # today's reach, whenever it linked
        assert reach["Toàn trường"] == [4, 0, 0, 0, 1, 235, 240]
        xlsx_path, md_path = write_report(report, tmp_path)

    assert xlsx_path.name == "bao-cao-THCS-HOASEN-20260901-20261231.xlsx"
    workbook = load_workbook(xlsx_path)
    assert workbook.sheetnames == ["Tổng hợp", "Kết nối theo lớp", "Liên lạc theo kênh", "Sự vụ theo loại",
                                   "Sự vụ theo lớp",
                                   "Sự vụ (mục 2)", "Mạo danh, lừa đảo (mục 3)", "Mạo danh theo số",
                                   "Thông báo đã gửi"]
    classes = workbook["Kết nối theo lớp"]
    assert [c.value for c in classes[1]] == ["Lớp", "Giáo viên chủ nhiệm", "Sĩ số", "Gia đình đã kết nối",
                                             "Tỉ lệ kết nối", "Đã xác nhận nội quy", "Tỉ lệ xác nhận"]
    assert [c.value for c in classes[2]] == ["6A", "Nguyễn Thị Lan", 30, 3, 0.1, 2, 2 / 30]
    assert classes["E2"].number_format == "0.0%"
    by_route = workbook["Liên lạc theo kênh"]
    assert [c.value for c in by_route[1]] == [
        "Lớp", "Telegram", "Zalo Bot", "Zalo trong 7 ngày", "Zalo tin giao dịch", "ZNS",
        "Không liên lạc được", "Số gia đình",
    ]
    assert [c.value for c in by_route[3]] == ["6B", 0, 0, 0, 0, 1, 29, 30]
    summary = {row[0]: row[1] for row in workbook["Tổng hợp"].iter_rows(min_row=2, values_only=True)}
    assert summary["Gia đình chưa liên lạc được qua kênh nào (ngày lập)"] == 235
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
    assert "| 6B | 0 | 0 | 0 | 0 | 1 | 29 | 30 |" in text


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
    reach = result.output.split("Toàn trường")[-1].split()
    assert "Liên lạc được với gia đình qua tuyến nào" in result.output and "240" in reach  # none reachable
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
