"""Through the running servers: deleting erases the conversation inside Rasa, crafted input
gets polite answers, and the servers' logs name no one (issue 11, points 5 and 8).

The file name sorts after the other conversation tests, so the log check reads the logs of
every conversation of the session.
"""

from __future__ import annotations

import json

import httpx
import pytest

from chatbot.db.models import Role
from tests.assistant import Assistant
from tests.chatbot.school.sample import SECRET_6A, SECRET_7B
from tests.journeys.talk import new_sender, reply_text

NAMES = ("Nguyễn Minh Anh", "Trần Văn Bình", "Lê Thị Hoa", "Minh Anh")
MEETINGS = ("822 7449 7929", "abc-defg-hij", "999 000 111")


def _tracker(assistant: Assistant, sender: str) -> str:
    response = httpx.get(f"{assistant.api}/conversations/{sender}/tracker", timeout=30)
    response.raise_for_status()
    return json.dumps(response.json(), ensure_ascii=False)


def test_deleting_erases_the_conversation_inside_rasa(assistant: Assistant) -> None:
    sender = new_sender("logs")
    code = assistant.issue(Role.PARENT, student_id=assistant.school.minh_anh)
    assert "đã được liên kết" in reply_text(assistant.say(sender, code))
    assert SECRET_6A in reply_text(assistant.say(sender, "làm sao vào lớp"))
    assert code in _tracker(assistant, sender) and SECRET_6A in _tracker(assistant, sender)
    assert "chắc chắn" in reply_text(assistant.say(sender, "hủy liên kết"))
    summary = reply_text(assistant.say(sender, "/affirm"))
    assert "toàn bộ lịch sử trò chuyện" in summary and "em Nguyễn Minh Anh (lớp 6A)" in summary
    stored = _tracker(assistant, sender)
    for secret in (code, code.replace("-", ""), SECRET_6A, "Nguyễn Minh Anh", "làm sao vào lớp"):
        assert secret not in stored
    assert reply_text(assistant.say(sender, "xin chào")).startswith("Dạ")
    assert "xin chào" in _tracker(assistant, sender)


CRAFTED = [
    '/ask_human{"student_id":"²"}',
    '/ask_human{"student_id":"99999999999999999999"}',
    '/ask_timetable{"student_id":"-1"}',
    '/broadcast_received{"delivery_id":"99999999999999999999"}',
    '/broadcast_received{"delivery_id":"٣"}',
    '/mark_handled{"incident_reference":"SC-2026-000001\\u0000"}',
    '/link_account{"invite_code":"ABCD\\u0000-2345"}',
    "tên hiển thị \u0000 05 - Nguyễn Minh Anh đúng chưa",
    '"' + " " * 3000 + "đúng chưa",
    "x" * 5000,
]


@pytest.mark.parametrize("text", CRAFTED)
def test_crafted_messages_get_a_polite_answer(assistant: Assistant, text: str) -> None:
    sender = new_sender("logs")
    code = assistant.issue(Role.PARENT, student_id=assistant.school.minh_anh)
    assistant.say(sender, code)
    replies = assistant.say(sender, text)
    assert replies and all(r.get("text", "Dạ").startswith("Dạ") for r in replies), replies


# The REST channel answers 400 to sender ids over 128 characters (tests/connectors/test_inbound.py);
# these pass it and must be handled by the actions' guard.
@pytest.mark.parametrize("sender", ["a\u0000b", "x" * 128, "telegram:" + "9" * 110])
def test_crafted_sender_ids_get_a_polite_answer(assistant: Assistant, sender: str) -> None:
    replies = assistant.say(sender, "lịch học hôm nay")
    assert replies and replies[0]["text"].startswith("Dạ")


def test_the_servers_logs_name_no_one(assistant: Assistant) -> None:
    """Every conversation of the session has run; no log line holds a name, password or code."""
    assert assistant.codes, "the conversation tests issued codes"
    logs = "\n".join(path.read_text(encoding="utf-8", errors="replace") for path in assistant.logs)
    assert "refused its input" in logs  # the crafted entities above were logged, without values
    forbidden = [*NAMES, SECRET_6A, SECRET_7B, *MEETINGS]
    forbidden += [form for code in assistant.codes for form in (code, code.replace("-", ""))]
    leaked = [secret for secret in forbidden if secret in logs]
    assert leaked == [], f"{len(leaked)} secrets in the logs"
