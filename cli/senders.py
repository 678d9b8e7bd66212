"""The channels' senders for the commands that send (``chatbot worker``, ``chatbot broadcast``,
``chatbot zalo send-invites``).

The core (``chatbot.delivery``) takes its senders as an argument; the CLI, which stands above
both the core and ``connectors``, builds them. The import sits in the function so that the
other commands start without loading the channel libraries.
"""

from __future__ import annotations

from chatbot.delivery.outbound import Sender


def channel_senders() -> dict[str, Sender]:
    """One sender per configured channel and per school's own bot, keyed by lane."""
    from connectors.senders import build_senders

    return dict(build_senders())
