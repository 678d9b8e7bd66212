"""Absence notices, the relay to the homeroom teacher, official contacts (issue 17), on the
sample school at Wednesday 2 December 2026, 10:00 (Friday 4 December is a holiday)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from chatbot import relay_keys
from chatbot.db.engine import session_scope
from chatbot.db.models import (
    Absence,
    Broadcast,
    Delivery,
    DeliveryStatus,
    HelpRequest,
    RelayMessage,
    RelayStatus,
    RelayThread,
    Role,
)
from chatbot.delivery.reminders import queue_due_reminders
from chatbot.school import absences, child_info, contacts, incidents, privacy, relay
from chatbot.school.absences import AbsenceCheck, AbsenceProblem, RecordOutcome, RecordStatus
from chatbot.school.relay import RelayProblem, Sent
from chatbot.settings import TIMEZONE
from tests.chatbot.school.sample import NOW, Sample, link

PARENT = ("zalo", "p1")
TEACHER = ("telegram", "t1")
NIGHT = datetime(2026, 12, 2, 22, 30, tzinfo=TIMEZONE)


def _broadcasts(session, prefix: str) -> list[Broadcast]:  # noqa: ANN001
    return list(
        session.execute(
            select(Broadcast).where(Broadcast.idempotency_key.like(f"{prefix}%")).order_by(Broadcast.id)
        ).scalars()
    )


@pytest.mark.parametrize(
    ("text", "day", "periods"),
    [
        ("con ốm", date(2026, 12, 2), ()),
        ("mai cháu nghỉ", date(2026, 12, 3), ()),
        ("nghỉ tiết 3 đi khám", date(2026, 12, 2), (3,)),
        ("thứ 5 con nghỉ tiết 2, 3", date(2026, 12, 3), (2, 3)),
        ("hom nay nghi tiet 1-3", date(2026, 12, 2), (1, 2, 3)),
        ("con nghỉ tiết 2 tiết 4", date(2026, 12, 2), (2, 4)),
    ],
)
def test_reading_a_notice(text: str, day: date, periods: tuple[int, ...]) -> None:
    request = absences.read_absence(text, NOW)
    assert (request.day, request.periods, request.reason) == (day, periods, text)


def test_a_notice_without_a_day_written_in_the_evening_is_about_tomorrow() -> None:
    assert absences.read_absence("con ốm", NIGHT).day == date(2026, 12, 3)


def test_bad_notices_are_refused_and_store_nothing(school: Sample) -> None:
    with session_scope() as session:
        link(session, PARENT, Role.PARENT, student_id=school.minh_anh)

        def record(student: int, day: date, sender: tuple[str, str] = PARENT) -> RecordOutcome | AbsenceCheck:
            request = absences.AbsenceRequest(day, (), "con ốm")
            return absences.record_absence(
                session,
                channel=sender[0],
                external_id=sender[1],
                student_id=student,
                request=request,
                now=NOW,
            )

        assert record(school.hoa, date(2026, 12, 3)).problem is AbsenceProblem.NOT_YOUR_CHILD
        assert (
            record(school.minh_anh, date(2026, 12, 3), ("zalo", "nobody")).problem
            is AbsenceProblem.NOT_LINKED
        )
        assert record(school.minh_anh, date(2026, 11, 24)).problem is AbsenceProblem.TOO_OLD
        assert record(school.minh_anh, date(2027, 2, 1)).problem is AbsenceProblem.TOO_FAR
        holiday = record(school.minh_anh, date(2026, 12, 4))
        assert holiday.problem is AbsenceProblem.HOLIDAY and holiday.holiday
        assert session.execute(select(Absence)).first() is None
        assert isinstance(record(school.minh_anh, date(2026, 11, 25)), RecordOutcome)  # a week ago is fine


def test_a_notice_alerts_the_homeroom_and_subject_teachers_and_can_be_withdrawn(school: Sample) -> None:
    with session_scope() as session:
        link(session, PARENT, Role.PARENT, student_id=school.minh_anh)
        lan = link(session, TEACHER, Role.TEACHER, staff_id=school.lan).view
        hong = link(session, ("zalo", "t2"), Role.TEACHER, staff_id=_hong(session)).view
        request = absences.read_absence("mai nghỉ tiết 1 đi khám", NOW)
        outcome = absences.record_absence(
            session, channel="zalo", external_id="p1", student_id=school.minh_anh, request=request, now=NOW
        )
        assert isinstance(outcome, RecordOutcome) and outcome.status is RecordStatus.RECORDED
        assert outcome.teachers_told == 2 and outcome.held_until is None
        sent = _broadcasts(session, f"absence:{outcome.absence_id}")
        recipients = {
            d.account_id
            for b in sent
            for d in session.execute(select(Delivery).where(Delivery.broadcast_id == b.id)).scalars()
        }
        assert recipients == {lan.account_id, hong.account_id}
        assert "05 - Nguyễn Minh Anh" in sent[0].text and "tiết 1 (Ngữ văn)" in sent[0].text
        again = absences.record_absence(
            session, channel="zalo", external_id="p1", student_id=school.minh_anh, request=request, now=NOW
        )
        assert again.status is RecordStatus.ALREADY
        tomorrow = date(2026, 12, 3)
        assert [a.display_name for a in absences.absences_on(session, {school.class_6a}, tomorrow)] == [
            "05 - Nguyễn Minh Anh"
        ]
        wrong = absences.withdraw_absence(
            session, channel="zalo", external_id="other", absence_id=outcome.absence_id, now=NOW
        )
        assert wrong[0] is absences.WithdrawStatus.NOT_FOUND
        status, _ = absences.withdraw_absence(
            session, channel="zalo", external_id="p1", absence_id=outcome.absence_id, now=NOW
        )
        assert status is absences.WithdrawStatus.WITHDRAWN
        assert absences.absences_on(session, {school.class_6a}, tomorrow) == []
        assert "rút báo nghỉ" in _broadcasts(session, "absence-withdrawn:")[0].text


def _hong(session) -> int:  # noqa: ANN001
    from chatbot.db.models import StaffMember

    return session.execute(select(StaffMember.id).where(StaffMember.full_name == "Lê Thị Hồng")).scalar_one()


def test_notices_at_night_go_into_one_morning_digest_per_teacher(school: Sample) -> None:
    with session_scope() as session:
        link(session, PARENT, Role.PARENT, student_id=school.minh_anh)
        link(session, PARENT, Role.PARENT, student_id=school.binh)
        link(session, TEACHER, Role.TEACHER, staff_id=school.lan)
        for student, text in ((school.minh_anh, "con ốm"), (school.binh, "cháu sốt")):
            outcome = absences.record_absence(
                session,
                channel="zalo",
                external_id="p1",
                student_id=student,
                request=absences.read_absence(text, NIGHT),
                now=NIGHT,
            )
            assert outcome.held_until is not None and outcome.held_until.astimezone(TIMEZONE).hour == 6
        (digest,) = _broadcasts(session, "absence-digest:")
        assert "05 - Nguyễn Minh Anh" in digest.text and "06 - Trần Văn Bình" in digest.text
        delivery = session.execute(select(Delivery).where(Delivery.broadcast_id == digest.id)).scalar_one()
        assert delivery.not_before.astimezone(TIMEZONE) == datetime(2026, 12, 3, 6, 0, tzinfo=TIMEZONE)


def test_the_class_reminder_skips_an_absent_child(school: Sample) -> None:
    with session_scope() as session:
        absent = link(session, PARENT, Role.PARENT, student_id=school.minh_anh).view
        present = link(session, ("zalo", "p2"), Role.PARENT, student_id=school.binh).view
        request = absences.read_absence("chiều nay con nghỉ tiết 2", NOW)
        absences.record_absence(
            session, channel="zalo", external_id="p1", student_id=school.minh_anh, request=request, now=NOW
        )
        before_math = datetime(2026, 12, 2, 13, 20, tzinfo=TIMEZONE)
        (queued,) = queue_due_reminders(session, now=before_math, lead=timedelta(minutes=15))
        accounts = set(
            session.execute(
                select(Delivery.account_id).where(Delivery.broadcast_id == queued.broadcast_id)
            ).scalars()
        )
        assert present.account_id in accounts and absent.account_id not in accounts
        before_literature = datetime(2026, 12, 3, 7, 20, tzinfo=TIMEZONE)  # tomorrow: not absent
        (morning,) = queue_due_reminders(session, now=before_literature, lead=timedelta(minutes=15))
        accounts = set(
            session.execute(
                select(Delivery.account_id).where(Delivery.broadcast_id == morning.broadcast_id)
            ).scalars()
        )
        assert absent.account_id in accounts


def test_a_relay_thread_from_family_to_teacher_and_back(school: Sample) -> None:
    with session_scope() as session:
        family = link(session, PARENT, Role.PARENT, student_id=school.minh_anh).view
        teacher = link(session, TEACHER, Role.TEACHER, staff_id=school.lan).view
        sent = relay.family_message(
            session,
            channel="zalo",
            external_id="p1",
            student_id=None,
            text="Cô ơi con có bài tập gì ạ?",
            now=NOW,
        )
        assert isinstance(sent, Sent) and sent.held_until is None and "Nguyễn Thị Lan" in sent.to_label
        (to_teacher,) = _broadcasts(session, "relay-t:")
        assert relay_keys.tag(sent.thread_id) in to_teacher.text and "05 - Nguyễn Minh Anh" in to_teacher.text
        assert "p1" not in to_teacher.text
        assert [t for t, _ in relay_keys.relay_buttons(to_teacher.idempotency_key)] == [
            "Trả lời",
            "Kết thúc trao đổi",
        ]
        # Only the two sides may write in the thread.
        stranger = link(session, ("zalo", "p9"), Role.PARENT, student_id=school.hoa)
        assert stranger.view is not None
        assert (
            relay.reply(
                session, channel="zalo", external_id="p9", thread_id=sent.thread_id, text="x", now=NOW
            )
            is RelayProblem.NOT_YOURS
        )
        answer = relay.reply(
            session,
            channel="telegram",
            external_id="t1",
            thread_id=sent.thread_id,
            text="Con làm bài 3 trang 12 nhé.",
            now=NOW,
        )
        assert isinstance(answer, Sent)
        (to_family,) = _broadcasts(session, "relay-f:")
        assert "Thầy cô Nguyễn Thị Lan (chủ nhiệm lớp 6A)" in to_family.text and "t1" not in to_family.text
        delivery = session.execute(select(Delivery).where(Delivery.broadcast_id == to_family.id)).scalar_one()
        assert delivery.account_id == family.account_id
        # A second message continues the same open thread.
        follow = relay.family_message(
            session, channel="zalo", external_id="p1", student_id=None, text="Dạ em cảm ơn cô", now=NOW
        )
        assert follow.thread_id == sent.thread_id
        assert (
            relay.close(session, channel="telegram", external_id="t1", thread_id=sent.thread_id, now=NOW)
            is None
        )
        assert (
            relay.reply(
                session, channel="zalo", external_id="p1", thread_id=sent.thread_id, text="x", now=NOW
            )
            is RelayProblem.CLOSED
        )
        thread = session.get(RelayThread, sent.thread_id)
        assert thread.status is RelayStatus.CLOSED
        log = relay.relay_log(session, school.school_id)
        assert [who for _, who, _ in log[0].messages][:2] == [
            thread.family_label,
            "Thầy cô Nguyễn Thị Lan (chủ nhiệm lớp 6A)",
        ]
        assert teacher.account_id is not None


@pytest.mark.parametrize(
    ("link_role", "hint", "closed", "forbidden"),
    [
        (Role.PARENT, "xin bấm “Nhắn tiếp”", "xin bấm “Hỏi giáo viên”", "Em bấm"),
        (Role.STUDENT, "Em bấm “Nhắn tiếp”", "em bấm “Hỏi thầy cô”", "Quý phụ huynh"),
    ],
)
def test_the_relay_addresses_the_family_side_by_its_role(
    school: Sample, link_role: Role, hint: str, closed: str, forbidden: str
) -> None:
    with session_scope() as session:
        link(session, PARENT, link_role, student_id=school.minh_anh)
        link(session, TEACHER, Role.TEACHER, staff_id=school.lan)
        sent = relay.family_message(
            session, channel="zalo", external_id="p1", student_id=None, text="Bài 3 làm thế nào?", now=NOW
        )
        (to_teacher,) = _broadcasts(session, "relay-t:")
        assert "Thầy cô bấm “Trả lời”" in to_teacher.text
        relay.reply(session, channel="telegram", external_id="t1", thread_id=sent.thread_id,
                    text="Xem ví dụ 2 nhé.", now=NOW)
        relay.close(session, channel="telegram", external_id="t1", thread_id=sent.thread_id, now=NOW)
        (to_family,) = _broadcasts(session, "relay-f:")
        (closed_note,) = _broadcasts(session, "relay-closed:")
        assert hint in to_family.text and forbidden not in to_family.text
        assert closed in closed_note.text and forbidden not in closed_note.text
        assert "«" not in to_family.text + to_teacher.text + closed_note.text


def test_relay_at_night_waits_for_morning_unless_urgent_and_bad_messages_are_refused(school: Sample) -> None:
    with session_scope() as session:
        link(session, PARENT, Role.PARENT, student_id=school.hoa)
        assert (
            relay.family_message(
                session, channel="zalo", external_id="p1", student_id=None, text="Chào thầy", now=NIGHT
            )
            is RelayProblem.NO_TEACHER
        )  # 7B's teacher is not on the assistant: kept as a request for the school
        assert session.execute(select(HelpRequest.message)).scalars().all() == ["Chào thầy"]
        link(session, ("telegram", "t7"), Role.TEACHER, staff_id=school.hung)
        assert (
            relay.family_message(
                session, channel="zalo", external_id="p1", student_id=None, text="x" * 2000, now=NIGHT
            )
            is RelayProblem.TOO_LONG
        )
        assert (
            relay.family_message(
                session, channel="zalo", external_id="p1", student_id=None, text="  ", now=NIGHT
            )
            is RelayProblem.EMPTY
        )
        assert session.execute(select(RelayMessage)).first() is None
        quiet = relay.family_message(
            session,
            channel="zalo",
            external_id="p1",
            student_id=None,
            text="Thầy ơi mai con đi học mấy giờ",
            now=NIGHT,
        )
        assert quiet.held_until is not None and quiet.held_until.astimezone(TIMEZONE).hour == 6
        urgent = relay.family_message(
            session,
            channel="zalo",
            external_id="p1",
            student_id=None,
            text="Khẩn: con bị người lạ nhắn tin đe dọa",
            now=NIGHT,
        )
        assert urgent.held_until is None
        last = _broadcasts(session, "relay-t:")[-1]
        assert last.urgent and last.text.startswith("🔴 KHẨN")
        pending = session.execute(select(Delivery).where(Delivery.broadcast_id == last.id)).scalar_one()
        assert pending.status is DeliveryStatus.PENDING


@pytest.mark.parametrize(
    ("text", "urgent"),
    [
        ("Khẩn: con bị đe dọa", True),
        ("gấp ạ", True),
        ("khan cap", True),
        ("em muốn gặp cô", False),
        ("em muon gap co", False),
        ("Chào cô", False),
    ],
)
def test_what_counts_as_urgent(text: str, urgent: bool) -> None:
    assert relay.is_urgent(text) is urgent


def test_erasing_a_family_anonymises_its_notices_and_threads(school: Sample) -> None:
    with session_scope() as session:
        link(session, PARENT, Role.PARENT, student_id=school.minh_anh)
        link(session, TEACHER, Role.TEACHER, staff_id=school.lan)
        absences.record_absence(
            session,
            channel="zalo",
            external_id="p1",
            student_id=school.minh_anh,
            request=absences.read_absence("Minh Anh sốt cao, đi khám", NOW),
            now=NOW,
        )
        sent = relay.family_message(
            session, channel="zalo", external_id="p1", student_id=None, text="Cô ơi Minh Anh bị sốt", now=NOW
        )
        privacy.forget_account(session, "zalo", "p1")
        absence = session.execute(select(Absence)).scalar_one()
        thread = session.get(RelayThread, sent.thread_id)
        message = session.execute(select(RelayMessage)).scalar_one()
    assert absence.reason == "" and absence.account_id is None and absence.day == date(2026, 12, 2)
    assert thread.account_id is None and "Minh Anh" not in thread.family_label
    assert "Minh Anh" not in message.text and "bị sốt" in message.text


def test_the_telegram_tag_is_read_back() -> None:
    assert relay_keys.thread_in("💬 Phụ huynh em 05 nhắn [Trao đổi số 42]:\n“…”") == 42
    assert relay_keys.thread_in("Trao đổi số 42") is None


def test_official_contacts_and_pasted_numbers(school: Sample) -> None:
    with session_scope() as session:
        contacts.add_contact(
            session,
            school_code="HS",
            name="Trịnh Văn Quang",
            role="Hiệu trưởng",
            phone="+84 912 345 678",
            email="hieutruong@hoasen.edu.vn",
            website="hoasen.edu.vn",
        )
        contacts.add_contact(
            session,
            school_code=None,
            name="Văn phòng Phòng GDĐT",
            phone="0203 3822 123",
            zalo="https://oa.zalo.me/4321",
        )
        with pytest.raises(contacts.ContactError):
            contacts.add_contact(session, school_code="HS", name="Ai đó", phone="12345")
        with pytest.raises(contacts.ContactError):
            contacts.add_contact(session, school_code="XX", name="Ai đó", phone="0912345678")
        found = contacts.check_text(
            session,
            "số 0912.345.678 và 0987 654 321 gọi, gửi link https://hoasen-edu.com/pay và "
            "hieutruong@hoasen.edu.vn, oa.zalo.me/4321",
            frozenset({school.school_id}),
        )
        verdict = {f.value: f.contact.name if f.contact else None for f in found}
        assert verdict == {
            "0912345678": "Trịnh Văn Quang",
            "0987654321": None,
            "hoasen-edu.com": None,
            "hieutruong@hoasen.edu.vn": "Trịnh Văn Quang",
            "oa.zalo.me/4321": "Văn phòng Phòng GDĐT",
        }


def test_scam_reports_naming_one_number_group_into_a_campaign(school: Sample) -> None:
    with session_scope() as session:
        principal = link(session, ("telegram", "boss"), Role.STAFF, staff_id=school.principal).view
        for index, sender in enumerate(("a", "b", "c", "d")):
            link(session, ("zalo", sender), Role.PARENT, student_id=school.minh_anh)
            number = "0987 654 321" if index != 1 else "0911 000 111"
            text = f"số {number} xưng phòng giáo dục bán tài liệu"
            outcome = incidents.report_scam(
                session, channel="zalo", external_id=sender, description=text, now=NOW
            )
            contacts.record_numbers(session, outcome.reference, text)
        grouped = contacts.campaigns(session, school.school_id)
        assert [(c.phone, c.reports) for c in grouped] == [("0987654321", 3), ("0911000111", 1)]
        (alert,) = _broadcasts(session, "scam-campaign:")  # once, at the third report
        assert "3 báo cáo mạo danh cùng nêu số 0987654321" in alert.text
        delivery = session.execute(select(Delivery).where(Delivery.broadcast_id == alert.id)).scalar_one()
        assert delivery.account_id == principal.account_id


def test_a_familys_questions_about_its_child(school: Sample) -> None:
    with session_scope() as session:
        view = link(session, PARENT, Role.PARENT, student_id=school.minh_anh).view
        info = child_info.child_info(session, view.students[0])
    assert info.homeroom_teacher == "Nguyễn Thị Lan" and info.school_name == "Trường THCS Hoa Sen"
    assert dict(info.subjects) == {"Ngữ văn": "Lê Thị Hồng", "Toán": "Nguyễn Thị Lan"}
    assert child_info.subject_named(info, "thầy dạy toán của con tên gì") == "Toán"
    assert child_info.subject_named(info, "cô dạy văn của cháu là ai") == "Ngữ văn"
    assert child_info.subject_named(info, "cô chủ nhiệm là ai") is None
