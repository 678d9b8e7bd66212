"""Two schools in one deployment: isolation, delivery through each school's own bots, figures.

Every test runs on SQLite and on PostgreSQL (``any_db``).
"""

from __future__ import annotations

import asyncio
import io
from datetime import datetime, timezone

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from chatbot.db.engine import session_scope
from chatbot.db.models import Channel, ChatAccount, Delivery, DeliveryStatus, Role
from chatbot.delivery.reminders import queue_due_reminders
from chatbot.delivery.worker import DeliveryWorker, WorkerOptions
from chatbot.school.accounts import LinkStatus, load_account, redeem_code
from chatbot.school.city import NO_ROUTE_HEADER, SUMMARY_HEADERS, SUMMARY_SHEET, city_figures, city_xlsx_bytes
from chatbot.school.incidents import ClassProblem, classes_for_report
from chatbot.school.invites import issue_invite
from connectors.senders import build_senders
from tests.fakes.telegram_api import telegram_error
from tests.fakes.zalo_api import SEND as ZALO_SEND
from tests.journeys.city.conftest import RATE, DemoSchool, add_school, first_lesson, link_family

FAMILIES = 30  # Telegram families per school; each school also has 4 on its Zalo OA


@pytest.fixture
def schools(any_db: str, city_env: str, fake_bots) -> dict[str, DemoSchool]:  # noqa: ANN001
    return {
        code: add_school(code, FAMILIES + 4, telegram, zalo) for code, (telegram, zalo) in fake_bots.items()
    }


def _invite(student_id: int | None = None, staff_member_id: int | None = None) -> str:
    with session_scope() as session:
        role = Role.PARENT if student_id else Role.TEACHER
        return issue_invite(session, role=role, student_id=student_id, staff_member_id=staff_member_id)


def _redeem(external_id: str, code: str) -> LinkStatus:
    with session_scope() as session:
        return redeem_code(session, "telegram", external_id, code).status


def test_one_chat_account_on_two_schools_bots_sees_each_school_alone(schools: dict[str, DemoSchool]) -> None:
    a, b = schools["THCS-A"], schools["THCS-B"]
    code_a, code_b = _invite(a.students[0]), _invite(b.students[0])
    teacher_b = _invite(staff_member_id=b.teacher_id)

    # Telegram chat 42 writes to school A's bot with school B's codes: not a code of this school.
    assert _redeem("THCS-A:42", code_b) is LinkStatus.UNKNOWN
    assert _redeem("THCS-A:42", teacher_b) is LinkStatus.UNKNOWN
    assert _redeem("THCS-A:42", code_a) is LinkStatus.LINKED
    # The same person on school B's bot is another account, linked with B's code only.
    assert _redeem("THCS-B:42", code_b) is LinkStatus.LINKED
    assert _redeem("THCS-B:42", teacher_b) is LinkStatus.LINKED

    with session_scope() as session:
        on_a = load_account(session, "telegram", "THCS-A:42")
        on_b = load_account(session, "telegram", "THCS-B:42")
        plain = load_account(session, "telegram", "42")
    assert [s.student_id for s in on_a.students] == [a.students[0]]
    assert on_a.school_ids == frozenset({a.school_id}) and on_a.staff is None
    assert [s.student_id for s in on_b.students] == [b.students[0]]
    assert on_b.staff is not None and on_b.staff.school_id == b.school_id
    assert on_b.school_ids == frozenset({b.school_id})
    assert not plain.linked  # the deployment's own bot knows neither


