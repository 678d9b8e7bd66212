from __future__ import annotations

import threading
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select

from chatbot.db.engine import session_scope
from chatbot.db.models import Broadcast, BroadcastKind, Holiday
from chatbot.delivery.outbox import Queued
from chatbot.delivery.reminders import queue_due_reminders, reminder_text
from chatbot.delivery.worker import DeliveryWorker, WorkerOptions
from chatbot.settings import TIMEZONE
from tests.chatbot.delivery.conftest import SchoolData, ScriptedSender, add_entry, fast_limiters
from tests.chatbot.delivery.helpers import Clock, deliveries

TUESDAY = date(2026, 3, 10)


def at(hour: int, minute: int, day: date = TUESDAY) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=TIMEZONE)


def remind(now: datetime) -> list[Queued]:
    with session_scope() as session:
        return queue_due_reminders(session, now=now)


def broadcasts() -> list[Broadcast]:
    with session_scope() as session:
        return list(session.execute(select(Broadcast).order_by(Broadcast.id)).scalars())


def test_reminder_text_follows_the_ten_minute_rule() -> None:
    assert reminder_text("6A", "Toán", time(8, 0)) == (
        "Lớp 6A học Toán lúc 08:00. Các con đăng nhập trước 07:50 với tên hiển thị đúng quy định."
    )
    assert "lúc 13:05" in reminder_text("9B", "Tin học", time(13, 5))
    assert "trước 12:55" in reminder_text("9B", "Tin học", time(13, 5))


def test_each_session_is_reminded_once_within_the_lead(school: SchoolData) -> None:
    entry = add_entry(school.classes["6A"], TUESDAY.weekday(), time(8, 0))
    add_entry(school.classes["6B"], TUESDAY.weekday() + 1, time(8, 0))  # Wednesday: not today
    assert remind(at(7, 44)) == []
    created = remind(at(7, 45))
    assert [q.recipients for q in created] == [3]
    assert remind(at(7, 50)) == [] and remind(at(7, 59)) == []
    assert remind(at(8, 0)) == []  # started: too late to remind
    (reminder,) = broadcasts()
    assert reminder.idempotency_key == f"reminder:{entry}:2026-03-10"
    assert reminder.kind == BroadcastKind.REMINDER and not reminder.urgent
    assert reminder.audience == "school=HS;class=6A"
    next_week = remind(at(7, 50, TUESDAY + timedelta(days=7)))
    assert len(next_week) == 1 and len(broadcasts()) == 2


def test_holidays_are_skipped(school: SchoolData) -> None:
    add_entry(school.classes["6A"], TUESDAY.weekday(), time(8, 0))
    with session_scope() as session:
        session.add(Holiday(school_id=school.school_id, day=TUESDAY, name="Nghỉ lễ"))
    assert remind(at(7, 50)) == []
    assert len(remind(at(7, 50, TUESDAY + timedelta(days=7)))) == 1


def test_quiet_hours_hold_or_drop_reminders(school: SchoolData) -> None:
    early = add_entry(school.classes["6A"], TUESDAY.weekday(), time(6, 10))
    add_entry(school.classes["6B"], TUESDAY.weekday(), time(21, 30))
    (queued,) = remind(at(5, 55))
    assert {d.not_before for d in deliveries(queued.broadcast_id).values()} == {at(6, 0)}
    assert remind(at(21, 15)) == []  # would wait until 6:00 tomorrow, after the session
    assert [b.idempotency_key for b in broadcasts()] == [f"reminder:{early}:2026-03-10"]


def test_a_lead_can_reach_past_midnight(school: SchoolData, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("QUIET_HOURS_START", "00:00")
    monkeypatch.setenv("QUIET_HOURS_END", "00:00")
    from chatbot.settings import reset_settings

    reset_settings()
    add_entry(school.classes["6A"], TUESDAY.weekday() + 1, time(0, 5))
    assert len(remind(at(23, 55))) == 1


def test_two_workers_remind_once(any_school: SchoolData) -> None:
    for name in ("6A", "6B", "7A"):
        add_entry(any_school.classes[name], TUESDAY.weekday(), time(8, 0))
    barrier = threading.Barrier(3)
    created: list[list[Queued]] = []

    def tick() -> None:
        barrier.wait()
        created.append(remind(at(7, 46)))

    threads = [threading.Thread(target=tick) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(len(c) for c in created) == 3
    with session_scope() as session:
        assert session.execute(select(func.count()).select_from(Broadcast)).scalar() == 3
    assert len(deliveries()) == 9


async def test_reminder_reaches_the_class(school: SchoolData) -> None:
    add_entry(school.classes["7A"], TUESDAY.weekday(), time(9, 30), subject="Ngữ văn")
    remind(at(9, 20))
    sender = ScriptedSender()
    worker = DeliveryWorker(
        {"telegram": sender}, WorkerOptions(poll_interval=0.05),
        limiters=fast_limiters("telegram"), clock=Clock(at(9, 20)),
    )
    await worker.drain()
    assert sorted(sender.delivered_to()) == ["p-7A-1", "p-7A-2", "p-7A-3"]
    assert {m.text for _, m in sender.sent} == {
        "Lớp 7A học Ngữ văn lúc 09:30. Các con đăng nhập trước 09:20 với tên hiển thị đúng quy định."
    }
    assert {m.buttons for _, m in sender.sent} == {()}
