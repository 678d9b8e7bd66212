"""Group chats: never linked to students, never passed to Rasa; pointed to a private chat.

A group is not one family: whatever the assistant says there (a student's display name, the
class's meeting details) would reach everyone in it, and a code typed there would link the whole
group. So a message addressed to the assistant in a group gets one short reply that points to a
private chat, at most once per person per group every ten minutes; everything else said in a
group is ignored.
"""

from __future__ import annotations

from chatbot.throttle import OncePer

POINTER_INTERVAL_SECONDS = 600.0

GROUP_POINTERS = OncePer(POINTER_INTERVAL_SECONDS)
"""Keys are ``(channel, group id, person id)``; shared by the Telegram and Zalo Bot channels."""