def test_a_reminder_to_both_schools_goes_out_through_each_bot_in_parallel(
    schools: dict[str, DemoSchool],
) -> None:
    for school in schools.values():
        for n, student in enumerate(school.students[:FAMILIES]):
            link_family(school, student, Channel.TELEGRAM, str(1000 + n))
        for n, student in enumerate(school.students[FAMILIES:]):
            link_family(school, student, Channel.ZALO, f"z{n}")
        first_lesson(school)
    with session_scope() as session:
        assert len(queue_due_reminders(session)) == 2

    senders = build_senders()
    assert set(senders) == {"telegram:THCS-A", "telegram:THCS-B", "zalo:THCS-A", "zalo:THCS-B"}
    stats = asyncio.run(DeliveryWorker(senders, WorkerOptions(concurrency=4)).drain())

    assert stats["sent"] == 2 * (FAMILIES + 4)
    for school in schools.values():
        chats = sorted(str(r.params["chat_id"]) for r in school.telegram.calls("sendMessage"))
        assert chats == sorted(str(1000 + n) for n in range(FAMILIES))  # its own families, no one else's
        assert school.telegram.rate_limited == 0  # never above the bot's own limit
        assert sorted(m["recipient"]["user_id"] for m in _zalo_bodies(school)) == [f"z{n}" for n in range(4)]
        assert all("Toán" in text for text in school.telegram.sent_texts())
    # In parallel, not one bot after the other: each bot's sends began before the other's ended.
    a, b = ([r.at for r in s.telegram.calls("sendMessage")] for s in schools.values())
    assert min(a) < max(b) and min(b) < max(a)


def _zalo_bodies(school: DemoSchool) -> list[dict]:
    return [r.params for r in school.zalo.calls(ZALO_SEND)]


def _remind_both(schools: dict[str, DemoSchool], first_chat: int) -> None:
    for school in schools.values():
        for n, student in enumerate(school.students[:FAMILIES]):
            link_family(school, student, Channel.TELEGRAM, str(first_chat + n))
        first_lesson(school)
    with session_scope() as session:
        queue_due_reminders(session)


def _outcomes() -> dict[str, list]:
    with session_scope() as session:
        rows = session.execute(
            select(ChatAccount.external_id, Delivery.status, Delivery.sent_at, Delivery.last_error)
            .join(ChatAccount, ChatAccount.id == Delivery.account_id)
        ).all()
    return {code: [r for r in rows if r.external_id.startswith(f"{code}:")] for code in ("THCS-A", "THCS-B")}


def _telegram_senders() -> dict:
    return {k: v for k, v in build_senders().items() if k.startswith("telegram")}


def test_a_paused_bot_does_not_delay_the_other_school(schools: dict[str, DemoSchool]) -> None:
    pause = telegram_error(429, "Too Many Requests", times=3, retry_after=3)
    schools["THCS-A"].telegram.fail("sendMessage", pause)
    _remind_both(schools, 2000)
    started = datetime.now(timezone.utc)
    asyncio.run(DeliveryWorker(_telegram_senders(), WorkerOptions(concurrency=4)).drain())

    outcomes = _outcomes()
    assert {r.status for r in outcomes["THCS-B"]} == {DeliveryStatus.SENT}
    last_b = max(r.sent_at for r in outcomes["THCS-B"])
    assert (last_b - started).total_seconds() < 1.6 * FAMILIES / RATE + 1.0  # A's 3 s pause is not B's
    assert {r.status for r in outcomes["THCS-A"]} <= {DeliveryStatus.SENT, DeliveryStatus.PENDING}


def test_a_revoked_token_is_that_school_s_problem_alone(schools: dict[str, DemoSchool]) -> None:
    schools["THCS-A"].telegram.token = "100:revoked-by-botfather"
    _remind_both(schools, 3000)
    asyncio.run(DeliveryWorker(_telegram_senders(), WorkerOptions(concurrency=4)).drain())

    outcomes = _outcomes()
    assert {r.status for r in outcomes["THCS-B"]} == {DeliveryStatus.SENT}
    assert {r.status for r in outcomes["THCS-A"]} == {DeliveryStatus.PENDING}  # retried later, not lost
    assert {r.last_error for r in outcomes["THCS-A"]} == {"invalid bot token or API address"}


