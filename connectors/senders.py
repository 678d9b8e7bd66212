"""One :class:`~chatbot.delivery.outbound.Sender` per configured channel.

Built by the commands that send (``cli.senders``) and handed to the delivery worker. Senders do
not throttle: the delivery worker paces them; they report 429s as ``retry_after``.
"""

from __future__ import annotations

import logging

from sqlalchemy.exc import SQLAlchemyError

from chatbot.channels import school_lane
from chatbot.delivery.outbound import Sender
from chatbot.secretbox import SecretsKeyError
from connectors.config import telegram_config, zalo_bot_config, zalo_config
from connectors.school_bots import school_configs

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
    senders.update(build_school_senders())
    logger.info("senders configured: %d", len(senders))
    return senders


def sender_of(channel: str, config: object) -> Sender:
    """A sender of ``channel`` talking with the bot of ``config``."""
    if channel == "telegram":
        from connectors.telegram_sender import TelegramSender

        return TelegramSender(config)  # type: ignore[arg-type]
    if channel == "zalo":
        from connectors.zalo_sender import ZaloSender

        return ZaloSender(config)  # type: ignore[arg-type]
    from connectors.zalo_bot_sender import ZaloBotSender

    return ZaloBotSender(config)  # type: ignore[arg-type]


def build_school_senders() -> dict[str, Sender]:
    """A sender per school's own bot, keyed by lane (``telegram:<SCHOOL>``).

    If the stored settings cannot be read (``CHANNEL_SECRETS_KEY`` unset or another key) the
    schools' bots are left out and said so; the deployment's own bots still send.
    """
    try:
        configs = school_configs()
    except SecretsKeyError as exc:
        logger.error("schools' own bots are off: %s", exc)
        return {}
    except SQLAlchemyError as exc:
        logger.error("schools' own bots are off: their settings cannot be read (%s)", type(exc).__name__)
        return {}
    return {school_lane(channel, school): sender_of(channel, config) for school, channel, config in configs}
