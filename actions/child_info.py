"""A linked family's questions about its own child: which class, who is the homeroom teacher,
who teaches a subject. Names and roles only (chatbot/school/child_info.py)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import NOT_LINKED, account_view, db, entity_id, off_loop, user_text
from actions.guard import SafeAction
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


def answer(info: ChildInfo, text: str) -> str:
    student = info.student
    who = "Em" if student.link_role.value == "student" else f"Em {student.full_name}"
    lines = [
        f"Dạ, {who} học lớp {student.class_name}" + (f", {info.school_name}." if info.school_name else ".")
    ]
    lines.append(
        f"Giáo viên chủ nhiệm: {info.homeroom_teacher}."
        if info.homeroom_teacher
        else "Lớp chưa có giáo viên chủ nhiệm trong dữ liệu của trường."
    )
    subject = subject_named(info, text)
    folded = fold(text)
    if subject is not None:
        teacher = dict(info.subjects).get(subject)
        lines.append(
            f"Môn {subject}: {teacher}."
            if teacher
            else f"Môn {subject}: chưa có tên giáo viên trong thời khóa biểu."
        )
    elif any(words in folded for words in _ALL_TEACHERS) or " day " in f" {folded} ":
        taught = [f"• {name}: {teacher or 'chưa có tên giáo viên'}" for name, teacher in info.subjects]
        lines.append(
            "Giáo viên bộ môn:\n" + "\n".join(taught) if taught else "Lớp chưa có thời khóa biểu trực tuyến."
        )
    return "\n".join(lines)


class ActionChildInfo(SafeAction):
    def name(self) -> str:
        return "action_child_info"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        view = await account_view(tracker)
        if not view.students:
            dispatcher.utter_message(text=NOT_LINKED)
            return []
        wanted = entity_id(tracker, "student_id")
        students = (
            [view.student(wanted)] if wanted is not None and view.student(wanted) else list(view.students)
        )
        text = user_text(tracker)
        for student in students:
            assert student is not None
            info = await db(child_info, student)
            dispatcher.utter_message(text=await off_loop(answer, info, text))
        dispatcher.utter_message(
            text="Muốn trao đổi với thầy cô, Quý phụ huynh bấm «Hỏi giáo viên» ạ.",
            buttons=[
                {"title": "Hỏi giáo viên", "payload": "/ask_human"},
                {"title": "Lịch học của con", "payload": "/ask_timetable"},
            ],
        )
        return []
