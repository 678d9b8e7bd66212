"""Absence notices: a family reports, confirms and may withdraw; a teacher asks who is absent.

``action_absence_start`` reads the day and periods from the message, checks them and shows
what will be sent ("Gửi báo nghỉ" / "Hủy"); only ``action_absence_submit`` stores it.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import (
    account_view,
    db,
    entity_id,
    local_now,
    now,
    off_loop,
    role_of,
    say,
    sender,
    user_text,
)
from actions.guard import BadInput, SafeAction
from actions.lessons import clock_time, day_label
from chatbot.reply_roles import GUEST
from chatbot.school import absences
from chatbot.school.absences import (
    AbsenceCheck,
    AbsenceProblem,
    AbsenceRequest,
    RecordStatus,
    WithdrawStatus,
    periods_text,
)
from chatbot.school.accounts import AccountView, LinkedStudent
from chatbot.school.quoting import quoted_words
from chatbot.settings import TIMEZONE

STUDENT, DAY, PERIODS, REASON = "absence_student", "absence_day", "absence_periods", "absence_reason"
SLOTS = (STUDENT, DAY, PERIODS, REASON)

# The refusal for each problem with a notice (a domain response each).
PROBLEMS = {
    AbsenceProblem.NOT_LINKED: "utter_not_linked",
    AbsenceProblem.NOT_YOUR_CHILD: "utter_absence_not_your_child",
    AbsenceProblem.TOO_OLD: "utter_absence_too_old",
    AbsenceProblem.TOO_FAR: "utter_absence_too_far",
    AbsenceProblem.HOLIDAY: "utter_absence_holiday",
}


def _reset() -> list[dict[str, Any]]:
    return [SlotSet(slot, None) for slot in SLOTS]


def say_problem(dispatcher: CollectingDispatcher, check: AbsenceCheck, day: date, view: AccountView) -> None:
    """The refusal of a notice for ``day`` that ``check`` found a problem with."""
    problem = check.problem or AbsenceProblem.HOLIDAY
    say(
        dispatcher, PROBLEMS[problem], view,
        day=day_label(day), holiday=check.holiday or "", max_past=str(absences.MAX_PAST.days),
        max_ahead=str(absences.MAX_AHEAD.days),
    )


def say_confirm(
    dispatcher: CollectingDispatcher, student: LinkedStudent, request: AbsenceRequest, view: AccountView
) -> None:
    """The notice shown back, with the "Gửi báo nghỉ" / "Hủy" buttons of the response."""
    values = {
        "name": student.full_name,
        "class_name": student.class_name,
        "day": day_label(request.day),
        "periods": periods_text(request.periods),
    }
    if request.reason:
        reason = quoted_words(request.reason, absences.MAX_REASON)
        say(dispatcher, "utter_absence_confirm_with_note", view, **values, reason=reason)
    else:
        say(dispatcher, "utter_absence_confirm", view, **values)


def _child_buttons(children: tuple[LinkedStudent, ...]) -> list[dict[str, str]]:
    return [
        {
            "title": f"{s.full_name} (lớp {s.class_name})",
            "payload": "/report_absence" + json.dumps({"student_id": str(s.student_id)}),
        }
        for s in children
    ]


class ActionAbsenceStart(SafeAction):
    """Reads the notice and shows it back with its date; asks which child when several."""

    def name(self) -> str:
        return "action_absence_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        view = await account_view(tracker)
        channel, external_id = sender(tracker)
        children = await db(absences.parent_children, channel, external_id)
        if not children and view.staff is not None:  # a teacher: notices come from families; today's list
            say(dispatcher, "utter_absence_teacher_start", view)
            await say_today(dispatcher, view)
            return _reset()
        if not children:
            say(dispatcher, "utter_absence_parents_only" if view.linked else "utter_not_linked", view)
            return _reset()
        text = user_text(tracker)
        if text:
            request = await off_loop(absences.read_absence, text, now())
        elif tracker.get_slot(DAY):  # a child chosen with a button: the notice read before
            request = AbsenceRequest(
                date.fromisoformat(str(tracker.get_slot(DAY))),
                absences.parse_periods(str(tracker.get_slot(PERIODS) or "")),
                str(tracker.get_slot(REASON) or ""),
            )
        else:
            request = absences.read_absence("", now())
        kept = [
            SlotSet(DAY, request.day.isoformat()),
            SlotSet(PERIODS, ",".join(map(str, request.periods))),
            SlotSet(REASON, request.reason),
        ]
        wanted = entity_id(tracker, "student_id")
        student = self._choose(children, wanted, view, text)
        if student is None:
            if wanted is not None:
                say_problem(dispatcher, AbsenceCheck(AbsenceProblem.NOT_YOUR_CHILD), request.day, view)
                return _reset()
            say(
                dispatcher, "utter_absence_which_child", view,
                buttons=_child_buttons(children), day=day_label(request.day),
            )
            return [SlotSet(STUDENT, None), *kept]
        check = await db(absences.check_absence, channel, external_id, student.student_id, request.day, now())
        if check.problem is not None:
            say_problem(dispatcher, check, request.day, view)
            return _reset()
        say_confirm(dispatcher, student, request, view)
        return [SlotSet(STUDENT, str(student.student_id)), *kept]

    @staticmethod
    def _choose(
        children: tuple[LinkedStudent, ...], wanted: int | None, view: AccountView, text: str
    ) -> LinkedStudent | None:
        if wanted is not None:
            return next((s for s in children if s.student_id == wanted), None)
        if len(children) == 1:
            return children[0]
        lowered = text.lower()
        named = [s for s in children if s.full_name.split()[-1].lower() in lowered.split()]
        return named[0] if len(named) == 1 else None


class ActionAbsenceSubmit(SafeAction):
    def name(self) -> str:
        return "action_absence_submit"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        student_id, day = tracker.get_slot(STUDENT), tracker.get_slot(DAY)
        if not student_id or not day:
            say(dispatcher, "utter_absence_nothing_pending", await account_view(tracker))
            return _reset()
        try:
            request = AbsenceRequest(
                date.fromisoformat(str(day)),
                absences.parse_periods(str(tracker.get_slot(PERIODS) or "")),
                str(tracker.get_slot(REASON) or ""),
            )
            student = int(str(student_id))
        except ValueError as exc:
            raise BadInput("absence slots") from exc
        channel, external_id = sender(tracker)
        outcome = await db(
            absences.record_absence,
            channel=channel,
            external_id=external_id,
            student_id=student,
            request=request,
            now=now(),
        )
        view = await account_view(tracker)
        if isinstance(outcome, AbsenceCheck):
            say_problem(dispatcher, outcome, request.day, view)
            return _reset()
        values = {"day": day_label(request.day), "periods": periods_text(request.periods)}
        if outcome.status is RecordStatus.ALREADY:
            say(dispatcher, "utter_absence_already", view, **values)
            return _reset()
        values["number"] = str(outcome.absence_id)
        if outcome.teachers_told == 0:
            say(dispatcher, "utter_absence_recorded_teacher_not_connected", view, **values)
        elif outcome.held_until is not None:
            release = clock_time(outcome.held_until.astimezone(TIMEZONE))
            say(dispatcher, "utter_absence_recorded_morning", view, **values, release=release)
        else:
            say(dispatcher, "utter_absence_recorded", view, **values)
        return _reset()


class ActionAbsenceCancel(SafeAction):
    def name(self) -> str:
        return "action_absence_cancel"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        say(dispatcher, "utter_absence_not_sent", await account_view(tracker))
        return _reset()


class ActionWithdrawAbsence(SafeAction):
    def name(self) -> str:
        return "action_withdraw_absence"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        channel, external_id = sender(tracker)
        wanted = entity_id(tracker, "absence_id")
        view = await account_view(tracker)
        upcoming = await db(absences.upcoming_of_account, channel, external_id, now())
        if wanted is None and len(upcoming) > 1:
            say(
                dispatcher, "utter_absence_which_to_withdraw", view,
                buttons=[
                    {
                        "title": f"{a.display_name}: {day_label(a.day)}, {periods_text(a.periods)}"[:60],
                        "payload": "/withdraw_absence" + json.dumps({"absence_id": str(a.absence_id)}),
                    }
                    for a in upcoming[:8]
                ],
            )
            return []
        if wanted is None and upcoming:
            wanted = upcoming[0].absence_id
        if wanted is None:
            say(dispatcher, _NOTHING_TO_WITHDRAW.get(role_of(view), "utter_absence_parents_only"), view)
            return []
        status, line = await db(
            absences.withdraw_absence, channel=channel, external_id=external_id, absence_id=wanted, now=now()
        )
        if status is WithdrawStatus.NOT_FOUND or line is None:
            say(dispatcher, "utter_absence_withdraw_not_found", view)
            return []
        say(
            dispatcher, "utter_absence_withdrawn", view,
            day=day_label(line.day), periods=periods_text(line.periods), name=line.display_name,
        )
        return []


# Nothing to withdraw: a family has no notice ahead; others never send notices.
_NOTHING_TO_WITHDRAW = {"parent": "utter_absence_none_to_withdraw", GUEST: "utter_not_linked"}


async def say_today(dispatcher: CollectingDispatcher, view: AccountView) -> None:
    """Today's notices in the classes a teacher teaches or leads."""
    assert view.staff is not None
    today = local_now().date()
    lines = await db(absences.absences_on, view.staff.class_ids, today)
    if not lines:
        say(dispatcher, "utter_absence_today_none", view, day=day_label(today))
        return
    entries = []
    for line in lines:
        entry = f"• {line.class_name}: {line.display_name} — {periods_text(line.periods)}"
        if line.reason:
            entry += f"; lời nhắn: {quoted_words(line.reason, 120)}"
        entries.append(entry)
    say(dispatcher, "utter_absence_today", view, day=day_label(today), count=str(len(lines)),
        notices="\n".join(entries))


class ActionAbsencesToday(SafeAction):
    """A teacher's "hôm nay lớp mình ai nghỉ": today's notices in their classes."""

    def name(self) -> str:
        return "action_absences_today"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        view = await account_view(tracker)
        if view.staff is None:  # a family asking is sent to the notice itself
            say(dispatcher, "utter_absence_list_teachers_only" if view.students else "utter_not_linked", view)
            return []
        await say_today(dispatcher, view)
        return []
