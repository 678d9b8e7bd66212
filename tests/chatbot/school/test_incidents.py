"""Incident and scam reports: references, the homeroom alert in the outbox, marking handled."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from chatbot.db.engine import session_scope
from chatbot.db.models import (
    Broadcast,
    BroadcastKind,
    ChatAccount,
    Delivery,
    DeliveryStatus,
    IncidentKind,
    IncidentReport,
    IncidentStatus,
    Role,
)
from chatbot.school import alerts, incidents
from chatbot.school.incidents import ClassProblem, HandleStatus
from tests.chatbot.school.sample import NOW, Sample, link

PARENT = ("telegram", "100")
LAN = ("telegram", "300")
HUNG = ("zalo", "400")


def _report(session, school: Sample, sender: tuple[str, str] = PARENT) -> incidents.IncidentOutcome:  # noqa: ANN001
    return incidents.report_incident(
        session, channel=sender[0], external_id=sender[1], kind=IncidentKind.STRANGER,
        class_id=school.class_6a, occurred_at=NOW - timedelta(minutes=5),
        description="Có người tên lạ bật loa nói tục", time_label="vừa xong", now=NOW,
    )


def test_a_report_gets_a_reference_and_alerts_the_homeroom_teacher(school: Sample) -> None:
    with session_scope() as session:
        link(session, PARENT, Role.PARENT, student_id=school.minh_anh)
        teacher = link(session, LAN, Role.TEACHER, staff_id=school.lan).view
        link(session, HUNG, Role.TEACHER, staff_id=school.hung)
        outcome = _report(session, school)
    assert re.fullmatch(r"SC-2026-\d{6}", outcome.reference) and outcome.alerted
    with session_scope() as session:
        report = session.execute(select(IncidentReport)).scalar_one()
        broadcast = session.execute(select(Broadcast)).scalar_one()
        delivery = session.execute(select(Delivery)).scalar_one()
    assert report.reference == f"SC-2026-{report.id:06d}" and report.status is IncidentStatus.OPEN
    assert report.reporter_role is Role.PARENT and report.school_id == school.school_id
    assert broadcast.kind is BroadcastKind.ALERT and broadcast.urgent
    assert broadcast.idempotency_key == alerts.incident_alert_key(outcome.reference)
    assert (delivery.account_id, delivery.status) == (teacher.account_id, DeliveryStatus.PENDING)
    for fragment in (outcome.reference, "lớp 6A", "Người lạ vào lớp", "phụ huynh của em 05 - Nguyễn Minh Anh",
                     "bật loa nói tục", "vừa xong"):
        assert fragment in broadcast.text
    assert alerts.alert_buttons(broadcast) == [
        ("Đã xử lý", f'/mark_handled{{"incident_reference":"{outcome.reference}"}}')
    ]


def test_without_a_linked_homeroom_teacher_the_report_is_kept_and_nothing_is_queued(school: Sample) -> None:
    with session_scope() as session:
        outcome = _report(session, school, ("zalo", "stranger"))
        assert not outcome.alerted
        assert session.execute(select(Broadcast)).first() is None
        report = session.execute(select(IncidentReport)).scalar_one()
    assert report.reporter_role is None and report.description.startswith("Có người")


def test_marking_handled_is_for_the_class_teachers_and_tells_the_reporter(school: Sample) -> None:
    with session_scope() as session:
        reporter = link(session, PARENT, Role.PARENT, student_id=school.minh_anh).view
        link(session, LAN, Role.TEACHER, staff_id=school.lan)
        link(session, HUNG, Role.TEACHER, staff_id=school.hung)
        reference = _report(session, school).reference

    def handle(sender: tuple[str, str], ref: str = reference) -> incidents.HandleOutcome:
        with session_scope() as session:
            return incidents.mark_handled(
                session, channel=sender[0], external_id=sender[1], reference=ref,
                note="đã mời người lạ ra khỏi lớp", now=NOW,
            )

    assert handle(PARENT).status is HandleStatus.NOT_ALLOWED
    assert handle(HUNG).status is HandleStatus.NOT_ALLOWED  # 7B's teacher
    assert handle(LAN, "SC-2026-999999").status is HandleStatus.NOT_FOUND
    done = handle(LAN, reference.lower())
    assert (done.status, done.reporter_notified) == (HandleStatus.HANDLED, True)
    assert done.handled_by == "Nguyễn Thị Lan"
    assert handle(LAN).status is HandleStatus.ALREADY_HANDLED
    with session_scope() as session:
        report = session.execute(select(IncidentReport)).scalar_one()
        notice = session.execute(
            select(Broadcast).where(Broadcast.idempotency_key == f"incident-handled:{reference}")
        ).scalar_one()
        delivery = session.execute(select(Delivery).where(Delivery.broadcast_id == notice.id)).scalar_one()
    assert report.status is IncidentStatus.HANDLED and report.action_taken == "đã mời người lạ ra khỏi lớp"
    assert delivery.account_id == reporter.account_id and reference in notice.text and not notice.urgent


def test_the_school_staff_may_mark_any_report_of_their_school(school: Sample) -> None:
    with session_scope() as session:
        link(session, ("zalo", "boss"), Role.STAFF, staff_id=school.principal)
        reference = _report(session, school).reference
        outcome = incidents.mark_handled(
            session, channel="zalo", external_id="boss", reference=reference, now=NOW
        )
    assert outcome.status is HandleStatus.HANDLED and outcome.reporter_notified


def test_a_scam_report_is_recorded_for_the_school(school: Sample) -> None:
    with session_scope() as session:
        link(session, PARENT, Role.PARENT, student_id=school.hoa)
        outcome = incidents.report_scam(
            session, channel=PARENT[0], external_id=PARENT[1],
            description="Người tự xưng Sở GDĐT gọi bán máy tính bảng", now=NOW,
        )
        unlinked = incidents.report_scam(session, channel="zalo", external_id="x", description="", now=NOW)
        rows = session.execute(select(IncidentReport).order_by(IncidentReport.id)).scalars().all()
        accounts_made = session.execute(select(ChatAccount)).scalars().all()
    assert outcome.reference != unlinked.reference and outcome.class_name == "7B"
    assert [r.kind for r in rows] == [IncidentKind.SCAM, IncidentKind.SCAM]
    assert [r.school_id for r in rows] == [school.school_id, school.school_id]  # the only school
    assert rows[0].class_id == school.class_7b and len(accounts_made) == 2


def test_the_class_of_a_report_is_one_the_account_is_linked_to(school: Sample) -> None:
    with session_scope() as session:
        view = link(session, PARENT, Role.PARENT, student_id=school.minh_anh).view
        from chatbot.school.accounts import load_account

        unlinked = load_account(session, "zalo", "nobody")
        assert incidents.class_for_report(session, view, "lớp 6a") == (school.class_6a, "6A")
        assert incidents.class_for_report(session, view, "7B") is ClassProblem.NOT_ALLOWED
        assert incidents.class_for_report(session, view, "9Z") is ClassProblem.NOT_FOUND
        assert incidents.class_for_report(session, unlinked, "7b") == (school.class_7b, "7B")


def test_kinds_are_read_from_buttons_and_sentences() -> None:
    assert incidents.kind_in("Người lạ vào lớp") is IncidentKind.STRANGER
    assert incidents.kind_in("tk của con bị hack") is IncidentKind.ACCOUNT_TAKEOVER
    assert incidents.kind_in("con bị bạn bắt nạt") is IncidentKind.HARASSMENT
    assert incidents.kind_in("có ảnh phản cảm") is IncidentKind.OFFENSIVE_CONTENT
    assert incidents.kind_in("Khác") is IncidentKind.OTHER
    assert incidents.kind_in("báo cáo sự cố") is None
