"""The channels' senders for the commands that send (``chatbot worker``, ``chatbot broadcast``).

The CLI stands above the core and ``connectors``, so it imports the senders' factory plainly
(when a command needs it, so that other commands start without the channel libraries).
``CHATBOT_SENDERS`` ("module:factory") still overrides it.
"""

from __future__ import annotations

from chatbot.delivery.outbound import Sender, load_senders


def channel_senders() -> dict[str, Sender]:
    from connectors.senders import build_senders

    return load_senders(build_senders)