def test_the_office_figures_add_up(schools: dict[str, DemoSchool]) -> None:
    a, b = schools["THCS-A"], schools["THCS-B"]
    for n, student in enumerate(a.students[:10]):
        link_family(a, student, Channel.TELEGRAM, str(n))
    for n, student in enumerate(b.students[:4]):
        link_family(b, student, Channel.ZALO, str(n))
    today = datetime.now(timezone.utc).date()
    with session_scope() as session:
        city = city_figures(session, today, today)
    by_code = {s.code: s for s in city.schools}
    assert by_code["THCS-A"].linked == 10 and by_code["THCS-B"].linked == 4
    assert city.total("linked") == 14
    assert city.total("students") == sum(s.students for s in city.schools) == 2 * (FAMILIES + 4)
    assert by_code["THCS-A"].channels == ("telegram", "zalo")
    workbook = load_workbook(io.BytesIO(city_xlsx_bytes(city)))
    assert workbook.sheetnames == [SUMMARY_SHEET, "THCS-A", "THCS-B"]
    summary = list(workbook[SUMMARY_SHEET].iter_rows(values_only=True))
    assert summary[-1][1] == "Toàn thành phố" and summary[-1][3] == 14
    # Families per route today: every family counted once, in its best route.
    assert by_code["THCS-A"].reach["telegram"] == 10 and by_code["THCS-B"].reach["zalo_cs"] == 4
    assert all(sum(s.reach.values()) == s.students for s in city.schools)
    none = SUMMARY_HEADERS.index(NO_ROUTE_HEADER)
    size = FAMILIES + 4
    assert [row[none] for row in summary[1:]] == [size - 10, size - 4, 2 * size - 14]
    telegram = SUMMARY_HEADERS.index("Liên lạc: Telegram")
    assert summary[-1][telegram] == 10
    school_a = list(workbook["THCS-A"].iter_rows(values_only=True))
    assert ("Toàn trường", 10, 0, 0, 0, 0, size - 10, size) in school_a


def test_an_unlinked_family_on_a_school_bot_reports_only_about_that_school(
    schools: dict[str, DemoSchool],
) -> None:
    a = schools["THCS-A"]
    with session_scope() as session:
        view = load_account(session, "telegram", "THCS-A:77")  # never linked
        assert view.school_ids == frozenset({a.school_id}) and not view.linked
        choices = classes_for_report(session, view, "lớp 6A")
        assert [c.class_id for c in choices] == [a.class_id]  # not school B's 6A
        shared = classes_for_report(session, load_account(session, "telegram", "77"), "lớp 6A")
        assert len(shared) == 2  # the deployment's shared bot still serves the whole city
        gone = load_account(session, "telegram", "THCS-GONE:77")
        assert classes_for_report(session, gone, "lớp 6A") is ClassProblem.NOT_FOUND


def test_report_and_status_gain_a_city_level(schools: dict[str, DemoSchool], tmp_path) -> None:  # noqa: ANN001
    from typer.testing import CliRunner

    from cli import app

    link_family(schools["THCS-A"], schools["THCS-A"].students[0], Channel.TELEGRAM, "5")
    status = CliRunner().invoke(app, ["status", "--city"])
    assert status.exit_code == 0, status.output
    assert "THCS-A" in status.output and "THCS-B" in status.output and "Toàn thành phố" in status.output
    today = datetime.now(timezone.utc).date().isoformat()
    command = ["report", "--city", "--from", today, "--to", today, "--out", str(tmp_path)]
    report = CliRunner().invoke(app, command)
    assert report.exit_code == 0, report.output
    [path] = tmp_path.glob("bao-cao-toan-thanh-pho_*.xlsx")
    assert load_workbook(path).sheetnames == [SUMMARY_SHEET, "THCS-A", "THCS-B"]
    backwards = CliRunner().invoke(app, ["report", "--city", "--from", today, "--to", "2000-01-01"])
    assert backwards.exit_code == 1 and "sau --to" in backwards.output
