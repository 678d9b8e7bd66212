"""One voice per role, end to end through the running servers (docs/replies.md).

Rules utter the greeting and the menu straight from the domain, in the variation of the
``role`` slot; ``action_session_start`` (actions/session.py) reads the role from the school
data when a session starts. ``/session_start`` starts a new session the way an expired one
does. Each test talks from its own sender, so it starts with a fresh conversation.
"""

from __future__ import annotations

from chatbot.db.models import Role
from tests.assistant import Assistant
from tests.journeys.talk import button_payloads, new_sender, reply_text


def _linked_in_a_new_session(assistant: Assistant, role: Role, **ids: int) -> str:
    sender = new_sender()
    assistant.say(sender, assistant.issue(role, **ids))
    assistant.say(sender, "/session_start")
    return sender


def test_an_account_not_linked_is_greeted_as_an_adult_and_shown_how_to_link(
    assistant: Assistant,
) -> None:
    greeting = assistant.say(new_sender(), "xin chào")
    text = reply_text(greeting)
    assert text.startswith("Dạ, em chào Quý phụ huynh!") and "mã mời" in text
    assert "/link_account" in button_payloads(greeting)


def test_a_linked_student_is_greeted_and_helped_as_em(assistant: Assistant) -> None:
    student = _linked_in_a_new_session(assistant, Role.STUDENT, student_id=assistant.school.hoa)
    greeting = reply_text(assistant.say(student, "xin chào"))
    assert greeting.startswith("Chào em!") and "trợ lý" in greeting.lower()
    assert "Quý phụ huynh" not in greeting and "Dạ" not in greeting and " ạ" not in greeting
    menu = assistant.say(student, "/help")
    assert reply_text(menu).startswith("Trợ lý có thể giúp em")
    titles = [b["title"] for r in menu for b in r.get("buttons", [])]
    assert "Lịch học của em" in titles and len(titles) <= 5
    rule = reply_text(assistant.say(student, "/rule_login_early"))
    assert rule.startswith("Theo mục 1.4.b, em cần đăng nhập")


def test_a_linked_teacher_is_greeted_as_thay_co_with_the_teachers_next_steps(
    assistant: Assistant,
) -> None:
    teacher = _linked_in_a_new_session(assistant, Role.TEACHER, staff_member_id=assistant.school.lan)
    greeting = assistant.say(teacher, "xin chào")
    assert reply_text(greeting).startswith("Dạ, em chào thầy cô!")
    assert "Quý phụ huynh" not in reply_text(greeting)
    assert "/teacher_broadcast" in button_payloads(greeting)
    menu = assistant.say(teacher, "/help")
    assert "/teacher_broadcast" in button_payloads(menu) and len(button_payloads(menu)) <= 5


def test_a_staff_member_gets_the_teachers_variation(assistant: Assistant) -> None:
    staff = _linked_in_a_new_session(assistant, Role.STAFF, staff_member_id=assistant.school.principal)
    assert reply_text(assistant.say(staff, "xin chào")).startswith("Dạ, em chào thầy cô!")


def test_a_linked_parent_gets_the_parents_greeting(assistant: Assistant) -> None:
    parent = _linked_in_a_new_session(assistant, Role.PARENT, student_id=assistant.school.minh_anh)
    greeting = assistant.say(parent, "xin chào")
    assert reply_text(greeting).startswith("Dạ, em chào Quý phụ huynh!")
    assert "mã mời" not in reply_text(greeting) and "/ask_timetable" in button_payloads(greeting)


def test_right_after_linking_the_same_session_speaks_to_the_new_role(assistant: Assistant) -> None:
    student = new_sender()
    assert reply_text(assistant.say(student, "xin chào")).startswith("Dạ, em chào Quý phụ huynh!")
    assistant.say(student, assistant.issue(Role.STUDENT, student_id=assistant.school.binh))
    assert reply_text(assistant.say(student, "xin chào")).startswith("Chào em!")
