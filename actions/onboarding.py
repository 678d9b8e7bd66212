"""Linking a chat account with an invite code, and the family's acknowledgement of the rules.

Every reply is a domain response (chatbot/domain/onboarding.yml) in the variation for the
person's role. The welcome after a link already speaks to the role the link gave (the view
read after linking), and the action sets the ``role`` slot for the replies that follow.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import account_view, db, entity, now, role_event, say, sender
from actions.guard import SafeAction
from actions.zns import ask_phone
from chatbot.db.models import Role
from chatbot.reply_roles import ROLE_SLOT
from chatbot.school import acknowledgements
from chatbot.school.accounts import AccountView, LinkedStudent, LinkOutcome, LinkStatus, redeem_code
from chatbot.school.dates import format_moment
from chatbot.school.invites import find_code
from chatbot.settings import RULES_VERSION, TIMEZONE

_PROBLEMS = {
    LinkStatus.UNKNOWN: "utter_link_code_unknown",
    LinkStatus.EXPIRED: "utter_link_code_expired",
    LinkStatus.REVOKED: "utter_link_code_revoked",
    LinkStatus.USED: "utter_link_code_used",
}

# Whom a code is for, and what an account already is, in the conflict reply.
_ROLE_NAMES = {
    Role.PARENT: "phụ huynh",
    Role.STUDENT: "học sinh",
    Role.TEACHER: "giáo viên",
    Role.STAFF: "cán bộ nhà trường",
}


def _students(students: tuple[LinkedStudent, ...] | list[LinkedStudent], sep: str = ", ") -> str:
    return sep.join(f"em {s.full_name}" for s in students)


def ask_acknowledgement(
    dispatcher: CollectingDispatcher, view: AccountView, students: list[LinkedStudent]
) -> None:
    """The rules digest, then the request to acknowledge them for ``students`` (a button)."""
    say(dispatcher, "utter_rules_digest", view)
    say(dispatcher, "utter_rules_ask_acknowledgement", view, names=_students(students))


def _staff_welcome(dispatcher: CollectingDispatcher, outcome: LinkOutcome) -> None:
    """A teacher or staff member is addressed in their own role, even with children linked."""
    role = "staff" if outcome.role is Role.STAFF else "teacher"
    name = outcome.staff_name or ""
    if outcome.status is LinkStatus.ALREADY_LINKED:
        dispatcher.utter_message(response="utter_link_staff_already", name=name, **{ROLE_SLOT: role})
        return
    staff = outcome.view.staff if outcome.view else None
    classes = ", ".join(staff.homeroom_class_names) if staff else ""
    if classes:
        dispatcher.utter_message(
            response="utter_link_staff_welcome_homeroom", name=name, classes=classes, **{ROLE_SLOT: role}
        )
    else:
        dispatcher.utter_message(response="utter_link_staff_welcome", name=name, **{ROLE_SLOT: role})


def _conflict(dispatcher: CollectingDispatcher, outcome: LinkOutcome, view: AccountView) -> None:
    if outcome.role in (Role.TEACHER, Role.STAFF) and view.staff is not None:
        say(dispatcher, "utter_link_conflict_staff", view)
        return
    current = "học sinh" if view.is_student else "giáo viên" if view.staff else "phụ huynh"
    say(dispatcher, "utter_link_conflict", view, code_role=_ROLE_NAMES[outcome.role], current=current)


def _locked(dispatcher: CollectingDispatcher, outcome: LinkOutcome, view: AccountView) -> None:
    until = outcome.locked_until.astimezone(TIMEZONE) if outcome.locked_until else None
    say(dispatcher, "utter_link_locked", view, until=f" đến {until:%H:%M}" if until else "")


class ActionLinkAccount(SafeAction):
    def name(self) -> str:
        return "action_link_account"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        text = (tracker.latest_message or {}).get("text") or ""
        code = entity(tracker, "invite_code") or find_code(text)
        if code is None:
            view = await account_view(tracker)
            self._explain(dispatcher, view)
            return [role_event(view)]
        channel, external_id = sender(tracker)
        outcome = await db(redeem_code, channel, external_id, code, now())
        # The view read after linking (in the same transaction), or the account as it is.
        view = outcome.view or await account_view(tracker)
        if outcome.status in _PROBLEMS:
            say(dispatcher, _PROBLEMS[outcome.status], view)
        elif outcome.status is LinkStatus.LOCKED_OUT:
            _locked(dispatcher, outcome, view)
        elif outcome.status is LinkStatus.ROLE_CONFLICT:
            _conflict(dispatcher, outcome, view)
        elif outcome.role in (Role.TEACHER, Role.STAFF):
            _staff_welcome(dispatcher, outcome)
        else:
            await self._linked(dispatcher, outcome, view, tracker)
        return [role_event(view)]

    @staticmethod
    def _explain(dispatcher: CollectingDispatcher, view: AccountView) -> None:
        if not view.students:
            say(dispatcher, "utter_link_how_to", view)
            return
        students = "; ".join(f"em {s.full_name} (lớp {s.class_name})" for s in view.students)
        say(dispatcher, "utter_link_already_with", view, students=students)

    async def _linked(
        self, dispatcher: CollectingDispatcher, outcome: LinkOutcome, view: AccountView, tracker: Tracker
    ) -> None:
        student = outcome.student
        values = {"full_name": student.full_name, "class_name": student.class_name,
                  "display_name": student.display_name}
        if outcome.status is LinkStatus.ALREADY_LINKED:
            say(dispatcher, "utter_link_already_linked", view, **values)
        else:
            say(dispatcher, "utter_link_welcome", view, **values)
        pending = await db(acknowledgements.pending, view, RULES_VERSION)
        mine = [p for p in pending if p.student_id == student.student_id]
        if mine:
            ask_acknowledgement(dispatcher, view, mine)
        elif student.link_role is Role.PARENT:
            await ask_phone(dispatcher, tracker, view)


class ActionAcknowledgeRules(SafeAction):
    def name(self) -> str:
        return "action_acknowledge_rules"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        view = await account_view(tracker)
        if not view.students:
            staff_reply = "utter_rules_staff_no_acknowledgement"
            say(dispatcher, staff_reply if view.staff else "utter_not_linked", view)
            return []
        result = await db(acknowledgements.acknowledge, view, RULES_VERSION, now())
        if result.recorded:
            say(dispatcher, "utter_rules_acknowledged", view,
                names=_students(result.recorded), moment=format_moment(now()))
        for student, when in result.already:
            say(dispatcher, "utter_rules_already_acknowledged", view,
                full_name=student.full_name, moment=format_moment(when))
        if result.recorded and not view.is_student:
            await ask_phone(dispatcher, tracker, view)
        return []
