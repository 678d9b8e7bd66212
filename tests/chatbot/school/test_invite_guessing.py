"""Guessing invite codes: the lock-out survives unlinking, and many guessers raise an alarm
(issue 11, point 6)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from chatbot.db.engine import session_scope
from chatbot.db.models import Broadcast, Delivery, Role
from chatbot.school.accounts import LinkStatus, redeem_code
from chatbot.school.privacy import forget_account
from chatbot.settings import reset_settings
from tests.chatbot.school.sample import NOW, Sample, link

WRONG = ("WXYZ-2345", "WXYZ-3456", "WXYZ-4567", "WXYZ-5678", "WXYZ-6789", "WXYZ-7892")


def _try(sender: str, code: str, minutes: int = 0) -> LinkStatus:
    with session_scope() as session:
        return redeem_code(session, "telegram", sender, code, now=NOW + timedelta(minutes=minutes)).status


def test_the_lock_out_survives_deleting_the_account(school: Sample) -> None:
    with session_scope() as session:
        link(session, ("telegram", "guesser"), Role.PARENT, student_id=school.minh_anh)
    for code in WRONG[:4]:
        assert _try("guesser", code) is LinkStatus.UNKNOWN
    with session_scope() as session:
        assert forget_account(session, "telegram", "guesser").had_data
    assert _try("guesser", WRONG[4], minutes=1) is LinkStatus.LOCKED_OUT
    with session_scope() as session:  # deleting again changes nothing either
        forget_account(session, "telegram", "guesser")
    assert _try("guesser", WRONG[5], minutes=2) is LinkStatus.LOCKED_OUT


@pytest.fixture
def alarm_at_three(monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201
    monkeypatch.setenv("INVITE_ALARM_PER_HOUR", "3")
    reset_settings()
    yield
    reset_settings()


def _alarms() -> list[Broadcast]:
    with session_scope() as session:
        query = select(Broadcast).where(Broadcast.idempotency_key.like("invite-alarm:%"))
        return list(session.execute(query).scalars())


def test_many_guessers_alert_the_staff_once_an_hour(school: Sample, alarm_at_three: None) -> None:
    with session_scope() as session:
        link(session, ("telegram", "principal"), Role.STAFF, staff_id=school.principal)
        link(session, ("telegram", "teacher"), Role.TEACHER, staff_id=school.lan)
    for index, code in enumerate(WRONG[:2]):
        _try(f"guesser-{index}", code, minutes=index)
    assert _alarms() == []
    _try("guesser-2", WRONG[2], minutes=2)
    _try("guesser-3", WRONG[3], minutes=3)
    (alarm,) = _alarms()
    assert "3 mã mời sai" in alarm.text and not alarm.urgent
    with session_scope() as session:
        query = select(Delivery.account_id).where(Delivery.broadcast_id == alarm.id)
        recipients = session.execute(query).all()
    assert len(recipients) == 1  # the principal (staff), not the homeroom teacher
    _try("guesser-4", WRONG[4], minutes=61)  # the next clock hour, still 3 within the hour
    assert len(_alarms()) == 2
