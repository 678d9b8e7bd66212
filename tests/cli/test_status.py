"""Who has connected and acknowledged, per class, in the store and on the command line."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select
from typer.testing import CliRunner

from chatbot.db.engine import session_scope
from chatbot.db.models import Acknowledgement, Channel, ChatAccount, Role, School, StaffMember
from chatbot.school.status import class_statuses
from cli import app
from tests.cli.helpers import link_account, student

EARLY = datetime(2026, 9, 5, 3, 0, tzinfo=timezone.utc)


def connect_some_families() -> None:
    with session_scope() as session:
        link_account(session, student(session, "6A", 1), acknowledged=True, at=EARLY)
        link_account(session, student(session, "6A", 2), at=EARLY)
        link_account(session, student(session, "6A", 3), role=Role.STUDENT, channel=Channel.ZALO,
                     acknowledged=True, at=EARLY + timedelta(days=30))
        gone = link_account(session, student(session, "6A", 4), acknowledged=True, at=EARLY)
        gone.active = False  # blocked the bot
        old_rules = link_account(session, student(session, "6A", 5), at=EARLY)
        session.add(Acknowledgement(account_id=old_rules.id, student_id=student(session, "6A", 5).id,
                                    rules_version="PGDĐT-2019", acknowledged_at=EARLY))
        teacher = session.scalars(select(StaffMember).where(StaffMember.full_name == "Nguyễn Thị Lan")).one()
        session.add(ChatAccount(channel=Channel.TELEGRAM, external_id="gv-lan", role=Role.TEACHER,
                                staff_member_id=teacher.id))


def test_class_status_counts(demo_db: str) -> None:
    connect_some_families()
    with session_scope() as session:
        school = session.scalars(select(School)).one()
        statuses = class_statuses(session, school)
        later = class_statuses(session, school, class_name="6A", as_of=EARLY + timedelta(days=1))
    assert [c.name for c in statuses] == ["6A", "6B", "7A", "7B", "8A", "8B", "9A", "9B"]
    six_a = statuses[0]
    # 4's account left (not linked any more) but its acknowledgement stands; 5's is for old rules
    assert (six_a.total, six_a.linked, six_a.acknowledged) == (30, 4, 3)
    assert [s.roll_number for s in six_a.not_linked][:2] == [4, 6]
    assert [s.roll_number for s in six_a.not_acknowledged][:3] == [2, 5, 6]
    assert six_a.students[2].channels == ("zalo",)
    assert six_a.homeroom_teacher == "Nguyễn Thị Lan" and six_a.homeroom_linked
    assert not statuses[1].homeroom_linked and statuses[1].linked == 0
    assert (later[0].linked, later[0].acknowledged) == (3, 2)  # student 3 joined a month later


def test_status_command(demo_db: str, runner: CliRunner) -> None:
    connect_some_families()
    overview = runner.invoke(app, ["status"], env={"COLUMNS": "160"})
    assert overview.exit_code == 0, overview.output
    line_6a = next(line for line in overview.output.splitlines() if "│ 6A" in line)
    assert "4/30 (13%)" in line_6a and "3/30 (10%)" in line_6a
    assert "4, 6–30" in line_6a and "2, 5–30" in line_6a
    assert "Toàn trường" in overview.output and "4/240 (2%)" in overview.output

    detail = runner.invoke(app, ["status", "--class", "6a"], env={"COLUMNS": "160"})
    assert detail.exit_code == 0, detail.output
    rows = [line for line in detail.output.splitlines() if "Nguyễn Văn An" in line or "Phạm Anh Bảo" in line]
    assert "Telegram" in rows[0] and "05/09/2026" in rows[0]
    assert "Zalo" in rows[1]

    missing = runner.invoke(app, ["status", "--class", "6C"])
    assert missing.exit_code == 1 and "không có lớp 6C" in missing.stderr
