"""Which classes a timetable or "how do I join" question is about, and how lessons, days and
times read in a reply (07:50, thứ Hai 30/11)."""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import account_view, db, entity, entity_id, role_of, say, user_text, weekday_name
from actions.guard import SafeAction
from chatbot.school.accounts import AccountView, LinkedStudent
from chatbot.school.child_names import find_children, given_name
from chatbot.school.timetable import Lesson, class_names, find_class, mentioned_class


@dataclass(frozen=True)
class Target:
    """A class to answer about, and the linked children in it (none: a class a teacher teaches)."""

    class_id: int
    class_name: str
    students: tuple[LinkedStudent, ...] = ()

    @property
    def names(self) -> str:
        """The children's full names ("Nguyễn Minh Anh và Lê Văn Bình"); empty for a class."""
        return " và ".join(s.full_name for s in self.students)


@dataclass(frozen=True)
class Refusal:
    """A domain response that refuses the question, with its values."""

    response: str
    values: dict[str, str]


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
    return [Target(class_id, group[0].class_name, tuple(group)) for class_id, group in by_class.items()]


def target_role(target: Target, view: AccountView) -> str:
    """Whom a reply about ``target`` addresses: a class without the person's children in it is
    one they teach, so they are addressed as a teacher even if they are also a parent."""
    if target.students:
        return role_of(view)
    return "staff" if role_of(view) == "staff" else "teacher"


async def targets_for(tracker: Tracker, view: AccountView) -> list[Target] | Refusal | WhichChild:
    """The classes asked about, a refusal to send when the account may not see them, or
    :class:`WhichChild` when the account's children are in different classes and the message
    does not say which."""
    name = mentioned_class(user_text(tracker))
    if name:
        found = await db(find_class, name, view.school_ids or None)
        if not found:
            return Refusal("utter_lessons_class_not_found", {"class_name": name})
        allowed = [c for c in found if c.id in view.class_ids]
        if not allowed:
            if not view.linked:
                return Refusal("utter_not_linked", {})
            mine = ", ".join(await db(class_names, view.class_ids))
            return Refusal("utter_lessons_class_not_yours", {"class_name": name, "mine": mine})
        chosen = allowed[0]
        students = tuple(s for s in view.students if s.class_id == chosen.id)
        if students:
            return _student_targets(students)
        return [Target(chosen.id, chosen.name)]
    if not view.students:
        return Refusal("utter_not_linked", {}) if view.staff is None else []
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
        if isinstance(targets, Refusal):
            say(dispatcher, targets.response, view, **targets.values)
            return []
        if isinstance(targets, WhichChild):
            carried = await self.carried_entities(tracker, view)
            say(
                dispatcher, "utter_lessons_which_child", view,
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
    text = f"• {period}{clock_time(lesson.starts_at)}–{clock_time(lesson.ends_at)}: {lesson.subject}"
    if with_class:
        text += f", lớp {lesson.class_name}"
    if lesson.teacher_name:
        text += f" ({lesson.teacher_name})"
    if lesson.platform:
        text += f" — {lesson.platform}"
    return text


def meeting_lines(lesson: Lesson, indent: str = "   ") -> list[str]:
    """The lesson's meeting id, password and link, one line each (none without a meeting)."""
    meeting = lesson.meeting
    if meeting is None:
        return []
    lines = []
    if meeting.meeting_id:
        lines.append(f"{indent}Mã phòng: {meeting.meeting_id}")
    if meeting.password:
        lines.append(f"{indent}Mật khẩu: {meeting.password}")
    if meeting.link:
        lines.append(f"{indent}Link: {meeting.link}")
    return lines


def lessons_value(lessons: list[Lesson], with_class: bool = False, meetings: bool = True) -> str:
    """The ``{lessons}`` value of a reply: a line per lesson, its meeting details below it."""
    lines: list[str] = []
    for lesson in lessons:
        lines.append(lesson_line(lesson, with_class=with_class))
        if meetings:
            lines.extend(meeting_lines(lesson))
    return "\n".join(lines)


def clock_time(moment: datetime | time) -> str:
    """A time as replies write it: 07:50 (zero-padded hours)."""
    return f"{moment:%H:%M}"


def day_label(lesson_day: date) -> str:
    """A day as replies write it: thứ Hai 30/11."""
    return f"{weekday_name(lesson_day)} {lesson_day:%d/%m}"


def week_label(first: date, last: date) -> str:
    """A week as replies write it: 30/11–06/12."""
    return f"{first:%d/%m}–{last:%d/%m}"
