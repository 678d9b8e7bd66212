"""A family's phone numbers and ZNS in chat: confirming the roster number after linking, and
saying that the family wants no ZNS (or wants it again). Thin over chatbot.school.phone_consent;
the replies are domain responses (chatbot/domain/zalo.yml)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import account_view, db, entity_id, now, say, sender
from actions.guard import SafeAction
from chatbot.school.accounts import AccountView
from chatbot.school.phone_consent import confirm_phone, phone_to_confirm, set_zns_choice


async def ask_phone(dispatcher: CollectingDispatcher, tracker: Tracker, view: AccountView) -> None:
    """After linking: ask whether the roster's number is this parent's (buttons)."""
    channel, external_id = sender(tracker)
    question = await db(phone_to_confirm, channel, external_id)
    if question is None:
        return
    say(dispatcher, "utter_zns_ask_phone", view, masked=question.masked, phone_id=str(question.phone_id))


class ActionPhoneConfirm(SafeAction):
    def name(self) -> str:
        return "action_phone_confirm"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        phone_id = entity_id(tracker, "phone_id")
        channel, external_id = sender(tracker)
        view = await account_view(tracker)
        if phone_id is None:  # typed rather than pressed: the button names the number
            say(dispatcher, "utter_zns_press_the_button", view)
            return []
        shown = await db(confirm_phone, channel, external_id, phone_id, now())
        if shown is None:
            say(dispatcher, "utter_zns_phone_not_found", view)
            return []
        say(dispatcher, "utter_zns_phone_confirmed", view, shown=shown)
        return []


class ActionPhoneDeny(SafeAction):
    def name(self) -> str:
        return "action_phone_deny"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        say(dispatcher, "utter_zns_phone_denied", await account_view(tracker))
        return []


async def _zns_choice(dispatcher: CollectingDispatcher, tracker: Tracker, wants_zns: bool) -> None:
    channel, external_id = sender(tracker)
    count = await db(set_zns_choice, channel, external_id, wants_zns, now())
    view = await account_view(tracker)
    if not count:
        say(dispatcher, "utter_zns_no_number", view)
    else:
        say(dispatcher, "utter_zns_opted_in" if wants_zns else "utter_zns_opted_out", view)


class ActionZnsOptOut(SafeAction):
    def name(self) -> str:
        return "action_zns_opt_out"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        await _zns_choice(dispatcher, tracker, wants_zns=False)
        return []


class ActionZnsOptIn(SafeAction):
    def name(self) -> str:
        return "action_zns_opt_in"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        await _zns_choice(dispatcher, tracker, wants_zns=True)
        return []
