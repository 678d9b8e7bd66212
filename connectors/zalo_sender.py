"""Sending to Zalo OA followers: consultation messages inside the 7-day window, transaction
messages outside it (route ``zalo_transaction``, built from the notice's template).

Shapes and error codes come from :mod:`connectors.zalo_api`. Zalo answers HTTP 200 with
``{"error": <code>, "message": ...}``; the codes are mapped to :class:`SendResult` values and
logged by number, never with the message text. Before transaction messages the OA's quota is
read (again every few minutes, or when the last reading is used up).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import httpx

from chatbot.delivery.outbound import Button, OutboundMessage, SendResult
from connectors import zalo_api
from connectors.config import ZaloConfig, quiet_http_loggers
from connectors.text import NumberedChoices, numbered_text, split_text
from connectors.zalo_api import Decision
from connectors.zalo_tokens import TokenState, TokenStore, TokenUnavailable, ZaloTokenManager

logger = logging.getLogger(__name__)

CHANNEL = "zalo"
TEXT_LIMIT = 2000
MAX_BUTTONS = 5
BUTTON_TITLE_LIMIT = 100
BUTTON_PAYLOAD_LIMIT = 1000
QUOTA_STALE_SECONDS = 300.0

ZALO_CHOICES = NumberedChoices(CHANNEL)


def result_for(code: int, *, zns: bool = False) -> SendResult:
    """Map a Zalo error code to a :class:`SendResult` through :data:`zalo_api.ERRORS`."""
    if code == 0:
        return SendResult.delivered()
    rule = zalo_api.rule_for(code, zns=zns)
    error = f"{'zns' if zns else 'zalo'} {code}: {rule.reason}"
    if rule.decision is Decision.FALL_THROUGH:
        return SendResult(ok=False, fall_through=True, unfollowed=rule.unfollowed, error=error)
    if rule.decision is Decision.GIVE_UP:
        return SendResult(ok=False, give_up=True, template_rejected=rule.template, error=error)
    if rule.recipient_wait is not None:
        return SendResult(ok=False, retry_after=rule.recipient_wait, recipient_only=True, error=error)
    return SendResult(ok=False, retry_after=rule.wait, paid_stop=rule.paid_stop, error=error)


def is_token_error(code: int | None, *, zns: bool = False) -> bool:
    return code is not None and code != 0 and zalo_api.rule_for(code, zns=zns).refresh_token


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


def transaction_body(user_id: str, message: OutboundMessage) -> dict[str, Any]:
    """The transaction payload: the template's first parameter is the header, the second the
    text, the others rows of the table; buttons that fit become query buttons."""
    template = message.template
    assert template is not None
    values = list(template.params)
    header = values[0][1] if values else ""
    text = values[1][1] if len(values) > 1 else message.text
    rows = [(name, value) for name, value in values[2:]]
    buttons = [(b.title, b.payload) for b in message.buttons] if buttons_fit(message.buttons) else []
    return zalo_api.transaction_payload(user_id, template.template_id, header, text, rows, buttons)


class ZaloSender:
    """Implements :class:`chatbot.delivery.outbound.Sender` for Zalo OA."""

    channel = CHANNEL

    def __init__(self, config: ZaloConfig, timeout: float = 15.0) -> None:
        quiet_http_loggers()
        self.config = config
        self._client = httpx.AsyncClient(timeout=timeout)
        self.tokens = ZaloTokenManager(config, self._client, TokenStore(config.token_key))
        self._quota: int | None = None
        self._quota_read_at = 0.0

    async def send(self, external_id: str, message: OutboundMessage) -> SendResult:
        if message.route == "zalo_transaction":
            if message.template is None:
                return SendResult(ok=False, fall_through=True, error="no transaction template")
            if not await self._quota_left():
                return SendResult(ok=False, retry_after=zalo_api.HOUR, error="zalo OA quota used up")
            result = await self._deliver(
                zalo_api.TRANSACTION_PATH, transaction_body(external_id, message)
            )
            if result.ok and self._quota is not None:
                self._quota -= 1
            return result
        bodies = message_bodies(message)
        if message.buttons and not buttons_fit(message.buttons):
            await ZALO_CHOICES.remember(external_id, message.buttons)
        for index in range(message.first_chunk, len(bodies)):
            payload = zalo_api.cs_payload(external_id, bodies[index])
            result = await self._deliver(zalo_api.CS_PATH, payload)
            if not result.ok:
                return replace(result, chunks_sent=index)
        return SendResult.delivered(len(bodies))

    async def _quota_left(self) -> bool:
        """Read the OA's transaction quota when unknown, stale or used up; False when it is 0."""
        now = time.monotonic()
        if self._quota is None or self._quota <= 0 or now - self._quota_read_at > QUOTA_STALE_SECONDS:
            try:
                state = await self.tokens.current()
                reply = await self._client.post(
                    f"{self.config.api_base_url}{zalo_api.OA_QUOTA_PATH}",
                    json=zalo_api.oa_quota_payload("transaction"),
                    headers={"access_token": state.access_token},
                )
                self._quota = zalo_api.oa_quota_remaining(reply.json())
            except (httpx.HTTPError, ValueError, TokenUnavailable):
                self._quota = None  # unknown: send and let Zalo answer
            self._quota_read_at = now
            if self._quota is not None:
                logger.info("zalo OA transaction quota left: %d", self._quota)
        return self._quota is None or self._quota > 0

    async def _deliver(self, path: str, payload: dict[str, Any]) -> SendResult:
        try:
            state = await self.tokens.current()
            result, code = await self._post(state, path, payload)
            if is_token_error(code):
                state = await self.tokens.refresh(state)
                result, code = await self._post(state, path, payload)
        except TokenUnavailable as exc:
            logger.error("zalo send skipped: %s", exc)
            return SendResult(ok=False, error="zalo access token unavailable")
        if not result.ok:
            logger.warning("zalo send failed: %s", result.error)
        return result

    async def _post(
        self, state: TokenState, path: str, payload: dict[str, Any]
    ) -> tuple[SendResult, int | None]:
        return await post_json(
            self._client, f"{self.config.api_base_url}{path}", payload, state.access_token
        )

    async def aclose(self) -> None:
        await self._client.aclose()


async def post_json(
    client: httpx.AsyncClient, url: str, payload: dict[str, Any], access_token: str, *, zns: bool = False
) -> tuple[SendResult, int | None]:
    """POST a Zalo request; the result and Zalo's error code (None when there was none)."""
    try:
        reply = await client.post(url, json=payload, headers={"access_token": access_token})
    except httpx.HTTPError as exc:
        return SendResult(ok=False, error=f"network error ({type(exc).__name__})"), None
    if reply.status_code == 429:
        return SendResult(ok=False, retry_after=60.0, error="HTTP 429"), None
    if reply.status_code >= 500:
        return SendResult(ok=False, error=f"HTTP {reply.status_code}"), None
    try:
        code = zalo_api.error_code(reply.json())
    except ValueError:
        code = None
    if code is None:
        return SendResult(ok=False, error=f"unreadable answer (HTTP {reply.status_code})"), None
    return result_for(code, zns=zns), code
