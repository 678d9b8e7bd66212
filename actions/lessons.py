"""Which classes a timetable or "how do I join" question is about, and how lessons read."""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import date
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import NOT_LINKED, account_view, address, db, entity, entity_id, user_text, weekday_name
from actions.guard import SafeAction
from chatbot.school.accounts import AccountView, LinkedStudent
from chatbot.school.child_names import find_children, given_name
from chatbot.school.timetable import Lesson, class_names, find_class, mentioned_class

SECRET_NOTE = (
    "🔒 Thông tin vào lớp chỉ dành cho học sinh của lớp; tuyệt đối không chia sẻ tài khoản và "
    "mật khẩu lớp học cho người khác (mục 2)."
)


@dataclass(frozen=True)
class Target:
    """A class to answer about, and how to name it in the reply."""

    class_id: int
    class_name: str
    who: str
    students: tuple[LinkedStudent, ...] = ()


ALL_CHILDREN = "all"  # the student_id of the "every child" button


@dataclass(frozen=True)
class WhichChild:
    """The account's children are in different classes and the message names none of them."""

    students: tuple[LinkedStudent, ...]


def children_of(view: AccountView) -> list[tuple[int, str]]:
    return [(s.student_id, s.full_name) for s in view.students]


def chosen_students(tracker: Tracker, view: AccountView) -> tuple[LinkedStudent, ...] | None:
    """The linked children a message is about: a pressed button, the names in the message, or
    all of them when they share a class; ``None`` when it is unclear and it matters."""
    if entity(tracker, "student_id") == ALL_CHILDREN:
        return view.students
    wanted = entity_id(tracker, "student_id")
    student = view.student(wanted) if wanted is not None else None
    if student is not None:
        return (student,)
    named = find_children(user_text(tracker), children_of(view)).student_ids
    if named:
        return tuple(s for s in view.students if s.student_id in named)
    if len({s.class_id for s in view.students}) > 1:
        return None
    return view.students


def _payload(intent: str, entities: dict[str, str]) -> str:
    return f"/{intent}{json.dumps(entities, ensure_ascii=False, separators=(',', ':'))}"


def which_child_buttons(
    students: tuple[LinkedStudent, ...], intent: str, carried: dict[str, str]
) -> list[dict[str, str]]:
    """One button per child (the given name; the full name when two share it) and "all"."""
    given = [given_name(s.full_name) for s in students]
    buttons = []
    for student, name in zip(students, given, strict=True):
        title = name if given.count(name) == 1 else student.full_name
        entities = {"student_id": str(student.student_id), **carried}
        title = f"{title} (lớp {student.class_name})"
        buttons.append({"title": title, "payload": _payload(intent, entities)})
    every = {"student_id": ALL_CHILDREN, **carried}
    buttons.append({"title": "Tất cả các con", "payload": _payload(intent, every)})
    return buttons


def _student_targets(students: tuple[LinkedStudent, ...]) -> list[Target]:
    by_class: dict[int, list[LinkedStudent]] = {}
    for student in students:
        by_class.setdefault(student.class_id, []).append(student)
    targets = []
    for class_id, group in by_class.items():
        names = " và ".join(f"em {s.full_name}" for s in group)
        class_name = group[0].class_name
        targets.append(Target(class_id, class_name, f"{names} (lớp {class_name})", tuple(group)))
    return targets


async def targets_for(tracker: Tracker, view: AccountView) -> list[Target] | str | WhichChild:
    """The classes asked about, a refusal to send when the account may not see them, or
    :class:`WhichChild` when the account's children are in different classes and the message
    does not say which."""
    name = mentioned_class(user_text(tracker))
    if name:
        found = await db(find_class, name, view.school_ids or None)
        if not found:
            return f"Dạ, em không tìm thấy lớp {name} trong danh sách lớp của trường."
        allowed = [c for c in found if c.id in view.class_ids]
        if not allowed:
            if not view.linked:
                return NOT_LINKED + " Lịch học và thông tin vào lớp chỉ gửi cho tài khoản đã liên kết."
            mine = ", ".join(await db(class_names, view.class_ids))
            return (
                f"Dạ, tài khoản này chỉ xem được lịch học và thông tin vào lớp của lớp đã liên kết "
                f"({mine}), không xem được lớp {name}."
            )
        chosen = allowed[0]
        students = tuple(s for s in view.students if s.class_id == chosen.id)
        if students:
            return _student_targets(students)
        return [Target(chosen.id, chosen.name, f"lớp {chosen.name}")]
    if not view.students:
        return NOT_LINKED if view.staff is None else []
    students = chosen_students(tracker, view)
    if students is None:
        return WhichChild(view.students)
    return _student_targets(students)


class ClassesAction(SafeAction, ABC):
    """An action about the classes a message asks about (:func:`targets_for`).

    A refusal is sent as it is; children in different classes with none named are asked
    which child (buttons that send :attr:`intent` again with the child and
    :meth:`carried_entities`); otherwise :meth:`answer` replies for the targets, which are
    empty for a teacher asking about their own lessons. Abstract, so the action server does
    not register it.
    """

    intent: str

    async def carried_entities(self, tracker: Tracker, view: AccountView) -> dict[str, str]:
        """Entities the which-child buttons send back (e.g. the day asked about)."""
        return {}

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        view = await account_view(tracker)
        targets = await targets_for(tracker, view)
        if isinstance(targets, str):
            dispatcher.utter_message(text=targets)
            return []
        if isinstance(targets, WhichChild):
            carried = await self.carried_entities(tracker, view)
            dispatcher.utter_message(
                text=f"Dạ, {address(view)} muốn hỏi cho con nào ạ?",
                buttons=which_child_buttons(targets.students, self.intent, carried),
            )
            return []
        await self.answer(dispatcher, tracker, view, targets)
        return []

    @abstractmethod
    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, view: AccountView, targets: list[Target]
    ) -> None:
        """Reply about ``targets`` (none: the teacher's own lessons)."""


def lesson_line(lesson: Lesson, with_class: bool = False) -> str:
    period = f"Tiết {lesson.period}, " if lesson.period else ""
    text = f"• {period}{lesson.starts_at:%H:%M}–{lesson.ends_at:%H:%M}: {lesson.subject}"
    if with_class:
        text += f", lớp {lesson.class_name}"
    if lesson.teacher_name:
        text += f" ({lesson.teacher_name})"
    if lesson.platform:
        text += f" — {lesson.platform}"
    return text


def meeting_lines(lesson: Lesson) -> list[str]:
    meeting = lesson.meeting
    if meeting is None:
        return []
    lines = []
    if meeting.meeting_id:
        lines.append(f"   Mã phòng: {meeting.meeting_id}")
    if meeting.password:
        lines.append(f"   Mật khẩu: {meeting.password}")
    if meeting.link:
        lines.append(f"   Link: {meeting.link}")
    return lines


def day_label(lesson_day: date) -> str:
    return f"{weekday_name(lesson_day)} {lesson_day:%d/%m/%Y}"
