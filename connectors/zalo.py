"""Zalo Official Account (API v3) input channel for Rasa.

Webhook: ``POST /webhooks/zalo/webhook``. Zalo signs each event with
``X-ZEvent-Signature: mac=<sha256_hex(app_id + raw body + timestamp + OA secret key)>``; events
with a wrong or missing signature are refused (403), and so are signed events whose timestamp
is more than ``ZALO_EVENT_MAX_AGE_SECONDS`` (5 minutes) away from now: a captured event cannot be
replayed once its id has been purged from ``processed_events``. A valid event is acknowledged at
once (Zalo retries slow webhooks) and handled in the background, once per ``message.msg_id``.
Group events (``user_send_group_*``) are ignored: only private conversations reach Rasa.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from typing import Any

from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.exc import SQLAlchemyError

from chatbot.channels import make_sender_id
from chatbot.delivery.zalo_follow import record_follow_event
from chatbot.replies import TEXT_ONLY, reply_message
from chatbot.settings import ZALO_REQUIRED
from connectors.config import ZaloConfig, zalo_config
from connectors.outputs import SenderOutputChannel
from connectors.webhook import (
    Deliver,
    SenderInputChannel,
    bad_request,
    forbidden,
    handle_once,
    not_configured,
    parse_json_object,
    record_inbound,
    refuse_long_message,
    secrets_match,
    too_long,
)
from connectors.zalo_sender import ZALO_CHOICES, ZaloSender

logger = logging.getLogger(__name__)

CHANNEL = "zalo"
SIGNATURE_HEADER = "X-ZEvent-Signature"
TEXT_EVENT = "user_send_text"
FOLLOW_EVENT = "follow"
UNFOLLOW_EVENT = "unfollow"
NON_TEXT_EVENTS = frozenset(
    {
        "user_send_image", "user_send_gif", "user_send_sticker", "user_send_audio",
        "user_send_video", "user_send_file", "user_send_location", "user_send_link",
        "user_send_business_card",
    }
)


class ZaloOutput(SenderOutputChannel):
    """Rasa's replies to Zalo: button templates or numbered options, 2,000-character chunks."""

    channel_name = CHANNEL


def signature(config: ZaloConfig, body: bytes, timestamp: str) -> str:
    """The hex MAC Zalo sends for ``body`` (without the ``mac=`` prefix)."""
    material = config.app_id.encode() + body + timestamp.encode() + config.oa_secret_key.encode()
    return hashlib.sha256(material).hexdigest()


def signature_valid(config: ZaloConfig, body: bytes, timestamp: str, header: str | None) -> bool:
    given = (header or "").strip()
    if given.lower().startswith("mac="):
        given = given[4:].strip()
    return secrets_match(given.lower(), signature(config, body, timestamp))


def timestamp_fresh(timestamp: str, max_age_seconds: float, now: float | None = None) -> bool:
    """Whether an event's ``timestamp`` (Unix milliseconds) lies within ``max_age_seconds`` of
    now, in the past or (clock skew) the future."""
    try:
        sent = int(timestamp) / 1000
    except ValueError:
        return False
    now = time.time() if now is None else now
    return abs(now - sent) <= max_age_seconds


def _user_id(event: dict[str, Any], key: str) -> str | None:
    party = event.get(key)
    user_id = party.get("id") if isinstance(party, dict) else None
    return str(user_id) if user_id else None


class ZaloEventHandler:
    """Handles one verified Zalo OA event: to Rasa, a direct reply, or nothing."""

    def __init__(self, sender: ZaloSender, deliver: Deliver) -> None:
        self.sender = sender
        self.deliver = deliver
        self.max_chars = sender.config.max_message_chars

    async def handle(self, event: dict[str, Any]) -> str:
        name = str(event.get("event_name") or "")
        message = event.get("message") if isinstance(event.get("message"), dict) else {}
        if name == FOLLOW_EVENT:
            user_id = _user_id(event, "follower")
            if user_id is None:
                return "ignored"
            key = f"follow:{user_id}:{event.get('timestamp')}"
            return await handle_once(CHANNEL, key, lambda: self._follow(user_id))
        if name == UNFOLLOW_EVENT:
            user_id = _user_id(event, "follower")
            if user_id is not None:
                await _record_follow(user_id, False)
            return "unfollow" if user_id is not None else "ignored"
        if name != TEXT_EVENT and name not in NON_TEXT_EVENTS:
            logger.debug("zalo event ignored: %s", name or "unnamed")
            return "ignored"
        user_id = _user_id(event, "sender")
        if user_id is None:
            return "ignored"
        msg_id = message.get("msg_id")
        if not msg_id:
            return await self._message(name, user_id, message)
        outcome = await handle_once(CHANNEL, str(msg_id), lambda: self._message(name, user_id, message))
        if outcome in ("duplicate", "in_progress"):
            logger.info("zalo event %s: repeated delivery skipped", name)
        return outcome

    async def _follow(self, user_id: str) -> str:
        await record_inbound(CHANNEL, user_id)
        await _record_follow(user_id, True)
        await self.deliver(make_sender_id(CHANNEL, user_id), "/greet", {"zalo": {"event": FOLLOW_EVENT}})
        return "follow"

    async def _message(self, name: str, user_id: str, message: dict[str, Any]) -> str:
        await record_inbound(CHANNEL, user_id)
        if name in NON_TEXT_EVENTS:
            await self.sender.send(user_id, reply_message(TEXT_ONLY, CHANNEL))
            return "unsupported"
        text = str(message.get("text") or "")
        if not text.strip():
            return "ignored"
        if too_long(text, self.max_chars):
            return await refuse_long_message(self.sender, user_id, self.max_chars)
        text = await ZALO_CHOICES.resolve(user_id, text) or text
        await self.deliver(make_sender_id(CHANNEL, user_id), text, {"zalo": {"event": name}})
        return "message"


class ZaloInput(SenderInputChannel[ZaloConfig, ZaloSender]):
    """The Rasa input channel; without the app id, app secret and OA secret key its webhook
    answers 503 "channel not configured"."""

    channel = CHANNEL
    output_type = ZaloOutput
    sender_type = ZaloSender
    load_config = staticmethod(zalo_config)
    webhook_variables = ZALO_REQUIRED

    async def receive(self, request: Request, deliver: Deliver) -> HTTPResponse:
        if self.config is None:
            return not_configured(CHANNEL)
        body = request.body or b""
        event = parse_json_object(body)
        if event is None:
            return bad_request(CHANNEL)
        header = request.headers.get(SIGNATURE_HEADER)
        timestamp = str(event.get("timestamp", ""))
        if not signature_valid(self.config, body, timestamp, header):
            return forbidden(CHANNEL, "missing signature" if not header else "bad signature")
        if not timestamp_fresh(timestamp, self.config.event_max_age_seconds):
            return forbidden(CHANNEL, "event timestamp outside the accepted window")
        return self.accept_in_background(
            lambda: ZaloEventHandler(self.sender, deliver).handle(event)
        )


async def _record_follow(user_id: str, following: bool) -> None:
    """Keep the follow state the route planner reads; a database failure is logged only."""
    try:
        await asyncio.to_thread(record_follow_event, user_id, following)
    except SQLAlchemyError as exc:
        logger.warning("zalo follow state not recorded (%s)", type(exc).__name__)
