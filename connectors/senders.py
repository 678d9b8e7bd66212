"""One :class:`~chatbot.delivery.outbound.Sender` per configured channel.

Loaded by ``chatbot.delivery.outbound.load_senders`` (``CHATBOT_SENDERS`` default). Senders do
not throttle: the delivery worker paces them; they report 429s as ``retry_after``.
"""

from __future__ import annotations

import logging

from chatbot.delivery.outbound import Sender
from connectors.config import telegram_config, zalo_bot_config, zalo_config

logger = logging.getLogger(__name__)


def build_senders() -> dict[str, Sender]:
    """``{"telegram": …, "zalo": …, "zns": …, "zalo_bot": …}`` for the channels whose variables
    are set (ZNS goes through the Zalo OA's app and tokens)."""
    senders: dict[str, Sender] = {}
    telegram = telegram_config()
    if telegram is not None:
        from connectors.telegram_sender import TelegramSender

        senders["telegram"] = TelegramSender(telegram)
    zalo = zalo_config()
    if zalo is not None:
        from connectors.zalo_sender import ZaloSender
        from connectors.zalo_zns import ZnsSender

        senders["zalo"] = ZaloSender(zalo)
        senders["zns"] = ZnsSender(zalo)
    zalo_bot = zalo_bot_config()
    if zalo_bot is not None:
        from connectors.zalo_bot_sender import ZaloBotSender

        senders["zalo_bot"] = ZaloBotSender(zalo_bot)
    logger.info("senders configured: %s", ", ".join(sorted(senders)) or "none")
    return senders
