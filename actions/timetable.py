"""Timetable questions: a day, a week or the next lesson, for the linked student(s)."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import db, entity, local_now, off_loop, user_text, weekday_name
from actions.lessons import SECRET_NOTE, ClassesAction, Target, day_label, lesson_line, meeting_lines
from chatbot.school import timetable
from chatbot.school.accounts import AccountView
from chatbot.school.dates import DayKind, DayQuery, parse_day_query
from chatbot.school.timetable import DaySchedule, Lesson

BUTTONS = [
    {"title": "Hôm nay", "payload": '/ask_timetable{"day":"hôm nay"}'},
    {"title": "Ngày mai", "payload": '/ask_timetable{"day":"ngày mai"}'},
    {"title": "Tuần này", "payload": '/ask_timetable{"day":"tuần này"}'},
    {"title": "Làm sao vào lớp", "payload": "/ask_join_class"},
]


def _schedule_of(who: str, teacher: bool) -> str:
    return f"lịch dạy của {who}" if teacher else f"lịch học của {who}"


def _day_text(who: str, day_schedule: DaySchedule, teacher: bool = False) -> str:
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


def _week_text(who: str, days: list[DaySchedule], teacher: bool = False) -> str:
    first, last = days[0].day, days[-1].day
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
    who = target.who
    if query.kind is DayKind.NEXT:
        lesson = await db(timetable.next_lesson, view, target.class_id, local_now())
        return _next_text(who, lesson)
    if query.kind is DayKind.WEEK:
        return _week_text(who, await db(timetable.schedule, view, target.class_id, query.day, 7))
    days = await db(timetable.schedule, view, target.class_id, query.day, 1)
    return _day_text(who, days[0])


async def _answer_teacher(view: AccountView, query: DayQuery) -> str:
    who = "thầy cô"
    if query.kind is DayKind.NEXT:
        lesson = await db(timetable.next_lesson_taught, view, local_now())
        return _next_text(who, lesson, teacher=True)
    if query.kind is DayKind.WEEK:
        return _week_text(who, await db(timetable.lessons_taught, view, query.day, 7), teacher=True)
    days = await db(timetable.lessons_taught, view, query.day, 1)
    return _day_text(who, days[0], teacher=True)


async def read_query(tracker: Tracker) -> DayQuery:
    """The day asked about; today when the message names none."""
    today = local_now().date()
    text = entity(tracker, "day") or user_text(tracker)
    return await off_loop(parse_day_query, text, today) or DayQuery(DayKind.DAY, today)


class ActionTimetable(ClassesAction):
    def name(self) -> str:
        return "action_timetable"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, view: AccountView, targets: list[Target]
    ) -> None:
        query = await read_query(tracker)
        answers = [await _answer_class(t, view, query) for t in targets] if targets else [
            await _answer_teacher(view, query)
        ]
        for index, answer in enumerate(answers):
            last = index == len(answers) - 1
            dispatcher.utter_message(text=answer, buttons=BUTTONS if last else [])
