"""How to join the next online lesson: its details, the display name, the 10-minute rule
(mục 1.4.b) and practical tips for the lesson's platform. Meeting details go only to linked
accounts (actions/lessons.py decides which classes an account may see)."""

from __future__ import annotations

from datetime import datetime, timedelta

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import db, local_now, role_of
from actions.lessons import ClassesAction, Target, clock_time, day_label, meeting_lines, target_role
from chatbot.school import timetable
from chatbot.school.accounts import AccountView
from chatbot.school.timetable import Lesson

EARLY_LOGIN = timedelta(minutes=10)

# Practical tips per platform (advice, not rules of the dispatch): a domain response each.
GUIDES = {
    "zoom": "utter_join_guide_zoom",
    "google meet": "utter_join_guide_google_meet",
    "meet": "utter_join_guide_google_meet",
    "microsoft teams": "utter_join_guide_microsoft_teams",
    "teams": "utter_join_guide_microsoft_teams",
    "ms teams": "utter_join_guide_microsoft_teams",
}
OTHER_GUIDE = "utter_join_guide_other"

# The response for each outcome: about a class or child, and about a teacher's own lessons.
NEXT = {False: "utter_join_next", True: "utter_join_taught_next"}
NOW = {False: "utter_join_now", True: "utter_join_taught_now"}
NONE = {False: "utter_timetable_next_none", True: "utter_timetable_taught_next_none"}


def guide_for(platform: str | None) -> str:
    """The response with tips for ``platform`` (general tips for any other)."""
    return GUIDES.get((platform or "").strip().lower(), OTHER_GUIDE)


def _details(lesson: Lesson) -> str:
    lines = [f"• Nền tảng: {lesson.platform}"] if lesson.platform else []
    lines.extend(meeting_lines(lesson, indent="• "))
    return "\n".join(lines) or "• Mã phòng: chưa có trong lịch"


def _join_reply(lesson: Lesson, now: datetime, target: Target | None) -> tuple[str, dict[str, str]]:
    """The reply about ``lesson``, next for ``target`` (None: a teacher's own lesson)."""
    taught = target is None
    values = {
        "subject": lesson.subject,
        "class_name": lesson.class_name,
        "day": day_label(lesson.day),
        "details": _details(lesson),
    }
    if target is not None:
        values["names"] = target.names
        values["display_names"] = "; ".join(s.display_name for s in target.students)
    if lesson.starts <= now:
        return NOW[taught], values
    login_by = lesson.starts - EARLY_LOGIN
    return NEXT[taught], {**values, "start": clock_time(lesson.starts_at), "login_by": clock_time(login_by)}


class ActionJoinClass(ClassesAction):
    intent = "ask_join_class"

    def name(self) -> str:
        return "action_join_class"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, view: AccountView, targets: list[Target]
    ) -> None:
        now = local_now()
        platforms: list[str | None] = []
        if not targets:  # a teacher: the next lesson they teach
            lesson = await db(timetable.next_lesson_taught, view, now)
            if lesson is None:
                dispatcher.utter_message(response=NONE[True], role=role_of(view))
                return
            response, values = _join_reply(lesson, now, None)
            dispatcher.utter_message(response=response, role=role_of(view), **values)
            platforms.append(lesson.platform)
        for target in targets:
            role = target_role(target, view)
            lesson = await db(timetable.next_lesson, view, target.class_id, now)
            if lesson is None:
                dispatcher.utter_message(response=NONE[False], role=role, class_name=target.class_name)
                continue
            response, values = _join_reply(lesson, now, target)
            dispatcher.utter_message(response=response, role=role, **values)
            platforms.append(lesson.platform)
        for response in dict.fromkeys(guide_for(platform) for platform in platforms):
            dispatcher.utter_message(response=response, role=role_of(view))
