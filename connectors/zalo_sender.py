"""Sending to Zalo OA users with the v3 customer-service message API.

``POST {ZALO_API_BASE_URL}/v3.0/oa/message/cs`` with the ``access_token`` header. Zalo answers
HTTP 200 with ``{"error": <code>, "message": ...}``; the codes are mapped to
:class:`SendResult` values and logged by number, never with the message text.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import httpx

from chatbot.delivery.outbound import Button, OutboundMessage, SendResult
from connectors.config import ZaloConfig, quiet_http_loggers
from connectors.text import NumberedChoices, numbered_text, split_text
from connectors.zalo_tokens import TokenState, TokenStore, TokenUnavailable, ZaloTokenManager

logger = logging.getLogger(__name__)

CHANNEL = "zalo"
TEXT_LIMIT = 2000
MAX_BUTTONS = 5
BUTTON_TITLE_LIMIT = 100
BUTTON_PAYLOAD_LIMIT = 1000
TOKEN_ERRORS = frozenset({-216, -220, -124})
PERMANENT_ERRORS = {  # the account cannot be reached until the person writes again
    -213: "user is not following the OA",
    -227: "user account is banned or inactive",
}
UNDELIVERABLE_ERRORS = {  # this message fails; the account stays active
    -217: "user has blocked messages from the OA",
    -230: "outside the 7-day messaging window",
    -232: "user has not interacted with the OA",
    -244: "user has restricted messages from the OA",
}
CHANNEL_QUOTA_ERRORS = {  # the whole OA has to wait
    -211: "OA message quota exceeded",
    -224: "OA tier quota exceeded",
}
RECIPIENT_QUOTA_ERRORS = {  # only this recipient has to wait
    -218: "user's message quota from the OA exceeded",
}
QUOTA_RETRY_SECONDS = 3600.0
RATE_LIMIT_ERRORS = frozenset({-32})

ZALO_CHOICES = NumberedChoices(CHANNEL)


def result_for(code: int) -> SendResult:
    """Map a Zalo error code to a :class:`SendResult`."""
    if code == 0:
        return SendResult.delivered()
    if code in PERMANENT_ERRORS:
        return SendResult(ok=False, permanent=True, error=f"zalo {code}: {PERMANENT_ERRORS[code]}")
    if code in UNDELIVERABLE_ERRORS:
        return SendResult(
            ok=False, undeliverable=True, error=f"zalo {code}: {UNDELIVERABLE_ERRORS[code]}"
        )
    if code in CHANNEL_QUOTA_ERRORS:
        return SendResult(
            ok=False, retry_after=QUOTA_RETRY_SECONDS, error=f"zalo {code}: {CHANNEL_QUOTA_ERRORS[code]}"
        )
    if code in RECIPIENT_QUOTA_ERRORS:
        return SendResult(
            ok=False, retry_after=QUOTA_RETRY_SECONDS, recipient_only=True,
            error=f"zalo {code}: {RECIPIENT_QUOTA_ERRORS[code]}",
        )
    if code in RATE_LIMIT_ERRORS:
        return SendResult(ok=False, retry_after=60.0, error=f"zalo {code}: rate limited")
    if code in TOKEN_ERRORS:
        return SendResult(ok=False, error=f"zalo {code}: access token invalid or expired")
    return SendResult(ok=False, error=f"zalo {code}: request refused")


def buttons_fit(buttons: Sequence[Button]) -> bool:
    """Whether Zalo's button template can carry ``buttons`` as they are."""
    return 0 < len(buttons) <= MAX_BUTTONS and all(
        len(b.title) <= BUTTON_TITLE_LIMIT and len(b.payload) <= BUTTON_PAYLOAD_LIMIT
        for b in buttons
    )


def button_template(buttons: Sequence[Button]) -> dict[str, Any]:
    """A ``template`` attachment; tapping a button sends its payload as the user's message."""
    actions = []
    for button in buttons:
        if button.payload.startswith(("https://", "http://")):
            actions.append(
                {"title": button.title, "type": "oa.open.url", "payload": {"url": button.payload}}
            )
        else:
            actions.append({"title": button.title, "type": "oa.query.show", "payload": button.payload})
    return {"type": "template", "payload": {"buttons": actions}}


def message_bodies(message: OutboundMessage) -> list[dict[str, Any]]:
    """The ``message`` objects to send: text chunks, buttons on the last one or as numbers."""
    buttons = message.buttons
    with_template = buttons_fit(buttons)
    text = message.text
    if buttons and not with_template:
        text = numbered_text(text, buttons)
    bodies: list[dict[str, Any]] = [{"text": chunk} for chunk in split_text(text, TEXT_LIMIT)]
    if not bodies:
        bodies = [{"text": "…"}]
    if with_template:
        bodies[-1]["attachment"] = button_template(buttons)
    return bodies


class ZaloSender:
    """Implements :class:`chatbot.delivery.outbound.Sender` for Zalo OA."""

    channel = CHANNEL

    def __init__(self, config: ZaloConfig, timeout: float = 15.0) -> None:
        quiet_http_loggers()
        self.config = config
        self._client = httpx.AsyncClient(timeout=timeout)
        self.tokens = ZaloTokenManager(config, self._client, TokenStore(config.token_key))

    async def send(self, external_id: str, message: OutboundMessage) -> SendResult:
        bodies = message_bodies(message)
        if message.buttons and not buttons_fit(message.buttons):
            await ZALO_CHOICES.remember(external_id, message.buttons)
        for index in range(message.first_chunk, len(bodies)):
            result = await self._deliver(external_id, bodies[index])
            if not result.ok:
                return replace(result, chunks_sent=index)
        return SendResult.delivered(len(bodies))

    async def _deliver(self, user_id: str, body: dict[str, Any]) -> SendResult:
        try:
            state = await self.tokens.current()
            result, code = await self._post(state, user_id, body)
            if code in TOKEN_ERRORS:
                state = await self.tokens.refresh(state)
                result, code = await self._post(state, user_id, body)
        except TokenUnavailable as exc:
            logger.error("zalo send skipped: %s", exc)
            return SendResult(ok=False, error="zalo access token unavailable")
        if not result.ok:
            logger.warning("zalo send failed: %s", result.error)
        return result

    async def _post(
        self, state: TokenState, user_id: str, body: dict[str, Any]
    ) -> tuple[SendResult, int | None]:
        url = f"{self.config.api_base_url}/v3.0/oa/message/cs"
        payload = {"recipient": {"user_id": user_id}, "message": body}
        try:
            reply = await self._client.post(
                url, json=payload, headers={"access_token": state.access_token}
            )
        except httpx.HTTPError as exc:
            return SendResult(ok=False, error=f"network error ({type(exc).__name__})"), None
        if reply.status_code == 429:
            return SendResult(ok=False, retry_after=60.0, error="HTTP 429"), None
        if reply.status_code >= 500:
            return SendResult(ok=False, error=f"HTTP {reply.status_code}"), None
        try:
            data = reply.json()
            code = int(data.get("error", -1))
        except (ValueError, TypeError, AttributeError):
            return SendResult(ok=False, error=f"unreadable answer (HTTP {reply.status_code})"), None
        return result_for(code), code

    async def aclose(self) -> None:
        await self._client.aclose()
