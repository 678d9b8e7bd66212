"""The services the web app stands on, on SQLite and PostgreSQL: audience groups, the preview
per channel, queueing and cancelling notices, status figures, scoped reports, accounts."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from chatbot.db.engine import session_scope
from chatbot.db.models import (
    Broadcast,
    Channel,
    ChatAccount,
    Delivery,
    DeliveryStatus,
    IncidentKind,
    IncidentReport,
    Role,
    School,
    StaffMember,
    StaffUser,
    UnansweredMessage,
    WebRole,
)
from chatbot.delivery.audience import Audience, AudienceError, describe, recipients
from chatbot.delivery.notices import NoticeError, cancel_notice, preview_audience, queue_notice
from chatbot.school.incidents_admin import IncidentFilter, find_incidents
from chatbot.school.staff_accounts import accounts_for_staff, issue_sign_in_link, use_link
from chatbot.school.status import class_statuses
from chatbot.school.unanswered import group_unanswered
from tests.chatbot.delivery.conftest import SchoolData, add_account, make_school


@pytest.fixture
def school(any_db: str) -> SchoolData:
    data = make_school()  # 6A, 6B, 7A with 3 students each, parents p-<class>-<roll> on Telegram
    with session_scope() as session:
        data.accounts["z-6A-1"] = add_account(
            session, "z-6A-1", [data.students[("6A", 1)]], channel=Channel.ZALO
        )
        data.accounts["s-6A-2"] = add_account(
            session, "s-6A-2", [data.students[("6A", 2)]], role=Role.STUDENT
        )
    return data


def the_school(session, data: SchoolData) -> School:  # noqa: ANN001
    return session.get(School, data.school_id)


def test_groups_choose_parents_students_or_teachers(school: SchoolData) -> None:
    with session_scope() as session:
        hs = the_school(session, school)
        parents = recipients(session, hs, Audience(classes=("6A",), groups=("parents",)))
        students = recipients(session, hs, Audience(classes=("6A",), groups=("students",)))
        teachers = recipients(session, hs, Audience(classes=("6A",), groups=("teachers",)))
        everyone = recipients(
            session, hs, Audience(classes=("6A",), groups=("parents", "students", "teachers"))
        )
        teacher_accounts = set(
            session.scalars(select(ChatAccount.id).where(ChatAccount.staff_member_id.is_not(None)))
        )
    assert school.accounts["s-6A-2"] in students and school.accounts["s-6A-2"] not in parents
    assert school.accounts["z-6A-1"] in parents and len(parents) == 4
    assert set(teachers) <= teacher_accounts and teachers
    assert set(everyone) == set(parents) | set(students) | set(teachers)
    assert Audience(classes=("6A",), groups=("parents",)).label("HS") == "school=HS;to=parents;class=6A"
    assert describe("school=HS;to=parents,teachers;class=6A,6B") == "Lớp 6A, 6B — phụ huynh, giáo viên"
    with pytest.raises(AudienceError):
        Audience(groups=())


def test_the_preview_counts_each_channel(school: SchoolData) -> None:
    with session_scope() as session:
        preview = preview_audience(session, the_school(session, school), Audience(classes=("6A",)))
    assert preview.total == 5
    assert [(line.channel, line.count) for line in preview.lines] == [("telegram", 4), ("zalo_cs", 1)]
    assert not preview.has_costs


def test_a_notice_is_refused_without_text_or_recipients(school: SchoolData) -> None:
    with session_scope() as session:
        hs = the_school(session, school)
        with pytest.raises(NoticeError, match="trống"):
            queue_notice(session, hs, Audience(classes=("6A",)), "  \n ", sender="cô Lan")
        with pytest.raises(NoticeError, match="chưa có tài khoản nào"):
            queue_notice(session, hs, Audience(classes=("7A",), groups=("students",)), "Xin chào", sender="x")
        with pytest.raises(NoticeError, match="đã qua"):
            past = datetime.now(timezone.utc) - timedelta(hours=1)
            queue_notice(session, hs, Audience(classes=("6A",)), "Xin chào", sender="x", send_at=past)
        assert session.scalar(select(func.count(Broadcast.id))) == 0


def test_a_scheduled_notice_is_cancelled_but_sent_ones_stay(school: SchoolData) -> None:
    later = (datetime.now(timezone.utc) + timedelta(hours=3)).replace(microsecond=0)
    with session_scope() as session:
        queued = queue_notice(
            session,
            the_school(session, school),
            Audience(classes=("6A",)),
            "Họp phụ huynh",
            sender="cô Lan",
            send_at=later,
            origin="web",
        )
    with session_scope() as session:
        first = session.scalars(select(Delivery).where(Delivery.broadcast_id == queued.broadcast_id)).first()
        first.status = DeliveryStatus.SENT
    with session_scope() as session:
        broadcast = session.get(Broadcast, queued.broadcast_id)
        assert broadcast.scheduled_for == later
        assert cancel_notice(session, broadcast, by="cô Lan") == queued.recipients - 1
    with session_scope() as session:
        broadcast = session.get(Broadcast, queued.broadcast_id)
        assert broadcast.cancelled_count == queued.recipients - 1 and broadcast.cancelled_by == "cô Lan"
        assert session.scalars(select(Delivery.status)).all() == [DeliveryStatus.SENT]
        with pytest.raises(NoticeError, match="không còn tin nào"):
            cancel_notice(session, broadcast, by="cô Lan")


def test_status_counts_unreachable_families_and_open_reports(school: SchoolData) -> None:
    with session_scope() as session:
        session.get(ChatAccount, school.accounts["p-6B-1"]).active = False
        session.add(
            IncidentReport(
                reference="SC-1",
                kind=IncidentKind.STRANGER,
                school_id=school.school_id,
                class_id=school.classes["6B"],
                occurred_at=datetime.now(timezone.utc),
            )
        )
    with session_scope() as session:
        statuses = {c.name: c for c in class_statuses(session, the_school(session, school))}
    assert [s.roll_number for s in statuses["6B"].unreachable] == [1]
    assert statuses["6B"].open_reports == 1 and statuses["6A"].open_reports == 0
    assert not statuses["6A"].unreachable


def test_reports_are_scoped_by_class_and_school(school: SchoolData) -> None:
    now = datetime.now(timezone.utc)
    with session_scope() as session:
        for reference, class_id, school_id in (
            ("SC-A", school.classes["6A"], school.school_id),
            ("SC-B", school.classes["6B"], school.school_id),
            ("SC-X", None, None),
        ):
            session.add(
                IncidentReport(
                    reference=reference,
                    kind=IncidentKind.SCAM,
                    school_id=school_id,
                    class_id=class_id,
                    occurred_at=now,
                )
            )
    with session_scope() as session:
        hs = the_school(session, school)
        every = find_incidents(session, hs, IncidentFilter())
        six_a = find_incidents(session, hs, IncidentFilter(), class_ids=[school.classes["6A"]])
        own = find_incidents(session, hs, IncidentFilter(), include_unassigned=False)
        city = find_incidents(session, None, IncidentFilter(class_id=school.classes["6B"]))
    assert [r.reference for r in every] == ["SC-A", "SC-B", "SC-X"]
    assert [r.reference for r in six_a] == ["SC-A"]
    assert [r.reference for r in own] == ["SC-A", "SC-B"]
    assert [r.reference for r in city] == ["SC-B"]


def test_staff_get_accounts_and_a_link_signs_in_once(school: SchoolData) -> None:
    with session_scope() as session:
        made = accounts_for_staff(session, the_school(session, school))
        assert accounts_for_staff(session, the_school(session, school)) == []
        users = session.scalars(select(StaffUser).order_by(StaffUser.username)).all()
        roles = {u.full_name: u.role for u in users}
        members = session.scalars(select(StaffMember)).all()
        url = issue_sign_in_link(session, users[0])
    assert len(made) == len(members) and all(u.password_hash is None for u in users)
    assert {m.full_name: ("teacher" if m.role.value == "teacher" else "admin") for m in members} == {
        name: role.value for name, role in roles.items()
    }
    assert WebRole.ADMIN in roles.values() and WebRole.TEACHER in roles.values()
    token = url.rsplit("/", 1)[1]
    with session_scope() as session:
        assert use_link(session, token).id == users[0].id
        assert use_link(session, token) is None


def test_unanswered_messages_group_by_their_normalised_text(any_db: str) -> None:
    now = datetime.now(timezone.utc)
    with session_scope() as session:
        for index, text in enumerate(
            [
                "Trường có xe đưa đón không?",
                "truong co xe dua don khong",
                "Trường có xe đưa đón không?",
                "Học phí bao nhiêu",
            ]
        ):
            session.add(
                UnansweredMessage(text=text, intent="out_of_scope", created_at=now - timedelta(minutes=index))
            )
    with session_scope() as session:
        groups = group_unanswered(session, days=7)
    assert [(g.text, g.count) for g in groups] == [
        ("Trường có xe đưa đón không?", 3),
        ("Học phí bao nhiêu", 1),
    ]
    assert groups[0].variants == ("truong co xe dua don khong",) and groups[0].intent == "out_of_scope"
