"""FAQ and conversation flows, driven through the trained agent: reply, cited item, buttons."""

from __future__ import annotations

import uuid

import pytest
from rasa.core.agent import Agent
from rasa.core.channels import UserMessage

FAQ_FLOWS = [
    ("truoc khi hoc co phai doc tai lieu ko", "utter_rule_read_materials", "mục 1.4.a"),
    ("hoc onl can chuan bi nhung gi", "utter_rule_prepare", "mục 1.4.b"),
    ("phải vào lớp trước mấy phút ạ", "utter_rule_login_early", "mục 1.4.b"),
    ("tên hiển thị phải đặt thế nào", "utter_rule_display_name", "mục 1.4.b"),
    ("trong gio hoc co phai bat camera khong", "utter_rule_conduct", "mục 1.4.c"),
    ("có được chat linh tinh trong giờ học ko", "utter_rule_no_offtopic", "mục 1.4.d"),
    ("hoc online co phai mac dong phuc khong", "utter_rule_attire_space_time", "mục 1.4.đ"),
    ("nội quy lớp học trực tuyến là gì", "utter_rule_student_duties", "mục 1.4"),
    ("phụ huynh cần làm gì khi con học onl", "utter_rule_family_duties", "mục 1.5"),
    ("ai theo doi viec hoc onl cua con minh vay", "utter_rule_who_monitors", "mục 1.3.e"),
    ("giáo viên có trách nhiệm gì", "utter_rule_teacher_duties", "mục 1.3"),
    ("ban giám hiệu phải làm gì", "utter_rule_leader_duties", "mục 1.2"),
    ("mật khẩu lớp học đặt thế nào cho đủ mạnh", "utter_rule_class_password_strength", "mục 1.3.đ"),
    ("hoc bang phan mem gi vay", "utter_rule_software", "mục 1.2.c"),
    ("có được cho bạn mượn tài khoản học không", "utter_rule_account_password", "mục 2"),
    ("nếu có người lạ vào lớp thì phải làm gì", "utter_rule_stranger", "mục 2"),
    ("neu co nguoi tu xung phong giao duc ban tai lieu thi sao", "utter_rule_impersonator", "mục 3"),
    ("luật an ninh mạng số mấy", "utter_rule_laws", "mục 1.1"),
    ("công văn này do ai ban hành", "utter_rule_about_dispatch", "1044/SGDĐT-CTTT"),
    ("email phòng giáo dục là gì", "utter_rule_contact_office", "cthssv@pgdhalong.edu.vn"),
]

SMALL_TALK = [
    ("xin chào", "utter_greet"),
    ("tạm biệt nhé", "utter_goodbye"),
    ("cam on ban nhieu", "utter_thank"),
    ("bạn là người hay máy vậy", "utter_bot_challenge"),
    ("ban giup duoc gi", "utter_help"),
]


async def _reply(agent: Agent, text: str) -> list[dict]:
    return await agent.handle_text(text, sender_id=f"test-{uuid.uuid4().hex}")


def _response(agent: Agent, name: str) -> dict:
    """The variation for an account whose role is not known (no action server here, so the
    session start does not set the ``role`` slot): the one without condition or channel."""
    return next(v for v in agent.domain.responses[name] if not v.get("condition") and not v.get("channel"))


@pytest.mark.parametrize(("text", "response", "item"), FAQ_FLOWS)
async def test_faq_answer_cites_its_item_and_offers_next_topics(
    agent: Agent, text: str, response: str, item: str
) -> None:
    replies = await _reply(agent, text)
    assert len(replies) == 1, replies
    expected = _response(agent, response)
    assert replies[0]["text"] == expected["text"]
    assert replies[0]["text"].startswith("Dạ, ")
    assert item in replies[0]["text"]
    assert 2 <= len(replies[0]["buttons"]) <= 3


@pytest.mark.parametrize(("text", "response"), SMALL_TALK)
async def test_small_talk(agent: Agent, text: str, response: str) -> None:
    replies = await _reply(agent, text)
    assert [r["text"] for r in replies] == [_response(agent, response)["text"]]


def test_every_faq_intent_has_a_flow_and_every_intent_button_a_known_intent(agent: Agent) -> None:
    faq_intents = {i for i in agent.domain.intents if i.startswith("rule_")}
    assert {response.removeprefix("utter_") for _, response, _ in FAQ_FLOWS} == faq_intents
    for name, variations in agent.domain.responses.items():
        for variation in variations:
            for button in variation.get("buttons", []):
                if button["payload"].startswith("/"):  # a link (https://…) is no intent
                    intent = button["payload"][1:].split("{", 1)[0]  # entities may follow
                    assert intent in agent.domain.intents, (name, button)


async def test_a_button_payload_answers_without_the_classifier(agent: Agent) -> None:
    replies = await _reply(agent, "/rule_family_duties")
    assert replies[0]["text"] == _response(agent, "utter_rule_family_duties")["text"]


async def test_rule_question_and_incident_report_are_told_apart(agent: Agent) -> None:
    question = await agent.parse_message("nếu có người lạ vào lớp thì phải làm gì")
    report = await agent.parse_message("có người lạ đang ở trong lớp con tôi")
    assert question["intent"]["name"] == "rule_stranger"
    assert report["intent"]["name"] == "report_incident"
    stranger_buttons = _response(agent, "utter_rule_stranger")["buttons"]
    assert {"title": "Gửi báo cáo", "payload": "/report_incident"} in stranger_buttons


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("tôi có mã liên kết ABCD-2345", "ABCD-2345"),
        ("abcd2345", "abcd2345"),
        ("mã của con là k7mp-x4qz ạ", "k7mp-x4qz"),
    ],
)
async def test_invite_code_is_an_entity_of_link_account(agent: Agent, text: str, code: str) -> None:
    parsed = await agent.parse_message(text)
    assert parsed["intent"]["name"] == "link_account"
    assert [(e["entity"], e["value"]) for e in parsed["entities"]] == [("invite_code", code)]


@pytest.mark.parametrize("text", ["chúc mừng năm mới", "ABCD-1234", "hoc sinh lop 6"])
async def test_no_invite_code_entity_in_ordinary_text(agent: Agent, text: str) -> None:
    parsed = await agent.parse_message(text)
    assert parsed["entities"] == []


@pytest.mark.parametrize("text", ["giá vàng hôm nay bao nhiêu", "asdfgh qwerty", "hát cho tôi nghe đi"])
async def test_unrelated_messages_go_to_the_unanswered_action(agent: Agent, text: str) -> None:
    sender = f"test-{uuid.uuid4().hex}"
    tracker = await agent.processor.log_message(UserMessage(text, sender_id=sender))
    assert tracker.latest_message.intent["name"] in {"out_of_scope", "nlu_fallback"}
    action, _ = agent.processor.predict_next_with_tracker_if_should(tracker)
    assert action.name() == "action_unanswered"
