"""Issue 17 in a city of schools (issue 15): absence notices, relay threads, contact checks and
scam reports from families on a school's own bot stay in that school, and everything they send
goes out through that school's own bot.

Every test runs on SQLite and on PostgreSQL (``any_db``).
"""

from __future__ import annotations

import asyncio
import io
from datetime import datetime, timedelta, timezone

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from chatbot.channels import lane
from chatbot.db.engine import session_scope
from chatbot.db.models import Broadcast, Channel, ChatAccount, Delivery, IncidentReport, Role
from chatbot.delivery.reminders import queue_due_reminders
from chatbot.delivery.worker import DeliveryWorker, WorkerOptions
from chatbot.school import absences, contacts, incidents, relay
from chatbot.school.accounts import load_account
from chatbot.school.city import SUMMARY_HEADERS, SUMMARY_SHEET, city_figures, city_xlsx_bytes
from chatbot.settings import TIMEZONE, reset_settings
from connectors.senders import build_senders
from tests.journeys.city.conftest import DemoSchool, add_school, first_lesson, link_family

FAMILY, OTHER_FAMILY, TEACHER = "42", "43", "99"
NUMBERS = "0911 111 111, 0922 222 222, 0203 3822 123"


@pytest.fixture
def schools(any_db: str, city_env: str, fake_bots) -> dict[str, DemoSchool]:  # noqa: ANN001
    return {code: add_school(code, 3, telegram, zalo) for code, (telegram, zalo) in fake_bots.items()}


def _teacher_on_own_bot(school: DemoSchool, chat: str = TEACHER) -> int:
    with session_scope() as session:
        account = ChatAccount(
            channel=Channel.TELEGRAM, external_id=f"{school.code}:{chat}", role=Role.TEACHER,
            staff_member_id=school.teacher_id,
        )
        session.add(account)
        session.flush()
        return account.id


def _drain() -> dict[str, int]:
    return asyncio.run(DeliveryWorker(build_senders(), WorkerOptions(concurrency=4)).drain())


def _lanes(key_prefix: str) -> set[str]:
    """The bots the deliveries of broadcasts whose key starts with ``key_prefix`` go through."""
    with session_scope() as session:
        ids = session.execute(
            select(ChatAccount.channel, ChatAccount.external_id)
            .join(Delivery, Delivery.account_id == ChatAccount.id)
            .join(Broadcast, Broadcast.id == Delivery.broadcast_id)
            .where(Broadcast.idempotency_key.startswith(key_prefix))
        ).all()
    return {lane(channel.value, external_id) for channel, external_id in ids}


def test_an_absence_on_a_school_bot_is_that_school_s_alone(schools: dict[str, DemoSchool]) -> None:
    a, b = schools["THCS-A"], schools["THCS-B"]
    link_family(a, a.students[0], Channel.TELEGRAM, FAMILY)
    link_family(a, a.students[1], Channel.TELEGRAM, OTHER_FAMILY)
    link_family(b, b.students[0], Channel.TELEGRAM, FAMILY)  # the same person on B's bot
    _teacher_on_own_bot(a)
    _teacher_on_own_bot(b)
    for school in (a, b):
        first_lesson(school)
    now = datetime.now(timezone.utc)
    request = absences.read_absence("hôm nay con ốm", now)
    with session_scope() as session:
        # On A's bot, B's child is not this family's (though the same person is linked to it on B's).
        refused = absences.record_absence(
            session, channel="telegram", external_id=f"THCS-A:{FAMILY}", student_id=b.students[0],
            request=request, now=now,
        )
        assert isinstance(refused, absences.AbsenceCheck)
        assert refused.problem is absences.AbsenceProblem.NOT_YOUR_CHILD
        recorded = absences.record_absence(
            session, channel="telegram", external_id=f"THCS-A:{FAMILY}", student_id=a.students[0],
            request=request, now=now,
        )
        assert isinstance(recorded, absences.RecordOutcome) and recorded.teachers_told == 1
        today = request.day
        assert len(absences.absences_on(session, {a.class_id}, today)) == 1
        assert absences.absences_on(session, {b.class_id}, today) == []
        assert absences.count_between(session, a.school_id, today, today) == 1
        assert absences.count_between(session, b.school_id, today, today) == 0
        assert [line.student_id for line in absences.upcoming_of_account(
            session, "telegram", f"THCS-B:{FAMILY}", now)] == []
        assert len(queue_due_reminders(session)) == 2
    assert _lanes("absence:") == {"telegram:THCS-A"}  # the teacher's alert: A's bot only

    _drain()
    to_teacher_a = a.telegram.sent_texts(TEACHER)
    assert any("Báo nghỉ" in text for text in to_teacher_a)
    assert not any("Báo nghỉ" in text for text in b.telegram.sent_texts(TEACHER))
    # The reminder skips the absent child on A's bot; the same person on B's bot still gets B's.
    assert a.telegram.sent_texts(FAMILY) == []
    assert any("Toán" in text for text in a.telegram.sent_texts(OTHER_FAMILY))
    assert any("Toán" in text for text in b.telegram.sent_texts(FAMILY))

    with session_scope() as session:
        city = {s.code: s for s in city_figures(session, today, today).schools}
    assert city["THCS-A"].absences == 1 and city["THCS-B"].absences == 0


