"""Unanswered messages: scrubbed before storage, listed for staff, logged by the action."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from typer.testing import CliRunner

from actions import unanswered as action_module
from actions.unanswered import ActionUnanswered, best_guess
from chatbot.db.engine import session_scope
from chatbot.db.models import UnansweredMessage
from chatbot.school.unanswered import MAX_TEXT, list_unanswered, record_unanswered, scrub


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("gọi tôi 0912 345 678 nhé", "gọi tôi [số điện thoại] nhé"),
        ("số +84912345678", "số [số điện thoại]"),
        ("mail an.nguyen@gmail.com ạ", "mail [email] ạ"),
        ("vào https://zoom.us/j/123?pwd=abc đi", "vào [liên kết] đi"),
        ("xem pgdhalong.edu.vn", "xem [liên kết]"),
        ("mã ABCD-2345 và k7mpx4qz", "mã [mã] và [mã]"),
        ("stk 1903 5566 7788", "stk [số]"),
        ("con tôi là Nguyễn Văn An, lớp 6A", "con tôi là [tên] lớp 6A"),
        ("vào lớp trước 10 phút à", "vào lớp trước 10 phút à"),
        ("mục 1.4.b nói gì", "mục 1.4.b nói gì"),
    ],
)
def test_scrub(text: str, expected: str) -> None:
    assert scrub(text) == expected


def test_scrub_caps_the_length() -> None:
    assert len(scrub("a " * 1000)) == MAX_TEXT


def test_record_and_list(db: str) -> None:
    old = datetime.now(timezone.utc) - timedelta(days=40)
    with session_scope() as session:
        record_unanswered(session, "giá vàng hôm nay, gọi 0987654321", "out_of_scope", 0.812)
        assert record_unanswered(session, "  ", None, None) is None
        session.add(UnansweredMessage(text="cũ", intent=None, confidence=None, created_at=old))
    with session_scope() as session:
        rows = list_unanswered(session, days=30)
    assert [(r.text, r.intent, r.confidence) for r in rows] == [
        ("giá vàng hôm nay, gọi [số điện thoại]", "out_of_scope", "0.81")
    ]


def test_cli_lists_scrubbed_messages(db: str) -> None:
    from cli import app

    with session_scope() as session:
        record_unanswered(session, "Nguyễn Thị Mai hỏi học phí", "out_of_scope", 0.7)
    result = CliRunner().invoke(app, ["unanswered", "--days", "7"])
    assert result.exit_code == 0, result.output
    assert "[tên] hỏi học phí" in result.output
    assert "Mai" not in result.output


def _tracker(text: str, intent: str, ranking: list[dict]) -> Tracker:
    message = {"text": text, "intent": {"name": intent, "confidence": 0.3},
               "intent_ranking": ranking, "entities": []}
    return Tracker("telegram:42", {}, message, [], False, None, {}, "action_listen")


async def test_action_logs_the_scrubbed_message_and_offers_the_menu(db: str) -> None:
    ranking = [{"name": "nlu_fallback", "confidence": 0.3}, {"name": "ask_timetable", "confidence": 0.21}]
    dispatcher = CollectingDispatcher()
    events = await ActionUnanswered().run(dispatcher, _tracker("lịch thi đấu, sđt 0912345678",
                                                                "nlu_fallback", ranking), {})
    assert events == []
    assert [m["response"] for m in dispatcher.messages] == ["utter_unanswered"]
    with session_scope() as session:
        rows = list_unanswered(session)
    assert [(r.text, r.intent, r.confidence) for r in rows] == [
        ("lịch thi đấu, sđt [số điện thoại]", "ask_timetable", "0.21")
    ]


async def test_action_does_not_log_button_payloads(db: str) -> None:
    dispatcher = CollectingDispatcher()
    await ActionUnanswered().run(dispatcher, _tracker("/out_of_scope", "out_of_scope", []), {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_unanswered"]
    with session_scope() as session:
        assert list_unanswered(session) == []


async def test_action_replies_even_when_the_database_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    async def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("database down")

    monkeypatch.setattr(action_module, "db", broken)
    dispatcher = CollectingDispatcher()
    await ActionUnanswered().run(dispatcher, _tracker("hello world", "out_of_scope", []), {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_unanswered"]


def test_best_guess_skips_the_fallback_intent() -> None:
    ranking = [{"name": "nlu_fallback", "confidence": 0.3}, {"name": "greet", "confidence": 0.2}]
    assert best_guess({"intent_ranking": ranking}) == ("greet", 0.2)
    assert best_guess({"intent": {"name": "out_of_scope", "confidence": 0.9}}) == ("out_of_scope", 0.9)
    assert best_guess({}) == (None, None)
