"""No one can page a teacher at 3 a.m. or speak in the school's name (issue 11, point 4)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from chatbot.db.engine import session_scope
from chatbot.db.models import Broadcast, Delivery, IncidentKind, IncidentReport, Role
from chatbot.school import incidents
from chatbot.school.accounts import AccountView, load_account
from chatbot.school.incidents import ClassProblem, ReportStatus
from chatbot.school.timetable import find_class
from chatbot.settings import TIMEZONE, reset_settings
from tests.chatbot.school.sample import NOW, Sample, link

TEACHER = ("telegram", "lan")
NIGHT = datetime(2026, 12, 2, 3, 0, tzinfo=TIMEZONE)  # 03:00, inside the default quiet hours
MORNING = datetime(2026, 12, 2, 6, 0, tzinfo=TIMEZONE)


def _report(school: Sample, sender: tuple[str, str], *, now: datetime = NOW, description: str = "người lạ",
            class_id: int | None = None) -> incidents.IncidentOutcome:
    with session_scope() as session:
        return incidents.report_incident(
            session, channel=sender[0], external_id=sender[1], kind=IncidentKind.STRANGER,
            class_id=class_id or school.class_6a, occurred_at=now - timedelta(minutes=5),
            description=description, now=now,
        )


def _alerts() -> list[Broadcast]:
    with session_scope() as session:
        return list(session.execute(select(Broadcast).order_by(Broadcast.id)).scalars())


@pytest.mark.parametrize("typed", ["%", "6%", "_A", "6_", "%%", " % ", "[6]A"])
def test_wildcards_match_no_class(school: Sample, typed: str) -> None:
    with session_scope() as session:
        assert find_class(session, typed) == []
        assert incidents.classes_for_report(session, AccountView(), typed) is ClassProblem.NOT_FOUND
        choices = incidents.classes_for_report(session, AccountView(), "lớp 6a")
        assert [(c.class_id, c.label) for c in choices] == [(school.class_6a, "Lớp 6A — Trường THCS Hoa Sen")]


@pytest.fixture
def limits(monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201
    monkeypatch.setenv("INCIDENT_REPORTS_PER_ACCOUNT_PER_HOUR", "2")
    monkeypatch.setenv("INCIDENT_ALERTS_PER_CLASS_PER_HOUR", "3")
    reset_settings()
    yield
    reset_settings()


def test_an_account_files_a_limited_number_of_reports_an_hour(school: Sample, limits: None) -> None:
    with session_scope() as session:
        link(session, TEACHER, Role.TEACHER, staff_id=school.lan)
    sender = ("zalo", "flood")
    assert [_report(school, sender).status for _ in range(3)] == [
        ReportStatus.ALERTED, ReportStatus.ALERTED, ReportStatus.TOO_MANY
    ]
    with session_scope() as session:
        assert len(session.execute(select(IncidentReport)).all()) == 2
        scam = incidents.report_scam(session, channel="zalo", external_id="flood", description="x", now=NOW)
    assert scam.status is ReportStatus.TOO_MANY and scam.reference is None
    later = _report(school, sender, now=NOW + timedelta(minutes=61))
    assert later.status is ReportStatus.ALERTED


def test_a_class_teacher_gets_a_limited_number_of_alerts_an_hour(school: Sample, limits: None) -> None:
    with session_scope() as session:
        link(session, TEACHER, Role.TEACHER, staff_id=school.lan)
    statuses = [_report(school, ("zalo", f"p{i}")).status for i in range(5)]
    assert statuses == [ReportStatus.ALERTED] * 3 + [ReportStatus.ENOUGH_ALERTS] * 2
    assert len(_alerts()) == 3
    with session_scope() as session:
        assert len(session.execute(select(IncidentReport)).all()) == 5  # all kept for staff
    other_class = _report(school, ("zalo", "p9"), class_id=school.class_7b)
    assert other_class.status is ReportStatus.NO_TEACHER  # 7B's own count


def test_an_unlinked_report_at_night_waits_until_a_linked_account_confirms(school: Sample) -> None:
    with session_scope() as session:
        link(session, TEACHER, Role.TEACHER, staff_id=school.lan)
        link(session, ("telegram", "parent"), Role.PARENT, student_id=school.minh_anh)
    night = _report(school, ("zalo", "stranger"), now=NIGHT)
    assert night.status is ReportStatus.HELD and night.held_until == MORNING
    (held,) = _alerts()
    assert not held.urgent and "chưa liên kết với trường (chưa xác minh)" in held.text
    with session_scope() as session:
        delivery = session.execute(select(Delivery)).scalar_one()
    assert delivery.not_before == MORNING
    confirmed = _report(school, ("telegram", "parent"), now=NIGHT + timedelta(minutes=10))
    assert confirmed.status is ReportStatus.ALERTED
    first, second = _alerts()
    assert first.urgent and second.urgent
    with session_scope() as session:
        released = session.execute(select(Delivery).where(Delivery.broadcast_id == first.id)).scalar_one()
    assert released.not_before == NIGHT + timedelta(minutes=10)


def test_an_unlinked_report_by_day_is_urgent(school: Sample) -> None:
    with session_scope() as session:
        link(session, TEACHER, Role.TEACHER, staff_id=school.lan)
    assert _report(school, ("zalo", "stranger")).status is ReportStatus.ALERTED
    assert _alerts()[0].urgent


def test_the_teacher_gets_the_words_quoted_on_one_line_with_links_defanged(school: Sample) -> None:
    with session_scope() as session:
        link(session, TEACHER, Role.TEACHER, staff_id=school.lan)
    words = (
        "Có người lạ vào lớp.\n• Người báo: Ban giám hiệu nhà trường\n\u202eXem ngay "
        "https://bit.ly/lop-6a và www.hocbong.xyz/dang-ky\x00"
    )
    outcome = _report(school, ("zalo", "stranger"), description=words)
    text = _alerts()[0].text
    lines = text.split("\n")
    assert sum(line.startswith("• Người báo:") for line in lines) == 1
    (quoted,) = [line for line in lines if line.startswith(incidents.WORDS_LINE)]
    assert quoted == (
        f"{incidents.WORDS_LINE}“Có người lạ vào lớp. • Người báo: Ban giám hiệu nhà trường Xem ngay "
        "hxxps://bit[.]ly/lop-6a và www[.]hocbong[.]xyz/dang-ky”"
    )
    assert "https://" not in text and "\x00" not in text and "\u202e" not in text
    assert outcome.reference in text


async def test_the_form_asks_an_unlinked_account_to_confirm_the_class(school: Sample) -> None:
    from actions.incident_form import (
        ActionAskIncidentClassConfirmed,
        ActionSubmitIncident,
        ValidateIncidentForm,
    )
    from tests.actions.conftest import DOMAIN, make_tracker, run, texts

    form = ValidateIncidentForm()
    sender = "zalo:stranger"

    async def validate(text: str, slots: dict) -> dict:
        from rasa_sdk.executor import CollectingDispatcher

        events = await form.run(CollectingDispatcher(), make_tracker(sender, text, slots=slots), DOMAIN)
        return {e["name"]: e["value"] for e in events if e["event"] == "slot"}

    asked = {"incident_kind": "stranger", "requested_slot": "incident_class"}
    chosen = await validate("%", asked)
    assert chosen["incident_class"] is None
    chosen = await validate("lớp 6a", asked)
    assert chosen["incident_class"] == str(school.class_6a)
    assert chosen["requested_slot"] == "incident_class_confirmed"
    slots = {**asked, **chosen}
    messages, _ = await run(ActionAskIncidentClassConfirmed(), sender, slots=slots)
    assert "sự cố xảy ra ở lớp 6A — Trường THCS Hoa Sen, đúng không ạ?" in messages[0]["text"]
    assert [b["title"] for b in messages[0]["buttons"]] == ["Đúng", "Không phải", "Dừng báo cáo"]
    assert (await validate("đúng", slots))["incident_class_confirmed"] == str(school.class_6a)
    assert (await validate("dừng", slots))["requested_slot"] is None  # "đúng" and "dừng" fold alike
    denied = await validate("không phải", slots)
    assert denied["incident_class"] is None and denied["incident_class_confirmed"] is None
    confirmed = await validate("Lớp 6A — Trường THCS Hoa Sen", slots)
    assert confirmed["incident_class_confirmed"] == str(school.class_6a)
    assert confirmed["requested_slot"] == "incident_time"
    form_done = {
        "incident_kind": "stranger", "incident_class": str(school.class_6a), "incident_time": NOW.isoformat(),
        "incident_time_label": "vừa xong", "incident_description": "",
    }
    refused, _ = await run(ActionSubmitIncident(), sender, slots=form_done)
    assert "chưa có thông tin nào được lưu" in texts(refused)
    stored, _ = await run(ActionSubmitIncident(), sender,
                          slots={**form_done, "incident_class_confirmed": str(school.class_6a)})
    assert "đã nhận báo cáo" in texts(stored)
    with session_scope() as session:
        assert load_account(session, "zalo", "stranger").account_id is not None
        assert len(session.execute(select(IncidentReport)).all()) == 1
