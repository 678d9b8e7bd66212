"""A linked family's questions about its own child: which class, who is the homeroom teacher,
who teaches a subject. Names and roles only (chatbot/school/child_info.py)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import account_view, db, entity_id, off_loop, say, user_text
from actions.guard import SafeAction
from chatbot.school.accounts import AccountView
from chatbot.school.child_info import ChildInfo, child_info, subject_named
from chatbot.school.dates import fold

_ALL_TEACHERS = (
    "giao vien bo mon",
    "thay co bo mon",
    "cac thay co",
    "nhung ai day",
    "ai day con",
    "ai day chau",
)

Reply = tuple[str, dict[str, str]]  # a response name and its values


def answer(info: ChildInfo, text: str) -> list[Reply]:
    """The replies about one child: the class and homeroom teacher, then the subject teacher
    the message asks about, or every subject teacher when it asks who teaches."""
    student = info.student
    values = {
        "name": student.full_name,
        "class_name": student.class_name,
        "school": f", {info.school_name}" if info.school_name else "",
    }
    replies: list[Reply] = [
        ("utter_child_info", {**values, "homeroom": info.homeroom_teacher})
        if info.homeroom_teacher
        else ("utter_child_info_no_homeroom", values)
    ]
    subject = subject_named(info, text)
    folded = fold(text)
    if subject is not None:
        teacher = dict(info.subjects).get(subject)
        subject_values = {**values, "subject": subject}
        replies.append(
            ("utter_child_info_subject", {**subject_values, "teacher": teacher})
            if teacher
            else ("utter_child_info_subject_unknown", subject_values)
        )
    elif any(words in folded for words in _ALL_TEACHERS) or " day " in f" {folded} ":
        taught = [f"• {name}: {teacher or 'chưa có tên giáo viên'}" for name, teacher in info.subjects]
        replies.append(
            ("utter_child_info_subjects", {**values, "teachers": "\n".join(taught)})
            if taught
            else ("utter_child_info_no_subjects", values)
        )
    return replies


class ActionChildInfo(SafeAction):
    def name(self) -> str:
        return "action_child_info"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        view: AccountView = await account_view(tracker)
        if not view.students:
            say(dispatcher, "utter_not_linked", view)
            return []
        wanted = entity_id(tracker, "student_id")
        chosen = view.student(wanted) if wanted is not None else None
        students = [chosen] if chosen is not None else list(view.students)
        text = user_text(tracker)
        for student in students:
            info = await db(child_info, student)
            for response, values in await off_loop(answer, info, text):
                say(dispatcher, response, view, **values)
        say(dispatcher, "utter_child_info_ask_teacher", view)
        return []
