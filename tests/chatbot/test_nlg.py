"""The role-aware response generator: which variation each role gets, and safe filling."""

from __future__ import annotations

import pytest

from chatbot.nlg import RoleAwareResponses, fill

STUDENT = [{"type": "slot", "name": "role", "value": "student"}]
TEACHER = [{"type": "slot", "name": "role", "value": "teacher"}]
RESPONSES = {
    "utter_hi": [
        {"condition": STUDENT, "text": "Chào em {name}!"},
        {"condition": TEACHER, "text": "Dạ, em chào thầy cô {name} ạ."},
        {"text": "Dạ, em chào Quý phụ huynh {name} ạ."},
    ],
    "utter_pick": [
        {"text": "Dạ, Quý phụ huynh chọn ạ.",
         "buttons": [{"title": "Có", "payload": '/yes{{"id": "{id}"}}'}]},
        {"channel": "zalo_bot", "condition": STUDENT, "text": "Em trả lời bằng số nhé."},
    ],
}


def render(response: str, slots: dict | None = None, channel: str = "rest", **values: object) -> dict:
    result = RoleAwareResponses(responses=RESPONSES).render(response, slots or {}, channel, **values)
    assert result is not None
    return result


@pytest.mark.parametrize(("role", "start"), [
    ("student", "Chào em"), ("teacher", "Dạ, em chào thầy cô"), ("staff", "Dạ, em chào thầy cô"),
    ("parent", "Dạ, em chào Quý phụ huynh"), ("guest", "Dạ, em chào Quý phụ huynh"),
])
def test_a_role_passed_by_the_action_picks_its_variation(role: str, start: str) -> None:
    assert render("utter_hi", {"role": "student"}, role=role, name="An")["text"].startswith(start)


def test_without_a_role_the_slot_decides() -> None:
    assert render("utter_hi", {"role": "student"}, name="An")["text"] == "Chào em An!"
    assert render("utter_hi", {}, name="An")["text"] == "Dạ, em chào Quý phụ huynh An ạ."


def test_a_channel_variation_applies_only_to_its_role_and_channel() -> None:
    assert render("utter_pick", role="student", channel="zalo_bot")["text"] == "Em trả lời bằng số nhé."
    assert render("utter_pick", role="parent", channel="zalo_bot", id=3)["text"].startswith("Dạ,")
    assert render("utter_pick", role="student", channel="telegram", id=3)["text"].startswith("Dạ,")


def test_button_payloads_are_filled_and_literal_braces_kept() -> None:
    assert render("utter_pick", id=7)["buttons"] == [{"title": "Có", "payload": '/yes{"id": "7"}'}]


@pytest.mark.parametrize("value", ["0[5] {x} Nguyễn An", "{name}", "{{", "}"])
def test_a_value_is_inserted_verbatim_and_never_read_again(value: str) -> None:
    assert render("utter_hi", role="student", name=value)["text"] == f"Chào em {value}!"


def test_a_missing_value_leaves_its_placeholder_and_is_reported() -> None:
    missing: set[str] = set()
    assert fill("Chào {who}, lớp {cls}", {"who": "An", "cls": None}, missing) == "Chào An, lớp {cls}"
    assert missing == {"cls"}


@pytest.mark.parametrize(("template", "expected"), [
    ('/relay_reply{"thread": "{id}"}', '/relay_reply{"thread": "5"}'),
    ("{ id } {1x} {} }{", "{ id } {1x} {} }{"),
    ("{{id}} {id}", "{id} 5"),
])
def test_only_placeholders_are_filled_and_other_braces_stay(template: str, expected: str) -> None:
    assert fill(template, {"id": 5}) == expected
