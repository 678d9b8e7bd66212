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
    NOT_LINKED,
    account_view,
    db,
    entity_id,
    local_now,
    now,
    off_loop,
    sender,
    user_text,
)
from actions.guard import BadInput, SafeAction
from chatbot.school import absences
from chatbot.school.absences import (
    AbsenceCheck,
    AbsenceProblem,
    AbsenceRequest,
    RecordStatus,
    WithdrawStatus,
    day_text,
    periods_text,
)
from chatbot.school.accounts import AccountView, LinkedStudent
from chatbot.school.quoting import quoted_words
from chatbot.settings import TIMEZONE

STUDENT, DAY, PERIODS, REASON = "absence_student", "absence_day", "absence_periods", "absence_reason"
SLOTS = (STUDENT, DAY, PERIODS, REASON)
NOT_PARENT = (
    "Dạ, báo nghỉ do phụ huynh gửi. Em nhờ bố mẹ nhắn cho trợ lý hoặc báo thầy cô chủ nhiệm giúp nhé."
)


def _reset() -> list[dict[str, Any]]:
    return [SlotSet(slot, None) for slot in SLOTS]


def problem_text(check: AbsenceCheck, day: date) -> str:
    problem = check.problem
    if problem is AbsenceProblem.NOT_LINKED:
        return NOT_LINKED + " Sau khi liên kết, Quý phụ huynh báo nghỉ cho con tại đây."
    if problem is AbsenceProblem.NOT_YOUR_CHILD:
        return (
            "Dạ, học sinh này chưa được liên kết với tài khoản của Quý phụ huynh nên em chưa ghi báo nghỉ "
            "được. Quý phụ huynh chọn con đã liên kết, hoặc gõ mã mời của con để liên kết trước ạ."
        )
    if problem is AbsenceProblem.TOO_OLD:
        return (
            f"Dạ, {day_text(day)} đã qua hơn {absences.MAX_PAST.days} ngày nên em không ghi báo nghỉ "
            "được nữa. "
            "Quý phụ huynh vui lòng trao đổi trực tiếp với thầy cô chủ nhiệm (bấm «Hỏi giáo viên») ạ."
        )
    if problem is AbsenceProblem.TOO_FAR:
        return (
            f"Dạ, em chỉ nhận báo nghỉ trong {absences.MAX_AHEAD.days} ngày tới; {day_text(day)} còn xa quá. "
            "Quý phụ huynh báo lại gần ngày hơn giúp em ạ."
        )
    return (
        f"Dạ, {day_text(day)} nhà trường nghỉ ({check.holiday}), các con không có tiết học nên không cần "
        "báo nghỉ ạ."
    )


def confirm_text(student: LinkedStudent, request: AbsenceRequest) -> str:
    text = (
        f"Dạ, em xin xác nhận: em {student.full_name} (lớp {student.class_name}) nghỉ học "
        f"{day_text(request.day)}, {periods_text(request.periods)}."
    )
    if request.reason:
        text += f"\nLời nhắn: {quoted_words(request.reason, absences.MAX_REASON)}"
    return text + "\nEm gửi báo nghỉ này cho thầy cô chủ nhiệm nhé?"


CONFIRM_BUTTONS = [
    {"title": "Gửi báo nghỉ", "payload": "/absence_confirm"},
    {"title": "Hủy", "payload": "/absence_cancel"},
]


