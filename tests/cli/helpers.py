"""Builders for staff-tool tests: sample files and the records chat flows would create."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from chatbot.db.engine import session_scope
from chatbot.db.models import (
    AccountLink,
    Acknowledgement,
    Channel,
    ChatAccount,
    IncidentKind,
    IncidentReport,
    Role,
    School,
    SchoolClass,
    Student,
)
from chatbot.school.importing import ImportSummary, import_file
from chatbot.settings import RULES_VERSION

ROSTER_HEADER = ["Lớp", "STT", "Họ và tên", "Ngày sinh", "Giới tính"]
TEACHERS_HEADER = ["Họ và tên", "Vai trò", "Chủ nhiệm lớp", "Email"]
TIMETABLE_HEADER = ["Lớp", "Thứ", "Tiết", "Giờ bắt đầu", "Giờ kết thúc", "Môn", "Giáo viên",
                    "Nền tảng", "Mã phòng", "Link", "Mật khẩu"]


def write_csv(path: Path, rows: Sequence[Sequence[object]], *, encoding: str = "utf-8",
              delimiter: str = ",") -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle, delimiter=delimiter).writerows(rows)
    return path


def write_xlsx(path: Path, rows: Sequence[Sequence[object]], *, merges: Sequence[str] = (),
               title: str = "Sheet1") -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(list(row))
    for cell_range in merges:
        sheet.merge_cells(cell_range)
    workbook.save(path)
    return path


def make_school(session: Session, code: str = "THCS-TEST", name: str = "Trường THCS Thử") -> School:
    school = School(code=code, name=name)
    session.add(school)
    session.flush()
    return school


def student(session: Session, class_name: str, roll: int) -> Student:
    return session.scalars(
        select(Student).join(SchoolClass).where(SchoolClass.name == class_name, Student.roll_number == roll)
    ).one()


def link_account(session: Session, pupil: Student, *, role: Role = Role.PARENT,
                 channel: Channel = Channel.TELEGRAM, acknowledged: bool = False,
                 at: datetime | None = None) -> ChatAccount:
    """An account linked to ``pupil`` (as a chat flow would), optionally acknowledging the rules."""
    at = at or datetime.now(timezone.utc)
    account = ChatAccount(channel=channel, external_id=f"{channel.value}-{pupil.id}-{role.value}",
                          role=role, created_at=at)
    session.add(account)
    session.flush()
    session.add(AccountLink(account_id=account.id, student_id=pupil.id, role=role, created_at=at))
    if acknowledged:
        session.add(Acknowledgement(account_id=account.id, student_id=pupil.id,
                                    rules_version=RULES_VERSION, acknowledged_at=at))
    session.flush()
    return account


def incident(session: Session, school: School, reference: str, kind: IncidentKind,
             occurred_at: datetime, *, class_name: str | None = None,
             description: str = "Có người lạ vào lớp") -> IncidentReport:
    school_class = None
    if class_name:
        school_class = session.scalars(select(SchoolClass).where(SchoolClass.name == class_name)).one()
    report = IncidentReport(reference=reference, kind=kind, school_id=school.id,
                            class_id=school_class.id if school_class else None,
                            reporter_role=Role.PARENT, occurred_at=occurred_at, description=description)
    session.add(report)
    session.flush()
    return report


def run_import(kind: str, path: Path, *, school_code: str = "THCS-TEST", **options: object) -> ImportSummary:
    """Import ``path`` into the school ``school_code`` in its own transaction; return the summary."""
    with session_scope() as session:
        school = session.scalars(select(School).where(School.code == school_code)).one()
        return import_file(session, school, kind, path, **options)  # type: ignore[arg-type]