def test_a_relay_thread_runs_through_the_school_s_own_bot(schools: dict[str, DemoSchool]) -> None:
    a, b = schools["THCS-A"], schools["THCS-B"]
    link_family(a, a.students[0], Channel.TELEGRAM, FAMILY)
    link_family(b, b.students[0], Channel.TELEGRAM, FAMILY)
    _teacher_on_own_bot(a)
    _teacher_on_own_bot(b)
    now = datetime.now(timezone.utc)
    with session_scope() as session:
        sent = relay.family_message(
            session, channel="telegram", external_id=f"THCS-A:{FAMILY}", student_id=None,
            text="Cô ơi mai con có kiểm tra không ạ?", now=now,
        )
        assert isinstance(sent, relay.Sent)
        thread_id = sent.thread_id
        # Neither B's teacher nor the same person on B's bot can write into A's thread.
        for outsider in (f"THCS-B:{TEACHER}", f"THCS-B:{FAMILY}", FAMILY):
            refused = relay.reply(
                session, channel="telegram", external_id=outsider, thread_id=thread_id, text="x", now=now
            )
            assert refused is relay.RelayProblem.NOT_YOURS
    _drain()
    [relayed] = a.telegram.sent_texts(TEACHER)
    assert relay.tag(thread_id) in relayed and "Cô ơi mai con có kiểm tra" in relayed
    assert b.telegram.sent_texts() == []

    with session_scope() as session:  # the teacher answers from their own chat on A's bot
        answered = relay.reply(
            session, channel="telegram", external_id=f"THCS-A:{TEACHER}", thread_id=thread_id,
            text="Dạ có, thứ Sáu con kiểm tra.", now=now,
        )
        assert isinstance(answered, relay.Sent)
    assert _lanes(f"relay-f:{thread_id}:") == {"telegram:THCS-A"}
    _drain()
    [answer] = a.telegram.sent_texts(FAMILY)
    assert "thứ Sáu con kiểm tra" in answer and relay.tag(thread_id) in answer
    assert b.telegram.sent_texts() == []
    with session_scope() as session:
        [thread] = relay.relay_log(session, a.school_id)
        assert relay.relay_log(session, b.school_id) == []
    texts = [thread.family_label, *(f"{who} {text}" for _, who, text in thread.messages), relayed, answer]
    assert not any(chat in text for text in texts for chat in ("THCS-A:", f" {TEACHER}", f" {FAMILY}"))