def _child_buttons(children: tuple[LinkedStudent, ...]) -> list[dict[str, str]]:
    return [
        {
            "title": f"Em {s.full_name} (lớp {s.class_name})",
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
        if not children and view.staff is not None:  # a teacher speaking of absences: today's list
            dispatcher.utter_message(text=await today_text(view))
            return _reset()
        if not children:
            dispatcher.utter_message(
                text=NOT_PARENT
                if view.is_student
                else problem_text(AbsenceCheck(AbsenceProblem.NOT_LINKED), local_now().date())
            )
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
                dispatcher.utter_message(
                    text=problem_text(AbsenceCheck(AbsenceProblem.NOT_YOUR_CHILD), request.day)
                )
                return _reset()
            dispatcher.utter_message(
                text=f"Dạ, Quý phụ huynh báo nghỉ {day_text(request.day)} cho con nào ạ?",
                buttons=_child_buttons(children),
            )
            return [SlotSet(STUDENT, None), *kept]
        check = await db(absences.check_absence, channel, external_id, student.student_id, request.day, now())
        if check.problem is not None:
            dispatcher.utter_message(text=problem_text(check, request.day))
            return _reset()
        dispatcher.utter_message(text=confirm_text(student, request), buttons=CONFIRM_BUTTONS)
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
            dispatcher.utter_message(
                text="Dạ, hiện không có báo nghỉ nào chờ gửi. Quý phụ huynh nhắn, ví dụ: «mai cháu nghỉ "
                "vì ốm» ạ."
            )
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
        if isinstance(outcome, AbsenceCheck):
            dispatcher.utter_message(text=problem_text(outcome, request.day))
            return _reset()
        when = f"{day_text(request.day)}, {periods_text(request.periods)}"
        if outcome.status is RecordStatus.ALREADY:
            dispatcher.utter_message(text=f"Dạ, báo nghỉ {when} của con đã được ghi nhận trước đó rồi ạ.")
            return _reset()
        if outcome.teachers_told == 0:
            told = (
                "Thầy cô chủ nhiệm chưa kết nối với trợ lý; nhà trường vẫn lưu báo nghỉ và thầy cô xem "
                "được trong danh sách của lớp."
            )
        elif outcome.held_until is not None:
            release = outcome.held_until.astimezone(TIMEZONE)
            told = f"Vì đang là buổi tối, thầy cô sẽ nhận trong bản tin sáng lúc {release:%H:%M}."
        else:
            told = "Thầy cô chủ nhiệm đã được báo."
        dispatcher.utter_message(
            text=f"Dạ, em đã ghi nhận báo nghỉ {when} (số {outcome.absence_id}). {told} Nhắc giờ học của "
            "lớp sẽ không gửi cho con trong thời gian nghỉ. Nếu con đi học lại, Quý phụ huynh nhắn «rút báo "
            "nghỉ» ạ.",
            buttons=[{"title": "Rút báo nghỉ", "payload": "/withdraw_absence"}],
        )
        return _reset()


class ActionAbsenceCancel(SafeAction):
    def name(self) -> str:
        return "action_absence_cancel"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(
            text="Dạ, em chưa gửi báo nghỉ nào. Nếu sai ngày, Quý phụ huynh nhắn lại kèm ngày, ví dụ "
            "«thứ Sáu con nghỉ» ạ."
        )
        return _reset()


class ActionWithdrawAbsence(SafeAction):
    def name(self) -> str:
        return "action_withdraw_absence"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        channel, external_id = sender(tracker)
        wanted = entity_id(tracker, "absence_id")
        upcoming = await db(absences.upcoming_of_account, channel, external_id, now())
        if wanted is None and len(upcoming) > 1:
            dispatcher.utter_message(
                text="Dạ, Quý phụ huynh muốn rút báo nghỉ nào ạ?",
                buttons=[
                    {
                        "title": f"{a.display_name}: {day_text(a.day)}, {periods_text(a.periods)}"[:60],
                        "payload": "/withdraw_absence" + json.dumps({"absence_id": str(a.absence_id)}),
                    }
                    for a in upcoming[:8]
                ],
            )
            return []
        if wanted is None and upcoming:
            wanted = upcoming[0].absence_id
        if wanted is None:
            dispatcher.utter_message(text="Dạ, hiện không có báo nghỉ nào từ hôm nay trở đi để rút ạ.")
            return []
        status, line = await db(
            absences.withdraw_absence, channel=channel, external_id=external_id, absence_id=wanted, now=now()
        )
        if status is WithdrawStatus.NOT_FOUND or line is None:
            dispatcher.utter_message(
                text="Dạ, em không tìm thấy báo nghỉ này trong các báo nghỉ còn hiệu lực của gia đình ạ."
            )
            return []
        dispatcher.utter_message(
            text=f"Dạ, em đã rút báo nghỉ {day_text(line.day)}, {periods_text(line.periods)} của em "
            f"{line.display_name} và báo lại thầy cô ạ."
        )
        return []


async def today_text(view: AccountView) -> str:
    """Today's notices in the classes a teacher teaches or leads."""
    assert view.staff is not None
    today = local_now().date()
    lines = await db(absences.absences_on, view.staff.class_ids, today)
    if not lines:
        return f"Dạ, {day_text(today)} các lớp của thầy cô chưa có báo nghỉ nào ạ."
    text = [f"Dạ, báo nghỉ {day_text(today)} ({len(lines)}):"]
    for line in lines:
        entry = f"• {line.class_name}: {line.display_name} — {periods_text(line.periods)}"
        if line.reason:
            entry += f"; lời nhắn: {quoted_words(line.reason, 120)}"
        text.append(entry)
    return "\n".join(text)


class ActionAbsencesToday(SafeAction):
    """A teacher's "hôm nay lớp mình ai nghỉ": today's notices in their classes."""

    def name(self) -> str:
        return "action_absences_today"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        view = await account_view(tracker)
        if view.staff is None:
            if view.students:  # a family asking: send them to the notice itself
                dispatcher.utter_message(
                    text="Dạ, danh sách nghỉ học của lớp chỉ thầy cô xem được. Muốn báo nghỉ cho con, "
                    "Quý phụ huynh nhắn, ví dụ «mai cháu nghỉ vì ốm» ạ."
                )
            else:
                dispatcher.utter_message(text=NOT_LINKED)
            return []
        dispatcher.utter_message(text=await today_text(view))
        return []
