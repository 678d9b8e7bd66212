"""A teacher or staff member asks for the web app ("đăng nhập web"): a one-time sign-in link.

The link is sent only to a chat account already linked to a staff member by a teacher's
invite code, so whoever holds that chat is the teacher; it works once, for a few minutes.
The link and the disabled-account reply address the staff member in their own role, even
when the account also has children linked (chatbot/domain/web.yml).
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import account_view, db, say
from actions.guard import SafeAction
from chatbot.db.models import StaffRole
from chatbot.reply_roles import ROLE_SLOT
from chatbot.school.staff_accounts import sign_in_link_for_staff
from chatbot.settings import get_settings


class ActionWebLogin(SafeAction):
    def name(self) -> str:
        return "action_web_login"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        view = await account_view(tracker)
        if view.staff is None:
            say(dispatcher, "utter_web_login_not_staff", view)
            return []
        role = {ROLE_SLOT: "staff" if view.staff.role is StaffRole.STAFF else "teacher"}
        url = await db(sign_in_link_for_staff, view.staff.staff_member_id)
        if url is None:
            dispatcher.utter_message(response="utter_web_login_disabled", **role)
            return []
        minutes = get_settings().web_sign_in_link_minutes
        dispatcher.utter_message(response="utter_web_login_link", minutes=minutes, url=url, **role)
        return []
