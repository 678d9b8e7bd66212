"""Sending ZNS (Zalo Notification Service) messages to parents' phone numbers.

``POST {ZALO_ZNS_BASE_URL}/message/template`` with the OA's access token (the same token pair
as the OA, :mod:`connectors.zalo_tokens`), the phone in ``84…`` form, the approved template's
id and parameters, and the delivery id as ``tracking_id``. Before sending, the OA's daily ZNS
quota is read (again every few minutes, or when the last reading is used up). Shapes and
error codes: :mod:`connectors.zalo_api`. Numbers are never logged.
"""

from __future__ import annotations

import logging
import time

import httpx

from chatbot.delivery.outbound import OutboundMessage, SendResult
from connectors import zalo_api
from connectors.config import ZaloConfig, quiet_http_loggers
from connectors.zalo_sender import QUOTA_STALE_SECONDS, is_token_error, post_json
from connectors.zalo_tokens import TokenUnavailable, ZaloTokenManager

logger = logging.getLogger(__name__)

CHANNEL = "zns"


class ZnsSender:
    """Implements :class:`chatbot.delivery.outbound.Sender` for ZNS; ``external_id`` is the phone."""

    channel = CHANNEL

    def __init__(self, config: ZaloConfig, timeout: float = 15.0) -> None:
        quiet_http_loggers()
        self.config = config
        self._client = httpx.AsyncClient(timeout=timeout)
        self.tokens = ZaloTokenManager(config, self._client)
        self._quota: int | None = None
        self._quota_read_at = 0.0

    async def send(self, external_id: str, message: OutboundMessage) -> SendResult:
        template = message.template
        if template is None:
            return SendResult(ok=False, fall_through=True, error="no ZNS template")
        if not await self._quota_left():
            return SendResult(ok=False, retry_after=zalo_api.HOUR, error="ZNS daily quota used up")
        payload = zalo_api.zns_payload(
            external_id, template.template_id, dict(template.params), message.tracking_id or ""
        )
        url = f"{self.config.zns_base_url}{zalo_api.ZNS_PATH}"
        try:
            state = await self.tokens.current()
            result, code = await post_json(self._client, url, payload, state.access_token, zns=True)
            if is_token_error(code, zns=True):
                state = await self.tokens.refresh(state)
                result, code = await post_json(self._client, url, payload, state.access_token, zns=True)
        except TokenUnavailable as exc:
            logger.error("zns send skipped: %s", exc)
            return SendResult(ok=False, error="zalo access token unavailable")
        if result.ok and self._quota is not None:
            self._quota -= 1
        if not result.ok:
            logger.warning("zns send failed: %s", result.error)
        return result

    async def _quota_left(self) -> bool:
        now = time.monotonic()
        if self._quota is None or self._quota <= 0 or now - self._quota_read_at > QUOTA_STALE_SECONDS:
            try:
                state = await self.tokens.current()
                reply = await self._client.get(
                    f"{self.config.zns_base_url}{zalo_api.ZNS_QUOTA_PATH}",
                    headers={"access_token": state.access_token},
                )
                self._quota = zalo_api.zns_quota_remaining(reply.json())
            except (httpx.HTTPError, ValueError, TokenUnavailable):
                self._quota = None
            self._quota_read_at = now
            if self._quota is not None:
                logger.info("ZNS daily quota left: %d", self._quota)
        return self._quota is None or self._quota > 0

    async def aclose(self) -> None:
        await self._client.aclose()