def test_contact_checks_and_scam_reports_on_a_school_bot(schools: dict[str, DemoSchool]) -> None:
    a, b = schools["THCS-A"], schools["THCS-B"]
    with session_scope() as session:
        contacts.add_contact(session, school_code=a.code, name="Hiệu trưởng A", phone="0911 111 111")
        contacts.add_contact(session, school_code=b.code, name="Hiệu trưởng B", phone="0922 222 222")
        contacts.add_contact(session, school_code=None, name="Phòng GDĐT", phone="0203 3822 123")
        view = load_account(session, "telegram", "THCS-A:77")  # a family not linked yet
        found = {
            f.value: f.contact.name if f.contact else None
            for f in contacts.check_text(session, NUMBERS, view.school_ids)
        }
    # School A's list and the office's; school B's head is not on school A's list.
    assert sorted(found.items(), key=str) == sorted(
        {"0911111111": "Hiệu trưởng A", "0922222222": None, "02033822123": "Phòng GDĐT"}.items(), key=str
    )

    with session_scope() as session:
        for chat in ("77", "78", "79"):  # three families on A's bot, none linked, name one number
            report = incidents.report_scam(
                session, channel="telegram", external_id=f"THCS-A:{chat}",
                description="số 0987 654 321 xưng là nhà trường bán sách", now=datetime.now(timezone.utc),
            )
            contacts.record_numbers(session, report.reference, "số 0987 654 321 xưng là nhà trường bán sách")
        schools_of_reports = set(session.execute(select(IncidentReport.school_id)).scalars())
        assert schools_of_reports == {a.school_id}
        [campaign] = contacts.campaigns(session, a.school_id)
        assert campaign.phone == "0987654321" and campaign.reports == 3
        assert contacts.campaigns(session, b.school_id) == []
        today = datetime.now(timezone.utc).date()
        city = city_figures(session, today, today)
    figures = {s.code: s for s in city.schools}
    assert figures["THCS-A"].scam_numbers == 1 and figures["THCS-B"].scam_numbers == 0
    workbook = load_workbook(io.BytesIO(city_xlsx_bytes(city)))
    rows = list(workbook[SUMMARY_SHEET].iter_rows(values_only=True))
    column = SUMMARY_HEADERS.index("Số điện thoại bị báo mạo danh")
    assert [r[column] for r in rows[1:]] == [1, 0, 1]  # A, B, the city
    assert any(row and row[0] == "0987654321" for row in workbook["THCS-A"].iter_rows(values_only=True))

    from typer.testing import CliRunner

    from cli import app

    on_a = CliRunner().invoke(app, ["contacts", "campaigns", "--school", "THCS-A"])
    assert on_a.exit_code == 0 and "0987654321" in on_a.output
    on_b = CliRunner().invoke(app, ["contacts", "campaigns", "--school", "THCS-B"])
    assert on_b.exit_code == 0 and "chưa có báo cáo mạo danh" in on_b.output
    unnamed = CliRunner().invoke(app, ["contacts", "campaigns"])
    assert unnamed.exit_code == 1 and "--school" in unnamed.output


def test_a_school_s_campaign_is_not_official_because_another_school_lists_the_number(
    schools: dict[str, DemoSchool],
) -> None:
    a, b = schools["THCS-A"], schools["THCS-B"]
    with session_scope() as session:
        contacts.add_contact(session, school_code=b.code, name="Kế toán B", phone="0987 654 321")
        report = incidents.report_scam(
            session, channel="telegram", external_id="THCS-A:77", description="số 0987654321",
            now=datetime.now(timezone.utc),
        )
        contacts.record_numbers(session, report.reference, "số 0987654321")
        [campaign] = contacts.campaigns(session, a.school_id)
        assert not campaign.official
        assert contacts.campaigns(session, b.school_id) == []


def test_night_notices_wait_in_each_school_s_own_morning_digest(
    schools: dict[str, DemoSchool], monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = schools["THCS-A"], schools["THCS-B"]
    _teacher_on_own_bot(a)
    _teacher_on_own_bot(b)
    monkeypatch.setenv("QUIET_HOURS_START", "21:00")
    monkeypatch.setenv("QUIET_HOURS_END", "06:30")
    reset_settings()
    night = datetime.now(TIMEZONE).replace(hour=22, minute=0, second=0, microsecond=0)
    with session_scope() as session:
        for n, (school, line) in enumerate([(a, "em A1"), (b, "em B1"), (a, "em A2")]):
            told, held = absences.tell_teachers(
                session, staff_ids={school.teacher_id}, school_id=school.school_id, class_name="6A",
                line=line, key=f"absence:{1000 + n}", now=night,
            )
            assert told == 1 and held is not None
        digests = {
            key: text for key, text in session.execute(
                select(Broadcast.idempotency_key, Broadcast.text)
                .where(Broadcast.idempotency_key.startswith("absence-digest:"))
            )
        }
    day = (night + timedelta(days=1)).date().isoformat()
    assert digests == {
        f"absence-digest:{a.teacher_id}:{day}": "📋 Báo nghỉ nhận trong đêm:\nem A1\nem A2",
        f"absence-digest:{b.teacher_id}:{day}": "📋 Báo nghỉ nhận trong đêm:\nem B1",
    }
    assert _lanes(f"absence-digest:{a.teacher_id}:") == {"telegram:THCS-A"}
    assert _lanes(f"absence-digest:{b.teacher_id}:") == {"telegram:THCS-B"}
