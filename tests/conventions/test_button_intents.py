"""Every intent a button sends can also be typed: it has hand-written NLU examples, and a
typed phrasing of it is understood as that intent.

Buttons are collected from the domain's responses and from the code that builds buttons
(actions, alerts, receipts; see ``tests.conventions.rasa_project``). Payload-only intents
would leave a user on a channel without buttons (or typing "gửi" instead of pressing «Gửi»)
unanswered.
"""

from __future__ import annotations

from collections import Counter

import pytest
from rasa.core.agent import Agent

from chatbot.nlu.evaluation import load_training_examples
from tests.conventions.rasa_project import (
    button_intents_in_code,
    button_intents_in_domain,
    domain_intents,
)

MIN_TYPED_EXAMPLES = 10

# One typed phrasing per intent that action buttons send, from code or from the responses
# actions send (the other domain buttons are FAQ intents, covered by tests/data/nlu_test_set.yml).
TYPED = {
    "broadcast_confirm": "gửi",
    "broadcast_cancel": "không gửi nữa",
    "check_display_name": "tên em để là 05 - Minh Anh có được không",
    "ask_human": "cho tôi nói chuyện với cô chủ nhiệm",
    "acknowledge_rules": "gia đình đã đọc và cam kết thực hiện",
    "web_login": "cho tôi đăng nhập trang quản lý",
    "affirm": "vâng ạ",
    "deny": "không ạ",
    "ask_timetable": "mai con học những môn gì",
    "ask_join_class": "làm sao để vào lớp học online",
    "broadcast_received": "đã nhận được thông báo",
    "mark_handled": "đã xử lý xong SC-2026-000123",
    "report_absence": "cháu bị sốt, xin cho cháu nghỉ học hôm nay",
    "absence_confirm": "vâng, gửi báo nghỉ cho cô giúp tôi",
    "absence_cancel": "thôi đừng gửi báo nghỉ này",
    "withdraw_absence": "tôi muốn rút lại báo nghỉ hôm qua",
    "phone_confirm": "đúng là số của tôi ạ",
    "phone_deny": "số đấy không phải của tôi",
    "zns_opt_out": "gia đình không muốn nhận tin nhắn ZNS",
}


def _button_intents() -> dict[str, str]:
    return {**button_intents_in_domain(), **button_intents_in_code()}


def test_buttons_are_found_in_domain_and_code() -> None:
    found = _button_intents()
    assert {"broadcast_confirm", "broadcast_received", "mark_handled", "rule_stranger"} <= set(found)
    # Every intent a code button sends has a typed phrasing below; some of those buttons now
    # live in the domain responses actions send, so TYPED may name domain buttons too.
    assert set(button_intents_in_code()) <= set(TYPED) <= set(found)


def test_every_button_intent_is_declared_and_has_typed_examples() -> None:
    counts = Counter(case.intent for case in load_training_examples())
    intents = domain_intents()
    problems = [
        f"{intent} (from {where}): {counts[intent]} examples"
        for intent, where in sorted(_button_intents().items())
        if intent not in intents or counts[intent] < MIN_TYPED_EXAMPLES
    ]
    assert problems == []


@pytest.mark.parametrize(("intent", "text"), sorted(TYPED.items()))
async def test_a_typed_phrasing_reaches_the_button_intent(agent: Agent, intent: str, text: str) -> None:
    parsed = await agent.parse_message(text)
    assert parsed["intent"]["name"] == intent
