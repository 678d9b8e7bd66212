"""Timetable questions: a day, a week or the next lesson, for the linked student(s).

A child's name in the question is not read as a day ("lịch học của Mai"); a past day or week
is answered as such ("đã qua"), without the meeting details.
"""

from __future__ import annotations

from datetime import date

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import db, entity, local_now, off_loop, user_text, weekday_name
from actions.lessons import (
    SECRET_NOTE,
    ClassesAction,
    Target,
    children_of,
    day_label,
    lesson_line,
    meeting_lines,
)
from chatbot.school import timetable
from chatbot.school.accounts import AccountView
from chatbot.school.child_names import find_children
from chatbot.school.dates import DayKind, DayQuery, parse_day_query, query_text
from chatbot.school.timetable import DaySchedule, Lesson

BUTTONS = [
    {"title": "Hôm nay", "payload": '/ask_timetable{"day":"hôm nay"}'},
    {"title": "Ngày mai", "payload": '/ask_timetable{"day":"ngày mai"}'},
    {"title": "Tuần này", "payload": '/ask_timetable{"day":"tuần này"}'},
    {"title": "Làm sao vào lớp", "payload": "/ask_join_class"},
]


def _schedule_of(who: str, teacher: bool) -> str:
    return f"lịch dạy của {who}" if teacher else f"lịch học của {who}"


def _past_day_text(who: str, day_schedule: DaySchedule, teacher: bool) -> str:
    header = f"Dạ, {day_label(day_schedule.day)} là ngày đã qua"
    if day_schedule.holiday:
        return f"{header}: hôm đó nhà trường nghỉ ({day_schedule.holiday}), {who} không có tiết học."
    if not day_schedule.lessons:
        return f"{header}: hôm đó {who} không có tiết học trực tuyến nào."
    lines = [f"{header}; {_schedule_of(who, teacher)} hôm đó:"]
    lines.extend(lesson_line(lesson, with_class=teacher) for lesson in day_schedule.lessons)
    return "\n".join(lines)


def _day_text(who: str, day_schedule: DaySchedule, teacher: bool = False, today: date | None = None) -> str:
    if today is not None and day_schedule.day < today:
        return _past_day_text(who, day_schedule, teacher)
    header = day_label(day_schedule.day)
    if day_schedule.holiday:
        return f"Dạ, {header} nhà trường nghỉ ({day_schedule.holiday}), {who} không có tiết học."
    if not day_schedule.lessons:
        return f"Dạ, {header} {who} không có tiết học trực tuyến nào."
    lines = [f"Dạ, {_schedule_of(who, teacher)} {header}:"]
    for lesson in day_schedule.lessons:
        lines.append(lesson_line(lesson, with_class=teacher))
        lines.extend(meeting_lines(lesson))
    if any(lesson.meeting for lesson in day_schedule.lessons):
        lines.append(SECRET_NOTE)
    return "\n".join(lines)


def _week_text(who: str, days: list[DaySchedule], teacher: bool = False, today: date | None = None) -> str:
    first, last = days[0].day, days[-1].day
    past = today is not None and last < today
    if past:
        lines = [f"Dạ, tuần {first:%d/%m}–{last:%d/%m/%Y} đã qua; {_schedule_of(who, teacher)} tuần đó:"]
    else:
        lines = [f"Dạ, {_schedule_of(who, teacher)} tuần {first:%d/%m}–{last:%d/%m/%Y}:"]
    for day_schedule in days:
        name = f"{weekday_name(day_schedule.day)} {day_schedule.day:%d/%m}"
        if day_schedule.holiday:
            lines.append(f"• {name}: nghỉ ({day_schedule.holiday})")
        elif day_schedule.lessons:
            parts = [
                f"{lesson.starts_at:%H:%M} {lesson.subject}" + (f" ({lesson.class_name})" if teacher else "")
                for lesson in day_schedule.lessons
            ]
            lines.append(f"• {name}: " + ", ".join(parts))
    if len(lines) == 1:
        lines.append("• Không có tiết học trực tuyến nào.")
    if not past:
        lines.append("Mã phòng và mật khẩu của từng tiết: hỏi «làm sao vào lớp» hoặc xem lịch từng ngày.")
    return "\n".join(lines)


def _next_text(who: str, lesson: Lesson | None, teacher: bool = False) -> str:
    if lesson is None:
        return f"Dạ, trong bốn tuần tới {who} chưa có tiết học trực tuyến nào trong lịch."
    now = local_now()
    state = "đang diễn ra" if lesson.starts <= now else f"bắt đầu lúc {lesson.starts_at:%H:%M}"
    lines = [
        f"Dạ, tiết tiếp theo của {who} ({state}), {day_label(lesson.day)}:",
        lesson_line(lesson, teacher),
    ]
    lines.extend(meeting_lines(lesson))
    if lesson.meeting:
        lines.append(SECRET_NOTE)
    return "\n".join(lines)


async def _answer_class(target: Target, view: AccountView, query: DayQuery) -> str:
    who, today = target.who, local_now().date()
    if query.kind is DayKind.NEXT:
        lesson = await db(timetable.next_lesson, view, target.class_id, local_now())
        return _next_text(who, lesson)
    if query.kind is DayKind.WEEK:
        return _week_text(who, await db(timetable.schedule, view, target.class_id, query.day, 7), today=today)
    days = await db(timetable.schedule, view, target.class_id, query.day, 1)
    return _day_text(who, days[0], today=today)


async def _answer_teacher(view: AccountView, query: DayQuery) -> str:
    who, today = "thầy cô", local_now().date()
    if query.kind is DayKind.NEXT:
        lesson = await db(timetable.next_lesson_taught, view, local_now())
        return _next_text(who, lesson, teacher=True)
    if query.kind is DayKind.WEEK:
        days = await db(timetable.lessons_taught, view, query.day, 7)
        return _week_text(who, days, teacher=True, today=today)
    days = await db(timetable.lessons_taught, view, query.day, 1)
    return _day_text(who, days[0], teacher=True, today=today)


def _day_words(text: str, children: list[tuple[int, str]]) -> str:
    """``text`` without the children's names, so that "Mai" is not read as tomorrow."""
    return find_children(text, children).rest if children else text


async def read_query(tracker: Tracker, view: AccountView | None = None) -> DayQuery:
    """The day asked about; today when the message names none."""
    today = local_now().date()
    text = entity(tracker, "day") or await off_loop(
        _day_words, user_text(tracker), children_of(view) if view is not None else []
    )
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
        query = await read_query(tracker, view)
        answers = [await _answer_class(t, view, query) for t in targets] if targets else [
            await _answer_teacher(view, query)
        ]
        for index, answer in enumerate(answers):
            last = index == len(answers) - 1
            dispatcher.utter_message(text=answer, buttons=BUTTONS if last else [])
