"""A small school for the flow tests: classes 6A and 7B, their teachers, a timetable, a holiday.

The fixed moment :data:`NOW` is Wednesday 2 December 2026, 10:00 in Hà Nội time; Friday
4 December is a holiday.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy.orm import Session

from chatbot.db.models import (
    Holiday,
    Role,
    School,
    SchoolClass,
    StaffMember,
    StaffRole,
    Student,
    TimetableEntry,
)
from chatbot.school import accounts, invites
from chatbot.settings import TIMEZONE

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=TIMEZONE)
HOLIDAY = date(2026, 12, 4)
SECRET_6A = "EWYz2SuZ"
SECRET_7B = "Zs82HThc"


@dataclass(frozen=True)
class Sample:
    school_id: int
    class_6a: int
    class_7b: int
    minh_anh: int  # 6A, roll 5
    binh: int  # 6A, roll 6
    hoa: int  # 7B, roll 12
    lan: int  # homeroom teacher of 6A, teaches Toán
    hung: int  # homeroom teacher of 7B
    principal: int  # staff


def _entry(class_: SchoolClass, weekday: int, start: str, end: str, subject: str, teacher: StaffMember,
           platform: str, secret: str, meeting_id: str) -> TimetableEntry:
    return TimetableEntry(
        school_class=class_, weekday=weekday, starts_at=time.fromisoformat(start),
        ends_at=time.fromisoformat(end), subject=subject, teacher=teacher, platform=platform,
        meeting_id=meeting_id, meeting_link=f"https://meet.example/{meeting_id.replace(' ', '')}",
        meeting_password=secret, period=None,
    )


def build_school(session: Session) -> Sample:
    school = School(code="HS", name="Trường THCS Hoa Sen")
    lan = StaffMember(school=school, full_name="Nguyễn Thị Lan", role=StaffRole.TEACHER)
    hung = StaffMember(school=school, full_name="Trần Văn Hùng", role=StaffRole.TEACHER)
    hong = StaffMember(school=school, full_name="Lê Thị Hồng", role=StaffRole.TEACHER)
    principal = StaffMember(school=school, full_name="Trịnh Văn Quang", role=StaffRole.STAFF)
    c6a = SchoolClass(school=school, grade=6, name="6A", homeroom_teacher=lan)
    c7b = SchoolClass(school=school, grade=7, name="7B", homeroom_teacher=hung)
    minh_anh = Student(school_class=c6a, roll_number=5, full_name="Nguyễn Minh Anh")
    binh = Student(school_class=c6a, roll_number=6, full_name="Trần Văn Bình")
    hoa = Student(school_class=c7b, roll_number=12, full_name="Lê Thị Hoa")
    session.add_all([minh_anh, binh, hoa, principal, hong])
    lessons = [  # every school day: Ngữ văn on Zoom at 07:30 and Toán on Meet at 13:30 for 6A
        (c6a, "07:30", "08:15", "Ngữ văn", hong, "Zoom", SECRET_6A, "822 7449 7929"),
        (c6a, "13:30", "14:15", "Toán", lan, "Google Meet", SECRET_6A, "abc-defg-hij"),
        (c7b, "09:00", "09:45", "Lịch sử", hung, "Microsoft Teams", SECRET_7B, "999 000 111"),
    ]
    for weekday in range(6):
        for class_, start, end, subject, teacher, platform, secret, meeting_id in lessons:
            session.add(_entry(class_, weekday, start, end, subject, teacher, platform, secret, meeting_id))
    session.flush()
    session.add(Holiday(school_id=school.id, day=HOLIDAY, name="Nghỉ kỷ niệm ngày thành lập trường"))
    session.flush()
    return Sample(school.id, c6a.id, c7b.id, minh_anh.id, binh.id, hoa.id, lan.id, hung.id, principal.id)


def link(session: Session, sender: tuple[str, str], role: Role, *, student_id: int | None = None,
         staff_id: int | None = None) -> accounts.LinkOutcome:
    """Issue a code and redeem it from ``sender`` (channel, external id) at :data:`NOW`."""
    code = invites.issue_invite(session, role=role, student_id=student_id, staff_member_id=staff_id, now=NOW)
    return accounts.redeem_code(session, sender[0], sender[1], code, now=NOW)
