"""An event counts as processed only once it was handled: a failure is handled again on retry."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Any

from sqlalchemy import select, update

from chatbot.db.engine import session_scope
from chatbot.db.models import ProcessedEvent
from connectors.config import TelegramConfig
from connectors.polling import RasaRelay
from connectors.telegram import SECRET_HEADER, TelegramInput, TelegramOutput
from connectors.telegram_sender import TelegramSender
from connectors.webhook import EventClaim, begin_event, end_event
from tests.connectors.payloads import new_chat_id, tg_update

SECRET = "claims-secret"
CONFIG = TelegramConfig(token="123456:claims", webhook_secret=SECRET, api_base_url="http://127.0.0.1:9/bot")


class FlakyRasa:
    """A ``deliver`` that fails the first ``failures`` times, then records the message."""

    def __init__(self, failures: int = 1) -> None:
        self.failures = failures
        self.calls = 0
        self.delivered: list[str] = []

    async def __call__(self, sender_id: str, text: str, metadata: dict[str, Any]) -> None:
        self.calls += 1
        if self.calls <= self.failures:
            raise ConnectionError("tracker store unreachable")
        self.delivered.append(text)


def request(update: dict) -> SimpleNamespace:
    return SimpleNamespace(headers={SECRET_HEADER: SECRET}, body=json.dumps(update).encode())


async def test_a_failed_telegram_update_is_handled_when_telegram_resends_it(db: str) -> None:
    channel = TelegramInput(CONFIG)
    rasa = FlakyRasa(failures=1)
    update = tg_update(new_chat_id(), text="lịch học")

    first = await channel.receive(request(update), rasa)
    assert first.status == 500  # Telegram resends an update that was not answered 200
    second = await channel.receive(request(update), rasa)
    assert (second.status, json.loads(second.body)) == (200, {"status": "message"})
    third = await channel.receive(request(update), rasa)
    assert json.loads(third.body) == {"status": "duplicate"}
    assert rasa.delivered == ["lịch học"]  # handled once, not dropped
    await channel.sender.aclose()


async def test_an_update_being_handled_is_not_handled_twice_at_once(db: str) -> None:
    channel = TelegramInput(CONFIG)
    started, release = asyncio.Event(), asyncio.Event()
    delivered: list[str] = []

    async def slow(sender_id: str, text: str, metadata: dict[str, Any]) -> None:
        started.set()
        await release.wait()
        delivered.append(text)

    update = tg_update(new_chat_id(), text="lịch học")
    first = asyncio.create_task(channel.receive(request(update), slow))
    await started.wait()
    again = await channel.receive(request(update), slow)
    assert again.status == 409  # Telegram asks again later
    release.set()
    assert (await first).status == 200
    assert delivered == ["lịch học"]
    await channel.sender.aclose()


async def test_a_claim_left_by_a_dead_process_is_taken_over(db: str) -> None:
    assert await begin_event("telegram", "77") is EventClaim.NEW
    assert await begin_event("telegram", "77") is EventClaim.BUSY
    with session_scope() as session:
        session.execute(
            update(ProcessedEvent).values(created_at=datetime.now(timezone.utc) - timedelta(minutes=6))
        )
    assert await begin_event("telegram", "77") is EventClaim.NEW
    await end_event("telegram", "77", handled=True)
    assert await begin_event("telegram", "77") is EventClaim.DONE
    with session_scope() as session:
        rows = session.execute(select(ProcessedEvent.in_progress)).scalars().all()
    assert rows == [False]


async def test_polling_retries_an_update_that_failed(db: str) -> None:
    handled: list[int] = []
    failures = iter([True, False])

    async def handler(update: int) -> str:
        if next(failures, False):
            raise ConnectionError("Rasa restarting")
        handled.append(update)
        return "message"

    sender = TelegramSender(CONFIG)
    relay = RasaRelay(TelegramOutput, sender, "http://127.0.0.1:9", logging.getLogger("test"))
    assert await relay.handle(handler, 7, pause=0.01)
    assert handled == [7]

    async def broken(update: int) -> str:
        raise ConnectionError("down")

    assert not await relay.handle(broken, 8, attempts=2, pause=0.01)
    await relay.client.aclose()
    await sender.aclose()
