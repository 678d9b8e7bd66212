"""Alerts to the homeroom teacher, asking for a person, and deleting an account's data."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from chatbot.db.engine import session_scope
from chatbot.db.models import (
    AccountLink,
    Acknowledgement,
    Broadcast,
    ChatAccount,
    Delivery,
    HelpRequest,
    IncidentKind,
    IncidentReport,
    InviteAttempt,
    InviteCode,
    Role,
)
from chatbot.school import acknowledgements, alerts, help_requests, incidents, invites, privacy
from chatbot.school.help_requests import HelpStatus
from tests.chatbot.school.sample import NOW, Sample, link

PARENT = ("zalo", "p1")


def _count(session, model) -> int:  # noqa: ANN001
    return session.execute(select(func.count()).select_from(model)).scalar_one()


def test_alerts_are_idempotent_and_skip_inactive_accounts(school: Sample) -> None:
    with session_scope() as session:
        first = link(session, ("telegram", "t1"), Role.TEACHER, staff_id=school.lan).view
        second = link(session, ("zalo", "t1"), Role.TEACHER, staff_id=school.lan).view
        session.get(ChatAccount, second.account_id).active = False
        one = alerts.queue_alert(session, class_id=school.class_6a, text="A", idempotency_key="k1")
        again = alerts.queue_alert(session, class_id=school.class_6a, text="B", idempotency_key="k1")
        nobody = alerts.queue_alert(session, class_id=school.class_7b, text="C", idempotency_key="k2")
        deliveries = session.execute(select(Delivery.account_id)).scalars().all()
    assert one.id == again.id and nobody is None
    assert deliveries == [first.account_id]


def test_asking_for_a_person_alerts_the_homeroom_teacher_once_per_half_hour(school: Sample) -> None:
    with session_scope() as session:
        link(session, ("telegram", "lan"), Role.TEACHER, staff_id=school.lan)
        link(session, PARENT, Role.PARENT, student_id=school.minh_anh)

        def ask(when, student_id=None):  # noqa: ANN001, ANN202
            return help_requests.request_help(
                session, channel=PARENT[0], external_id=PARENT[1], message="Cho tôi gặp cô chủ nhiệm",
                student_id=student_id, now=when,
            )

        first, repeat, later = ask(NOW), ask(NOW + timedelta(minutes=5)), ask(NOW + timedelta(hours=1))
        texts = session.execute(select(Broadcast.text)).scalars().all()
        requests = _count(session, HelpRequest)
    assert [o.status for o in (first, repeat, later)] == [HelpStatus.ALERTED, HelpStatus.ALREADY_ASKED,
                                                         HelpStatus.ALERTED]
    assert requests == 2 and len(texts) == 2
    assert "05 - Nguyễn Minh Anh" in texts[0] and "lớp 6A" in texts[0] and "gặp cô chủ nhiệm" in texts[0]


def test_asking_without_a_link_or_a_teacher_on_the_assistant(school: Sample) -> None:
    with session_scope() as session:
        link(session, PARENT, Role.PARENT, student_id=school.hoa)
        no_teacher = help_requests.request_help(session, channel=PARENT[0], external_id=PARENT[1], message="",
                                                now=NOW)
        unlinked = help_requests.request_help(
            session, channel="zalo", external_id="u", message="alo", now=NOW
        )
        assert (no_teacher.status, unlinked.status) == (HelpStatus.NO_TEACHER_ACCOUNT, HelpStatus.NOT_LINKED)
        assert _count(session, HelpRequest) == 2 and _count(session, Broadcast) == 0


def test_forgetting_an_account_deletes_its_data_and_keeps_reports_anonymised(school: Sample) -> None:
    with session_scope() as session:
        link(session, ("telegram", "lan"), Role.TEACHER, staff_id=school.lan)
        view = link(session, PARENT, Role.PARENT, student_id=school.minh_anh).view
        acknowledgements.acknowledge(session, view, "V1", now=NOW)
        help_requests.request_help(session, channel=PARENT[0], external_id=PARENT[1], message="gọi lại giúp",
                                   now=NOW)
        reference = incidents.report_incident(
            session, channel=PARENT[0], external_id=PARENT[1], kind=IncidentKind.HARASSMENT,
            class_id=school.class_6a, occurred_at=NOW, description="Nguyễn Minh Anh bị trêu chọc", now=NOW,
        ).reference
        report = session.execute(select(IncidentReport)).scalar_one()
        incidents.close_report(session, report, handled_by="Nguyễn Thị Lan", note="đã nhắc nhở", now=NOW)
        invites.record_failure(session, invites.Channel.TELEGRAM, PARENT[1], now=NOW)
        outcome = privacy.forget_account(session, *PARENT)
    assert outcome.had_data and outcome.students_unlinked == 1 and outcome.reports_anonymised == 1
    assert [s.full_name for s in outcome.students] == ["Nguyễn Minh Anh"]
    assert (outcome.acknowledgements, outcome.help_requests, outcome.alerts_scrubbed) == (1, 1, 1)
    assert outcome.messages == 1  # the notice that the report was handled
    with session_scope() as session:
        assert session.execute(
            select(ChatAccount).where(ChatAccount.external_id == PARENT[1])
        ).first() is None
        for model in (AccountLink, Acknowledgement, HelpRequest):
            assert _count(session, model) == 0, model
        assert _count(session, InviteAttempt) == 1  # a lock-out must survive deleting the account
        report = session.execute(select(IncidentReport)).scalar_one()
        assert (report.reference, report.reporter_account_id, report.description) == (
            reference, None, "[tên đã xóa] bị trêu chọc"
        )
        keys = session.execute(select(Broadcast.idempotency_key)).scalars().all()
        assert keys == [alerts.incident_alert_key(reference)]  # the help alert and the notice are gone
        alert = session.execute(select(Broadcast.text)).scalar_one()
        assert "Nguyễn Minh Anh" not in alert and "05 -" not in alert
        assert "• Người báo: (đã xóa theo yêu cầu của người báo)" in alert
        assert session.execute(select(InviteCode.used_by_account_id)).scalars().all().count(None) == 1
        assert privacy.forget_account(session, *PARENT).had_data is False
