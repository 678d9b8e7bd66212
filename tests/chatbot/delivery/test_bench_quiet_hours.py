"""bench/bench_broadcast.py sets its own quiet hours, so it delivers at night too."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from datetime import datetime
from types import ModuleType

import pytest

from chatbot.settings import PROJECT_ROOT, TIMEZONE, reset_settings
from tests.chatbot.delivery.helpers import deliveries


@pytest.fixture
def bench(monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    monkeypatch.syspath_prepend(str(PROJECT_ROOT / "bench"))  # the scripts import _common
    monkeypatch.setenv("QUIET_HOURS_START", "21:00")  # the defaults; monkeypatch restores the
    monkeypatch.setenv("QUIET_HOURS_END", "06:00")  # environment the benchmark changes
    reset_settings()
    yield importlib.import_module("bench_broadcast")
    monkeypatch.undo()
    reset_settings()


def test_a_broadcast_queued_at_night_is_due_at_once(bench: ModuleType, db: str) -> None:
    _, accounts = bench.populate(db, 3)
    night = datetime(2026, 3, 10, 23, 30, tzinfo=TIMEZONE)
    broadcast_id = bench.queue(db, "bench:night", accounts, now=night)
    assert {d.not_before for d in deliveries(broadcast_id).values()} == {night}
