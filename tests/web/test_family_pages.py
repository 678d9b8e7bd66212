"""Staff pages of issue 17: today's absences, the relay log, the official contacts and the
scam reports grouped by number — each account sees only its own classes' families."""

from __future__ import annotations

import re
from datetime import datetime, timezone

from sqlalchemy import select

from chatbot.db.engine import session_scope
from chatbot.db.models import Channel, ChatAccount, SchoolClass, StaffMember, Student
from chatbot.school import absences, contacts, incidents, relay
from tests.web.conftest import ADMIN, OFFICE, OTHER_ADMIN, TEACHER_6A, TEACHER_6B


def _family_of_6a() -> tuple[str, str]:
    """A linked 6A family writes an absence notice and a message to Ms Lan, who is on Telegram."""
    now = datetime.now(timezone.utc)
    with session_scope() as session:
        school_class = session.scalars(select(SchoolClass).where(SchoolClass.name == "6A")).first()
        student = session.scalars(
            select(Student).where(Student.class_id == school_class.id, Student.roll_number == 1)
        ).one()
        lan = session.get(StaffMember, school_class.homeroom_teacher_id)
        session.add(ChatAccount(channel=Channel.TELEGRAM, external_id="t-lan", staff_member_id=lan.id))
        session.flush()
        outcome = absences.record_absence(
            session,
            channel="telegram",
            external_id="telegram-6A-1",
            student_id=student.id,
            request=absences.read_absence("hôm nay con ốm, đi khám", now),
            now=now,
        )
        assert isinstance(outcome, absences.RecordOutcome)
        sent = relay.family_message(
            session,
            channel="telegram",
            external_id="telegram-6A-1",
            student_id=None,
            text="Cô ơi hôm nay con ốm ạ",
            now=now,
        )
        assert isinstance(sent, relay.Sent)
        contacts.add_contact(session, school_code=None, name="Văn phòng Phòng GDĐT", phone="0203 3822 123")
        report = incidents.report_scam(
            session,
            channel="telegram",
            external_id="telegram-6A-1",
            description="số 0987654321 bán sách",
            now=now,
        )
        contacts.record_numbers(session, report.reference, "số 0987654321 bán sách")
        return student.full_name, school_class.name


def test_absences_relay_and_contacts_pages(browser_for) -> None:  # noqa: ANN001
    name, _ = _family_of_6a()
    teacher = browser_for(TEACHER_6A)
    page = teacher.get("/bao-nghi")
    assert page.status_code == 200 and name in page.text and "đi khám" in page.text
    log = teacher.get("/trao-doi")
    assert "Cô ơi hôm nay con ốm ạ" in log.text and "telegram-6A-1" not in log.text
    other = browser_for(TEACHER_6B)
    assert name not in other.get("/bao-nghi").text
    assert "Cô ơi hôm nay con ốm ạ" not in other.get("/trao-doi").text
    assert "Cô ơi hôm nay con ốm ạ" in browser_for(ADMIN).get("/trao-doi").text
    office = browser_for(OFFICE)
    assert office.get("/trao-doi").status_code == 403  # the families' messages stay in the school
    listed = office.get("/lien-he")
    assert "0203" in listed.text and "Văn phòng Phòng GDĐT" in listed.text
    assert "0987654321" in browser_for(ADMIN).get("/lien-he").text
    assert browser_for(ADMIN).get("/bao-nghi?ngay=2026-13-45").status_code == 200  # a bad day: today


def test_another_school_sees_none_of_it_and_the_office_only_counts(browser_for) -> None:  # noqa: ANN001
    name, _ = _family_of_6a()
    other = browser_for(OTHER_ADMIN)  # the admin of Biển Xanh, the city's second school
    assert name not in other.get("/bao-nghi").text
    assert "Cô ơi hôm nay con ốm ạ" not in other.get("/trao-doi").text
    assert "0987654321" not in other.get("/lien-he").text  # Hoa Sen's scam campaign
    office = browser_for(OFFICE)
    page = office.get("/bao-nghi")
    assert page.status_code == 200 and name not in page.text and "đi khám" not in page.text
    rows = re.findall(r'<th scope="row">([^<]+)</th><td class="num">(\d+)</td>', page.text)
    assert dict(rows) == {"Trường THCS Biển Xanh": "0", "Trường THCS Hoa Sen": "1", "Toàn thành phố": "1"}
    assert "Báo nghỉ năm học" in office.get("/tong-quan").text
