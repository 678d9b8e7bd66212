"""Invite codes: hashed, one-time, expiring, revocable; repeated failures lock an account out."""

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from chatbot.db.engine import session_scope
from chatbot.db.models import Channel, ChatAccount, InviteCode, Role, School, SchoolClass, Student
from chatbot.school import invites

NOW = datetime(2026, 11, 30, 1, 0, tzinfo=timezone.utc)


@pytest.fixture
def student_id(any_db: str) -> int:
    with session_scope() as session:
        school = School(code="S1", name="Trường THCS Thử")
        school_class = SchoolClass(school=school, grade=6, name="6A")
        student = Student(school_class=school_class, roll_number=5, full_name="Nguyễn Minh Anh")
        session.add(student)
        session.flush()
        return student.id


def _account(session) -> ChatAccount:
    account = ChatAccount(channel=Channel.TELEGRAM, external_id="42")
    session.add(account)
    session.flush()
    return account


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("ABCD-2345", "ABCD2345"), ("abcd 2345", "ABCD2345"), ("abcd2345", "ABCD2345"),
     ("ABCD-1234", None), ("ABC-2345", None), ("", None)],
)
def test_normalize_code(typed: str, expected: str | None) -> None:
    assert invites.normalize_code(typed) == expected


def test_find_code_in_a_sentence_needs_a_digit() -> None:
    assert invites.find_code("mã của tôi là wxyz-7k9m nhé") == "WXYZ7K9M"
    assert invites.find_code("tôi muốn hỏi về lịch học") is None
    assert invites.find_code("nguyenminh") is None


def test_only_the_hash_is_stored_and_the_code_is_one_time(student_id: int) -> None:
    with session_scope() as session:
        code = invites.issue_invite(session, role=Role.PARENT, student_id=student_id, now=NOW)
        stored = session.execute(select(InviteCode)).scalar_one()
        assert code.replace("-", "") not in stored.code_hash
        account = _account(session)
        check = invites.check_code(session, code.lower(), now=NOW)
        assert check.problem is None and check.invite.student_id == student_id
        assert invites.claim_code(session, check.invite, account.id, now=NOW)
        assert not invites.claim_code(session, check.invite, account.id, now=NOW)
    with session_scope() as session:
        assert invites.check_code(session, code, now=NOW).problem is invites.CodeProblem.USED


def test_expired_revoked_and_unknown_codes(student_id: int) -> None:
    with session_scope() as session:
        expired = invites.issue_invite(session, role=Role.PARENT, student_id=student_id, ttl_days=1, now=NOW)
        later = NOW + timedelta(days=2)
        assert invites.check_code(session, expired, now=later).problem is invites.CodeProblem.EXPIRED
        revoked = invites.issue_invite(session, role=Role.STUDENT, student_id=student_id, now=NOW)
        assert invites.revoke_invites(session, student_id=student_id, role=Role.STUDENT, now=NOW) == 1
        assert invites.check_code(session, revoked, now=NOW).problem is invites.CodeProblem.REVOKED
        assert invites.check_code(session, "ZZZZ-9999", now=NOW).problem is invites.CodeProblem.UNKNOWN


def test_a_student_invite_needs_a_student(any_db: str) -> None:
    with session_scope() as session, pytest.raises(ValueError):
        invites.issue_invite(session, role=Role.PARENT)


def test_five_failures_in_ten_minutes_lock_out_for_a_while(any_db: str) -> None:
    with session_scope() as session:
        for minute in range(4):
            invites.record_failure(session, Channel.ZALO, "u1", now=NOW + timedelta(minutes=minute))
        assert not invites.is_locked_out(session, Channel.ZALO, "u1", now=NOW + timedelta(minutes=4))
        invites.record_failure(session, Channel.ZALO, "u1", now=NOW + timedelta(minutes=4))
        assert invites.is_locked_out(session, Channel.ZALO, "u1", now=NOW + timedelta(minutes=5))
        assert not invites.is_locked_out(session, Channel.TELEGRAM, "u1", now=NOW + timedelta(minutes=5))
        assert not invites.is_locked_out(session, Channel.ZALO, "u1", now=NOW + timedelta(minutes=40))


def test_failures_spread_over_more_than_the_window_do_not_lock(any_db: str) -> None:
    with session_scope() as session:
        for step in range(5):
            invites.record_failure(session, Channel.ZALO, "u2", now=NOW + timedelta(minutes=3 * step))
        assert not invites.is_locked_out(session, Channel.ZALO, "u2", now=NOW + timedelta(minutes=13))
