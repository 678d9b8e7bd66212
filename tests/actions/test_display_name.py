"""The display name a student must use, and checking a proposed one (item 1.4.b)."""

from __future__ import annotations

from rasa_sdk.events import ActiveLoop, FollowupAction, SlotSet

from actions.display_name import ActionCheckDisplayName, ActionMyDisplayName, ValidateDisplayNameForm
from chatbot.db.models import Role
from tests.actions.conftest import DOMAIN, link_sender, make_tracker, run, texts
from tests.chatbot.school.sample import Sample

PARENT = "telegram:100"


async def test_a_parent_of_two_sees_both_names(school: Sample) -> None:
    link_sender(PARENT, Role.PARENT, student_id=school.minh_anh)
    link_sender(PARENT, Role.PARENT, student_id=school.hoa)
    messages, _ = await run(ActionMyDisplayName(), PARENT, "con tôi phải đặt tên hiển thị là gì")
    reply = texts(messages)
    assert "05 - Nguyễn Minh Anh" in reply and "12 - Lê Thị Hoa" in reply and "1.4.b" in reply
    assert reply.startswith("Dạ, tên hiển thị khi vào lớp trực tuyến:\n• Em Nguyễn Minh Anh (lớp 6A): ")
    assert messages[0]["buttons"] == [{"title": "Kiểm tra tên định dùng", "payload": "/check_display_name"}]
    two, _ = await run(ActionCheckDisplayName(), PARENT, "tên 12 - Le Thi Hoa đúng chưa")
    assert texts(two).startswith("Dạ, tên “12 - Le Thi Hoa” chưa đúng (")
    assert "Tên hiển thị đúng của em Lê Thị Hoa là: 12 - Lê Thị Hoa" in texts(two)


async def test_a_student_hears_about_their_own_name(school: Sample) -> None:
    link_sender("zalo:s", Role.STUDENT, student_id=school.minh_anh)
    messages, _ = await run(ActionMyDisplayName(), "zalo:s", "tên hiển thị của em là gì")
    assert texts(messages).startswith("Tên hiển thị của em khi vào lớp trực tuyến là: 05 - Nguyễn Minh Anh\n")
    good, _ = await run(ActionCheckDisplayName(), "zalo:s", "tên 05 - Nguyễn Minh Anh đúng chưa")
    assert texts(good) == (
        "Tên “05 - Nguyễn Minh Anh” đã đúng mẫu: 05 - Nguyễn Minh Anh 👍 "
        "Em dùng đúng tên này khi vào lớp nhé."
    )
    for text in (texts(messages), texts(good)):
        assert "Quý phụ huynh" not in text and "của con" not in text and " ạ" not in text


async def test_unlinked_accounts_are_told_the_rule_and_how_to_link(school: Sample) -> None:
    for action in (ActionMyDisplayName(), ActionCheckDisplayName()):
        messages, _ = await run(action, "zalo:x", "tên 05 - Nguyễn Minh Anh đúng chưa")
        assert "1.4.b" in texts(messages) and "ABCD-2345" in texts(messages)


async def test_a_proposed_name_in_the_message_is_checked(school: Sample) -> None:
    link_sender("zalo:s", Role.STUDENT, student_id=school.minh_anh)
    good, _ = await run(ActionCheckDisplayName(), "zalo:s", "tên hiển thị 05 - nguyễn minh  anh đúng chưa")
    bad, _ = await run(ActionCheckDisplayName(), "zalo:s", "em đặt tên là 05 - Nguyen Minh Anh được ko")
    wrong_roll, _ = await run(ActionCheckDisplayName(), "zalo:s", "tên 5 - Nguyễn Minh Anh đúng không")
    assert "đã đúng mẫu" in texts(good)
    assert "chưa đúng" in texts(bad) and "dấu" in texts(bad) and "05 - Nguyễn Minh Anh" in texts(bad)
    assert "chưa đúng mẫu" in texts(wrong_roll) or "cách ghi" in texts(wrong_roll)


async def test_without_a_name_the_form_asks_for_it_and_then_checks_it(school: Sample) -> None:
    link_sender("zalo:s", Role.STUDENT, student_id=school.minh_anh)
    messages, events = await run(ActionCheckDisplayName(), "zalo:s", "kiểm tra giúp em tên hiển thị")
    assert messages[0]["response"] == "utter_ask_display_name_candidate"
    assert messages[0]["text"].startswith("Em gõ tên hiển thị định dùng vào đây để trợ lý kiểm tra nhé")
    assert events == [ActiveLoop("display_name_form"), SlotSet("requested_slot", "display_name_candidate"),
                      FollowupAction("action_listen")]
    tracker = make_tracker("zalo:s", "Nguyễn Minh Anh", slots={"requested_slot": "display_name_candidate"})
    validated = await ValidateDisplayNameForm().run(_dispatcher(), tracker, DOMAIN)
    assert SlotSet("display_name_candidate", "Nguyễn Minh Anh") in validated
    messages, events = await run(
        ActionCheckDisplayName(), "zalo:s", "Nguyễn Minh Anh", latest_action="display_name_form",
        slots={"display_name_candidate": "Nguyễn Minh Anh"},
    )
    assert "thiếu số thứ tự" in texts(messages) and events == [SlotSet("display_name_candidate", None)]


async def test_thoi_stops_the_name_form(school: Sample) -> None:
    tracker = make_tracker("zalo:s", "thôi", slots={"requested_slot": "display_name_candidate"})
    validated = await ValidateDisplayNameForm().run(_dispatcher(), tracker, DOMAIN)
    assert SlotSet("requested_slot", None) in validated
    messages, _ = await run(ActionCheckDisplayName(), "zalo:s", "thôi", latest_action="display_name_form")
    assert texts(messages) == (
        "Dạ, khi cần kiểm tra tên hiển thị, Quý phụ huynh cứ gửi tên định dùng cho em ạ.")
    link_sender("zalo:s", Role.STUDENT, student_id=school.minh_anh)
    student, _ = await run(ActionCheckDisplayName(), "zalo:s", "thôi", latest_action="display_name_form")
    assert texts(student) == "Được rồi, khi nào cần em cứ gửi tên định dùng để trợ lý kiểm tra nhé."


def _dispatcher():  # noqa: ANN202
    from rasa_sdk.executor import CollectingDispatcher

    return CollectingDispatcher()


async def test_a_typed_name_is_repeated_even_when_it_looks_like_a_placeholder(school: Sample) -> None:
    link_sender("zalo:s", Role.STUDENT, student_id=school.minh_anh)
    messages, _ = await run(ActionCheckDisplayName(), "zalo:s", "tên: 0[5] {x} Nguyễn Minh Anh")
    reply = texts(messages)
    assert reply.startswith("Tên “0[5] {x} Nguyễn Minh Anh” chưa đúng") and "{candidate}" not in reply
