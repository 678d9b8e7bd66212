"""Timetable questions: a day, a week or the next lesson, for the linked student(s).

A child's name in the question is not read as a day ("lịch học của Mai"); a past day or week
is answered as such ("đã qua"), without the meeting details. Each outcome is a domain response
(chatbot/domain/timetable.yml) in the voice of the person's role; the lesson lines, days and
meeting details are its values.
"""

from __future__ import annotations

from datetime import date

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import db, entity, local_now, off_loop, role_of, say, user_text
from actions.lessons import (
    ClassesAction,
    Target,
    children_of,
    clock_time,
    day_label,
    lessons_value,
    target_role,
    week_label,
)
from chatbot.school import timetable
from chatbot.school.accounts import AccountView
from chatbot.school.child_names import find_children
from chatbot.school.dates import DayKind, DayQuery, impossible_date, parse_day_query, query_text
from chatbot.school.timetable import DaySchedule, Lesson

BUTTONS = [
    {"title": "Hôm nay", "payload": '/ask_timetable{"day":"hôm nay"}'},
    {"title": "Ngày mai", "payload": '/ask_timetable{"day":"ngày mai"}'},
    {"title": "Tuần này", "payload": '/ask_timetable{"day":"tuần này"}'},
    {"title": "Làm sao vào lớp", "payload": "/ask_join_class"},
]

# The response for each outcome: about a class or child, and about a teacher's own lessons.
DAY = {False: "utter_timetable_day", True: "utter_timetable_taught_day"}
DAY_OFF = {False: "utter_timetable_day_off", True: "utter_timetable_taught_day_off"}
DAY_EMPTY = {False: "utter_timetable_day_empty", True: "utter_timetable_taught_day_empty"}
PAST_DAY = {False: "utter_timetable_past_day", True: "utter_timetable_taught_past_day"}
PAST_DAY_OFF = {False: "utter_timetable_past_day_off", True: "utter_timetable_taught_past_day_off"}
PAST_DAY_EMPTY = {False: "utter_timetable_past_day_empty", True: "utter_timetable_taught_past_day_empty"}
WEEK = {False: "utter_timetable_week", True: "utter_timetable_taught_week"}
PAST_WEEK = {False: "utter_timetable_past_week", True: "utter_timetable_taught_past_week"}
NEXT = {False: "utter_timetable_next", True: "utter_timetable_taught_next"}
NEXT_NOW = {False: "utter_timetable_next_now", True: "utter_timetable_taught_next_now"}
NEXT_NONE = {False: "utter_timetable_next_none", True: "utter_timetable_taught_next_none"}

Reply = tuple[str, dict[str, str]]  # a response name and its values


def _day_reply(day_schedule: DaySchedule, taught: bool, today: date) -> Reply:
    values = {"day": day_label(day_schedule.day)}
    past = day_schedule.day < today
    if day_schedule.holiday:
        return (PAST_DAY_OFF if past else DAY_OFF)[taught], {**values, "holiday": day_schedule.holiday}
    if not day_schedule.lessons:
        return (PAST_DAY_EMPTY if past else DAY_EMPTY)[taught], values
    lessons = lessons_value(list(day_schedule.lessons), with_class=taught, meetings=not past)
    return (PAST_DAY if past else DAY)[taught], {**values, "lessons": lessons}


def _week_line(day_schedule: DaySchedule, taught: bool) -> str | None:
    """One day of a week's answer; None for a weekend day without lessons."""
    name = day_label(day_schedule.day)
    if day_schedule.holiday:
        return f"• {name}: nghỉ ({day_schedule.holiday})"
    if day_schedule.lessons:
        parts = [
            f"{clock_time(lesson.starts_at)} {lesson.subject}" + (f" ({lesson.class_name})" if taught else "")
            for lesson in day_schedule.lessons
        ]
        return f"• {name}: " + ", ".join(parts)
    return None if day_schedule.day.weekday() >= 5 else f"• {name}: không có tiết trực tuyến"


def _week_reply(days: list[DaySchedule], taught: bool, today: date) -> Reply:
    first, last = days[0].day, days[-1].day
    lines = [line for line in (_week_line(d, taught) for d in days) if line is not None]
    values = {"week": week_label(first, last), "days": "\n".join(lines)}
    return (PAST_WEEK if last < today else WEEK)[taught], values


def _next_reply(lesson: Lesson | None, taught: bool) -> Reply:
    if lesson is None:
        return NEXT_NONE[taught], {}
    values = {"day": day_label(lesson.day), "lessons": lessons_value([lesson], with_class=taught)}
    if lesson.starts <= local_now():
        return NEXT_NOW[taught], values
    return NEXT[taught], {**values, "start": clock_time(lesson.starts_at)}


async def _answer_class(target: Target, view: AccountView, query: DayQuery) -> Reply:
    today = local_now().date()
    if query.kind is DayKind.NEXT:
        return _next_reply(await db(timetable.next_lesson, view, target.class_id, local_now()), False)
    if query.kind is DayKind.WEEK:
        return _week_reply(await db(timetable.schedule, view, target.class_id, query.day, 7), False, today)
    days = await db(timetable.schedule, view, target.class_id, query.day, 1)
    return _day_reply(days[0], False, today)


async def _answer_teacher(view: AccountView, query: DayQuery) -> Reply:
    today = local_now().date()
    if query.kind is DayKind.NEXT:
        return _next_reply(await db(timetable.next_lesson_taught, view, local_now()), True)
    if query.kind is DayKind.WEEK:
        return _week_reply(await db(timetable.lessons_taught, view, query.day, 7), True, today)
    days = await db(timetable.lessons_taught, view, query.day, 1)
    return _day_reply(days[0], True, today)


def _day_words(text: str, children: list[tuple[int, str]]) -> str:
    """``text`` without the children's names, so that "Mai" is not read as tomorrow."""
    return find_children(text, children).rest if children else text


async def _query_words(tracker: Tracker, view: AccountView | None) -> str:
    return entity(tracker, "day") or await off_loop(
        _day_words, user_text(tracker), children_of(view) if view is not None else []
    )


async def read_query(tracker: Tracker, view: AccountView | None = None) -> DayQuery:
    """The day asked about; today when the message names none."""
    today = local_now().date()
    text = await _query_words(tracker, view)
    return await off_loop(parse_day_query, text, today) or DayQuery(DayKind.DAY, today)


class ActionTimetable(ClassesAction):
    intent = "ask_timetable"

    def name(self) -> str:
        return "action_timetable"

    async def carried_entities(self, tracker: Tracker, view: AccountView) -> dict[str, str]:
        return {"day": query_text(await read_query(tracker, view))}

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, view: AccountView, targets: list[Target]
    ) -> None:
        if await off_loop(impossible_date, await _query_words(tracker, view), local_now().date()):
            # "31/2": say which day words work rather than answer for another day
            say(dispatcher, "utter_timetable_day_unclear", view, buttons=BUTTONS)
            return
        query = await read_query(tracker, view)
        answers: list[tuple[str, str, dict[str, str]]] = []
        for target in targets:
            response, values = await _answer_class(target, view, query)
            values.update(names=target.names, class_name=target.class_name)
            answers.append((target_role(target, view), response, values))
        if not targets:
            answers.append((role_of(view), *await _answer_teacher(view, query)))
        for index, (role, response, values) in enumerate(answers):
            last = index == len(answers) - 1
            dispatcher.utter_message(response=response, role=role, buttons=BUTTONS if last else [], **values)
