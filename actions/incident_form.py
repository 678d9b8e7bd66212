"""The incident report form (section 2): what happened, which class, when, a short description.

Slots are filled by :class:`ValidateIncidentForm` from the text typed when each one is asked
(custom mappings), so any wording or button works; "thôi", "hủy", "dừng lại" stop the form and
nothing is stored. The trigger message may already say what happened ("có người lạ vào lớp"),
and a linked account's class is the default. An account not linked to the school confirms
the class (and its school) before anything is stored (issue 11).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.orm import Session

from actions.common import (
    account_view,
    db,
    is_cancel,
    now,
    off_loop,
    say,
    sender,
    user_text,
)
from actions.guard import SafeAction, SafeFormValidationAction
from chatbot.db.models import IncidentKind, SchoolClass
from chatbot.school import incidents
from chatbot.school.accounts import AccountView
from chatbot.school.dates import When, WhenProblem, fold, parse_when
from chatbot.school.incidents import (
    KIND_LABELS,
    ClassChoice,
    ClassProblem,
    IncidentOutcome,
    ReportStatus,
    classes_for_report,
    kind_in,
)
from chatbot.school.timetable import mentioned_class
from chatbot.settings import TIMEZONE, get_settings

FORM = "incident_form"
KIND, CLASS, CONFIRMED, TIME, TIME_LABEL, DESCRIPTION = (
    "incident_kind", "incident_class", "incident_class_confirmed", "incident_time", "incident_time_label",
    "incident_description",
)
FORM_SLOTS = (KIND, CLASS, CONFIRMED, TIME, TIME_LABEL, DESCRIPTION)
YES = {"dung", "co", "phai", "ok", "vang", "da", "chinh xac", "dung roi", "dung vay", "dung a", "yes", "u"}
NO = {"khong", "sai", "khong phai", "khong dung", "ko", "k", "no", "nham", "nham lop", "khong phai lop nay"}
MAX_ECHO = 24  # characters of a typed class name said back
NO_MORE = ("không có thêm", "khong co them", "không", "khong", "bỏ qua", "bo qua", "không có", "khong co")

# What section 2 says, then advice for the kind of incident (a scam has no form of its own).
ADVICE = {
    IncidentKind.STRANGER: "utter_incident_advice_stranger",
    IncidentKind.OFFENSIVE_CONTENT: "utter_incident_advice_offensive_content",
    IncidentKind.HARASSMENT: "utter_incident_advice_harassment",
    IncidentKind.ACCOUNT_TAKEOVER: "utter_incident_advice_account_takeover",
}
OTHER_ADVICE = "utter_incident_advice_other"
TIME_PROBLEMS = {
    WhenProblem.UNRECOGNIZED: "utter_incident_time_unrecognized",
    WhenProblem.INVALID: "utter_incident_time_invalid",
    WhenProblem.FUTURE: "utter_incident_time_future",
}
RECEIPTS = {
    ReportStatus.ALERTED: "utter_incident_alerted",
    ReportStatus.HELD: "utter_incident_held",
    ReportStatus.ENOUGH_ALERTS: "utter_incident_enough_alerts",
    ReportStatus.NO_TEACHER: "utter_incident_no_teacher",
}


def _stop() -> dict[str, Any]:
    return {**dict.fromkeys(FORM_SLOTS), "requested_slot": None}


def _asked(tracker: Tracker, slot: str) -> bool:
    return tracker.get_slot("requested_slot") == slot


# Intents that, confidently recognised in a message that is not an answer, mean the family
# asked something else in the middle of the report: the form lets the question be answered
# and asks its question again.
DIGRESSION_CONFIDENCE = 0.6
DIGRESSION_INTENTS = {
    "ask_timetable", "ask_join_class", "my_display_name", "check_display_name", "link_account",
    "report_scam", "ask_human", "unlink_account", "greet", "help", "bot_challenge", "thank",
}


def _digression(tracker: Tracker) -> bool:
    intent = tracker.latest_message.get("intent") or {}
    name = intent.get("name") or ""
    return (
        (name.startswith("rule_") or name in DIGRESSION_INTENTS)
        and not is_cancel(user_text(tracker))
        and (intent.get("confidence") or 0.0) >= DIGRESSION_CONFIDENCE
    )


class ValidateIncidentForm(SafeFormValidationAction):
    def name(self) -> str:
        return f"validate_{FORM}"

    async def extract_incident_kind(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        if _asked(tracker, KIND):
            text = user_text(tracker)
            return {} if kind_in(text) is None and _digression(tracker) else {KIND: text}
        if tracker.get_slot("requested_slot") is None and tracker.get_slot(KIND) is None:
            kind = kind_in(user_text(tracker))  # the message that opened the form
            return {KIND: kind.value} if kind else {}
        return {}

    async def validate_incident_kind(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        text = str(value or "")
        if is_cancel(text):
            return _stop()
        if text in {k.value for k in IncidentKind}:
            return {KIND: text}
        kind = kind_in(text)
        if kind is None or kind is IncidentKind.SCAM:
            say(dispatcher, "utter_incident_kind_unclear", await account_view(tracker))
            return {KIND: None}
        return {KIND: kind.value}

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[str]:
        """An unlinked account confirms the class right after naming it."""
        if tracker.get_slot(CLASS) is None or (await account_view(tracker)).linked:
            return domain_slots
        at = domain_slots.index(CLASS) + 1
        return [*domain_slots[:at], CONFIRMED, *domain_slots[at:]]

    async def extract_incident_class(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        if _asked(tracker, CLASS):
            text = user_text(tracker)
            return {} if mentioned_class(text) is None and _digression(tracker) else {CLASS: text}
        if tracker.get_slot("requested_slot") is None and tracker.get_slot(CLASS) is None:
            view = await account_view(tracker)
            class_ids = {s.class_id for s in view.students}
            if len(class_ids) == 1:  # default: the linked student's class
                return {CLASS: view.students[0].class_name}
        return {}

    async def validate_incident_class(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        text = str(value or "")
        if is_cancel(text):
            return _stop()
        view = await account_view(tracker)
        found = await db(classes_for_report, view, text)
        if found is ClassProblem.NOT_FOUND:
            typed = " ".join(text.split())[:MAX_ECHO]
            say(dispatcher, "utter_incident_class_not_found", view, class_typed=typed)
            return {CLASS: None}
        if found is ClassProblem.NOT_ALLOWED:
            say(dispatcher, "utter_incident_class_not_allowed", view)
            return {CLASS: None}
        chosen = {CLASS: str(found[0].class_id)}
        return chosen if view.linked else {**chosen, CONFIRMED: None}

    async def extract_incident_class_confirmed(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        return {CONFIRMED: user_text(tracker)} if _asked(tracker, CONFIRMED) else {}

    async def validate_incident_class_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        text = str(value or "")
        answer = fold(text).strip(" .!")
        agreed = answer in YES and "dừng" not in text.lower()  # "đúng" and "dừng" both fold to "dung"
        choices = await _class_choices(tracker)
        chosen = next((c for c in choices if fold(c.label) == answer), None)
        if chosen is None and agreed and len(choices) == 1:
            chosen = choices[0]
        if chosen is not None:
            return {CLASS: str(chosen.class_id), CONFIRMED: str(chosen.class_id)}
        if is_cancel(text):
            return _stop()
        if answer in NO:
            return {CLASS: None, CONFIRMED: None}  # the class is asked again
        say(dispatcher, "utter_incident_pick_listed_class", await account_view(tracker))
        return {CONFIRMED: None}

    async def extract_incident_time(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        if not _asked(tracker, TIME):
            return {}
        text = user_text(tracker)
        answered = isinstance(await off_loop(parse_when, text, now()), When)
        return {} if not answered and _digression(tracker) else {TIME: text}

    async def validate_incident_time(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        text = str(value or "")
        if is_cancel(text):
            return _stop()
        when = await off_loop(parse_when, text, now())
        if isinstance(when, When):
            return {TIME: when.at.isoformat(), TIME_LABEL: when.label}
        say(dispatcher, TIME_PROBLEMS[when], await account_view(tracker))
        return {TIME: None}

    async def extract_incident_description(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        return {DESCRIPTION: user_text(tracker)} if _asked(tracker, DESCRIPTION) else {}

    def validate_incident_description(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        text = str(value or "").strip()
        if is_cancel(text):
            return _stop()
        if text.lower().strip(" .!") in NO_MORE:
            text = ""
        return {DESCRIPTION: text[: incidents.MAX_DESCRIPTION]}


async def _class_choices(tracker: Tracker) -> list[ClassChoice]:
    """Every class named like the one chosen, one per school, for an unlinked account."""
    chosen = tracker.get_slot(CLASS)
    if not chosen or not str(chosen).isdigit():
        return []
    return await db(_same_name_classes, int(chosen))


def _same_name_classes(session: Session, class_id: int) -> list[ClassChoice]:
    school_class = session.get(SchoolClass, class_id)
    if school_class is None:
        return []
    found = classes_for_report(session, AccountView(), school_class.name)
    return [] if isinstance(found, ClassProblem) else found


class ActionAskIncidentClassConfirmed(SafeAction):
    """Asks an unlinked account to confirm the class, with its school's name."""

    def name(self) -> str:
        return "action_ask_incident_class_confirmed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        view = await account_view(tracker)
        choices = await _class_choices(tracker)
        if len(choices) == 1:  # "Đúng", "Không phải" and "Dừng báo cáo" come with the response
            (choice,) = choices
            say(dispatcher, "utter_incident_confirm_class", view, class_name=choice.class_name,
                school_name=choice.school_name)
        else:
            buttons = [{"title": c.label, "payload": c.label} for c in choices]
            say(dispatcher, "utter_incident_choose_school", view, buttons=buttons)
        return []


