from __future__ import annotations

from datetime import datetime

from sqlalchemy import update

from chatbot.db.engine import session_scope
from chatbot.db.models import Delivery, DeliveryStatus
from chatbot.delivery.receipts import (
    Ack,
    acknowledge,
    acknowledge_latest,
    broadcast_status,
    receipt_button,
)
from chatbot.settings import TIMEZONE
from tests.chatbot.delivery.conftest import SchoolData, add_account
from tests.chatbot.delivery.helpers import deliveries, queue

DAY = datetime(2026, 3, 10, 9, 0, tzinfo=TIMEZONE)


def ack(delivery_id: int, external_id: str, channel: str = "telegram") -> Ack:
    with session_scope() as session:
        return acknowledge(session, delivery_id, channel, external_id, now=DAY)


def test_receipt_button_fits_telegram_callback_data() -> None:
    button = receipt_button(123456789)
    assert button.payload == '/broadcast_received{"delivery_id": 123456789}'
    assert len(button.payload.encode()) <= 64


def test_only_the_recipient_can_acknowledge(school: SchoolData) -> None:
    queued = queue([school.accounts["p-6A-1"], school.accounts["p-6A-2"]], ask_receipt=True, now=DAY)
    mine = deliveries(queued.broadcast_id)[school.accounts["p-6A-1"]].id
    assert ack(mine, "p-6A-2") is Ack.NOT_FOUND
    assert ack(mine, "p-6A-1", channel="zalo") is Ack.NOT_FOUND
    assert ack(mine, "p-6A-1") is Ack.RECORDED
    assert ack(mine, "p-6A-1") is Ack.ALREADY
    assert ack(999_999, "p-6A-1") is Ack.NOT_FOUND
    assert deliveries(queued.broadcast_id)[school.accounts["p-6A-1"]].acknowledged_at == DAY
    assert deliveries(queued.broadcast_id)[school.accounts["p-6A-2"]].acknowledged_at is None


def test_no_receipt_without_the_button(school: SchoolData) -> None:
    queued = queue([school.accounts["p-6A-1"]], now=DAY)
    delivery = deliveries(queued.broadcast_id)[school.accounts["p-6A-1"]].id
    assert ack(delivery, "p-6A-1") is Ack.NOT_FOUND


def test_status_per_class(school: SchoolData) -> None:
    with session_scope() as session:  # a parent with children in 6A and 6B
        both = add_account(session, "both", [school.students[("6A", 1)], school.students[("6B", 1)]])
    targets = [school.accounts[n] for n in ("p-6A-1", "p-6A-2", "p-7A-1", "p-7A-2")] + [both]
    queued = queue(targets, ask_receipt=True, now=DAY, audience="school=HS;class=6A,7A")
    rows = deliveries(queued.broadcast_id)
    outcome = {
        "p-6A-1": DeliveryStatus.SENT, "p-6A-2": DeliveryStatus.FAILED,
        "p-7A-1": DeliveryStatus.SENT, "p-7A-2": DeliveryStatus.PENDING,
    }
    with session_scope() as session:
        outcome_by_id = {rows[school.accounts[n]].id: s for n, s in outcome.items()}
        outcome_by_id[rows[both].id] = DeliveryStatus.SENT
        for delivery_id, status in outcome_by_id.items():
            session.execute(update(Delivery).where(Delivery.id == delivery_id).values(status=status))
    assert ack(rows[school.accounts["p-6A-1"]].id, "p-6A-1") is Ack.RECORDED
    assert ack(rows[both].id, "both") is Ack.RECORDED
    with session_scope() as session:
        status = broadcast_status(session, queued.broadcast_id)
    assert status is not None
    assert (status.total.total, status.total.sent, status.total.failed) == (5, 3, 1)
    assert (status.total.pending, status.total.acknowledged) == (1, 2)
    assert list(status.by_class) == ["6A", "7A"]  # 6B is outside the audience
    six_a = status.by_class["6A"]
    assert (six_a.total, six_a.sent, six_a.failed, six_a.acknowledged) == (3, 2, 1, 2)
    seven_a = status.by_class["7A"]
    assert (seven_a.total, seven_a.sent, seven_a.pending, seven_a.acknowledged) == (2, 1, 1, 0)


def test_accounts_outside_classes_are_counted_apart(school: SchoolData) -> None:
    queued = queue([school.accounts["teacher"], school.accounts["p-6B-1"]], now=DAY)
    with session_scope() as session:
        status = broadcast_status(session, queued.broadcast_id)
        assert status is not None
        assert list(status.by_class) == ["6B", "—"]
        assert broadcast_status(session, 12345) is None


def test_a_typed_receipt_acknowledges_the_latest_notice(school: SchoolData) -> None:
    account = school.accounts["p-6A-1"]
    older = queue([account], key="older", ask_receipt=True, now=DAY)
    newer = queue([account], key="newer", ask_receipt=True, now=DAY)
    plain = queue([account], key="no-receipt", now=DAY)
    sent_at = {older.broadcast_id: 1, newer.broadcast_id: 2, plain.broadcast_id: 3}
    with session_scope() as session:
        for broadcast_id, minute in sent_at.items():
            session.execute(
                update(Delivery)
                .where(Delivery.broadcast_id == broadcast_id)
                .values(status=DeliveryStatus.SENT, sent_at=DAY.replace(minute=minute))
            )

    def typed() -> Ack:
        with session_scope() as session:
            return acknowledge_latest(session, "telegram", "p-6A-1", now=DAY.replace(hour=10))

    assert typed() is Ack.RECORDED
    assert deliveries(newer.broadcast_id)[account].acknowledged_at is not None
    assert deliveries(older.broadcast_id)[account].acknowledged_at is None
    assert typed() is Ack.RECORDED  # then the older one
    assert typed() is Ack.ALREADY
    with session_scope() as session:
        assert acknowledge_latest(session, "telegram", "p-6B-1") is Ack.NOT_FOUND
