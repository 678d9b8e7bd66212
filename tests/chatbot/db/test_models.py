"""The data store round-trips on SQLite and PostgreSQL alike."""

from datetime import datetime, time, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from chatbot.db.engine import session_scope
from chatbot.db.models import (
    AccountLink,
    Channel,
    ChatAccount,
    IncidentKind,
    IncidentReport,
    Role,
    School,
    SchoolClass,
    StaffMember,
    Student,
    TimetableEntry,
)


def _school(session) -> SchoolClass:
    school = School(code="THCS-TEST", name="Trường THCS Thử Nghiệm")
    teacher = StaffMember(school=school, full_name="Nguyễn Thị Lan")
    school_class = SchoolClass(school=school, grade=6, name="6A", homeroom_teacher=teacher)
    session.add_all([school, teacher, school_class])
    session.flush()
    return school_class


def test_school_class_student_account_link(any_db: str) -> None:
    with session_scope() as session:
        school_class = _school(session)
        student = Student(school_class=school_class, roll_number=5, full_name="Nguyễn Minh Anh")
        account = ChatAccount(channel=Channel.TELEGRAM, external_id="12345", role=Role.PARENT)
        session.add_all([student, account])
        session.flush()
        session.add(AccountLink(account=account, student=student, role=Role.PARENT))

    with session_scope() as session:
        account = session.execute(select(ChatAccount)).scalar_one()
        assert account.channel is Channel.TELEGRAM
        assert account.active is True
        assert account.created_at.tzinfo is not None
        [link] = account.links
        assert link.student.full_name == "Nguyễn Minh Anh"
        assert link.student.school_class.homeroom_teacher.full_name == "Nguyễn Thị Lan"


def test_roll_number_is_unique_within_a_class(any_db: str) -> None:
    with pytest.raises(IntegrityError), session_scope() as session:
        school_class = _school(session)
        session.add_all([
            Student(school_class=school_class, roll_number=1, full_name="Trần Văn Bình"),
            Student(school_class=school_class, roll_number=1, full_name="Lê Thị Chi"),
        ])


def test_account_is_unique_per_channel(any_db: str) -> None:
    with session_scope() as session:
        session.add(ChatAccount(channel=Channel.ZALO, external_id="u1"))
        session.add(ChatAccount(channel=Channel.TELEGRAM, external_id="u1"))
    with pytest.raises(IntegrityError), session_scope() as session:
        session.add(ChatAccount(channel=Channel.ZALO, external_id="u1"))


def test_datetimes_come_back_aware_in_utc(any_db: str) -> None:
    local = datetime(2026, 11, 30, 7, 45, tzinfo=timezone(timedelta(hours=7)))
    with session_scope() as session:
        school_class = _school(session)
        session.add(IncidentReport(
            reference="SC-2026-000001", kind=IncidentKind.STRANGER, class_id=school_class.id,
            occurred_at=local, description="Có người lạ vào lớp",
        ))
    with session_scope() as session:
        report = session.execute(select(IncidentReport)).scalar_one()
        assert report.occurred_at == local
        assert report.occurred_at.utcoffset() == timedelta(0)
        assert report.kind is IncidentKind.STRANGER


def test_naive_datetime_is_refused(any_db: str) -> None:
    with pytest.raises(Exception, match="naive datetime"), session_scope() as session:
        session.add(IncidentReport(
            reference="SC-1", kind=IncidentKind.OTHER, occurred_at=datetime(2026, 1, 1),
        ))


def test_meeting_secrets_stay_out_of_repr(any_db: str) -> None:
    with session_scope() as session:
        school_class = _school(session)
        entry = TimetableEntry(
            school_class=school_class, weekday=0, period=1, starts_at=time(7, 30),
            ends_at=time(8, 15), subject="Toán", platform="Zoom", meeting_id="812 3456 7890",
            meeting_link="https://zoom.us/j/81234567890", meeting_password="S3cret!",
        )
        session.add(entry)
        session.flush()
        text = repr(entry)
    assert "S3cret" not in text and "zoom.us" not in text and "812 3456" not in text


def test_deleting_a_class_removes_its_students(any_db: str) -> None:
    with session_scope() as session:
        school_class = _school(session)
        session.add(Student(school_class=school_class, roll_number=1, full_name="Phạm Văn Dũng"))
    with session_scope() as session:
        session.delete(session.execute(select(SchoolClass)).scalar_one())
    with session_scope() as session:
        assert session.execute(select(Student)).first() is None