class ActionAskIncidentClass(SafeAction):
    """Asks which class, offering the account's classes as buttons."""

    def name(self) -> str:
        return "action_ask_incident_class"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        view = await account_view(tracker)
        buttons = [
            {"title": f"Lớp {s.class_name} (em {s.full_name})", "payload": f"lớp {s.class_name}"}
            for s in view.students
        ]
        say(dispatcher, "utter_incident_which_class", view, buttons=buttons)
        return []


def say_too_many_reports(dispatcher: CollectingDispatcher, view: AccountView) -> None:
    """The account's hourly number of reports is reached (incidents and scams alike)."""
    limit = get_settings().incident_reports_per_account_per_hour
    say(dispatcher, "utter_report_too_many", view, limit=limit)


def _receipt_values(outcome: IncidentOutcome, kind: IncidentKind) -> dict[str, str]:
    """The values of the receipt responses: reference, kind, class and (held) release time."""
    values = {
        "reference": outcome.reference or "", "kind": KIND_LABELS[kind].lower(),
        "class_name": outcome.class_name or "",
    }
    if outcome.held_until is not None:
        values["at"] = f"{outcome.held_until.astimezone(TIMEZONE):%H:%M}"
    return values


class ActionSubmitIncident(SafeAction):
    def name(self) -> str:
        return "action_submit_incident"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        reset = [SlotSet(slot, None) for slot in FORM_SLOTS]
        values = {slot: tracker.get_slot(slot) for slot in FORM_SLOTS}
        view = await account_view(tracker)
        missing = any(values[slot] is None for slot in (KIND, CLASS, TIME, DESCRIPTION))
        unconfirmed = not view.linked and values[CONFIRMED] != values[CLASS]
        if missing or unconfirmed:
            say(dispatcher, "utter_incident_stopped", view)
            return reset
        channel, external_id = sender(tracker)
        kind = IncidentKind(values[KIND])
        outcome = await db(
            incidents.report_incident,
            channel=channel,
            external_id=external_id,
            kind=kind,
            class_id=int(values[CLASS]),
            occurred_at=datetime.fromisoformat(values[TIME]),
            description=values[DESCRIPTION],
            time_label=values[TIME_LABEL],
            now=now(),
        )
        if outcome.status is ReportStatus.TOO_MANY:
            say_too_many_reports(dispatcher, view)
            return reset
        say(dispatcher, RECEIPTS[outcome.status], view, **_receipt_values(outcome, kind))
        say(dispatcher, ADVICE.get(kind, OTHER_ADVICE), view)
        say(dispatcher, "utter_incident_reporter_will_hear", view, reference=outcome.reference or "")
        return reset
