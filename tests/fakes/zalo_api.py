"""A fake Zalo OpenAPI on one server (point the OA, OAuth and ZNS base URLs at :attr:`url`):

- consultation messages (``/v3.0/oa/message/cs``): -213 to non-followers, -230 to a user whose
  last interaction (:meth:`interact`) is more than 7 days old;
- transaction messages (``/v3.0/oa/message/transaction``): followers only, any time; the
  payload is validated (template type, header, text and table limits); an OA quota;
- ZNS (``/message/template``): registered templates (:meth:`add_zns_template`) with their
  parameters and limits, phone numbers checked, a daily quota and a balance in VND;
- the quota endpoints (``/v3.0/oa/quota/message``, ``/message/quota``) and OAuth
  (``/v4/oa/access_token``).

Access tokens are checked (-216, ZNS -124) and refresh tokens rotate: each works once. Any
endpoint can be told to fail (:meth:`fail` with :func:`zalo_error`).
"""

from __future__ import annotations

import itertools
import re
import time
from collections import Counter
from typing import Any

from aiohttp import web

from tests.fakes.base import Failure, FakeServer, read_params

SEND = "message/cs"
TRANSACTION = "message/transaction"
ZNS = "message/template"
OAUTH = "access_token"
WINDOW_SECONDS = 7 * 24 * 3600
TRANSACTION_TYPES = {
    "transaction_billing", "transaction_order", "transaction_reward", "transaction_contract",
    "transaction_booking", "transaction_membership", "transaction_event", "transaction_transaction",
    "transaction_account", "transaction_internal", "transaction_partnership",
    "transaction_insurance", "transaction_education",
}
_ZNS_PHONE = re.compile(r"^84[35789][0-9]{8}$")


def zalo_error(
    code: int, message: str = "error", times: int = 1, delay: float = 0.0, after: int = 0
) -> Failure:
    """A :class:`Failure` the way Zalo answers errors: HTTP 200 with a negative ``error``."""
    return Failure(
        status=200, body={"error": code, "message": message}, times=times, delay=delay, after=after
    )


class FakeZaloAPI(FakeServer):
    def __init__(
        self,
        access_token: str = "access-0",
        refresh_token: str = "refresh-0",
        app_id: str = "1234567890",
        app_secret: str = "app-secret",
        expires_in: int = 90000,
        record_bodies: bool = True,
    ) -> None:
        super().__init__(record_bodies=record_bodies)
        self.app_id = app_id
        self.app_secret = app_secret
        self.expires_in = expires_in
        self.valid_access: set[str] = {access_token}
        self.valid_refresh: set[str] = {refresh_token}
        self.not_following: set[str] = set()
        self.user_errors: dict[str, int] = {}  # user id → the error code every send to them gets
        self.last_interaction: dict[str, float] = {}  # user id → epoch seconds (absent: unknown)
        self.oa_quota = 10_000  # transaction messages the OA may still send
        self.zns_templates: dict[str, dict[str, int]] = {}  # template id → {param: max length}
        self.zns_quota = 10_000
        self.zns_balance_vnd = 10_000_000
        self.zns_price_vnd = 300
        self.zns_no_account: set[str] = set()  # phones (84…) without a Zalo account
        self.zns_refused: set[str] = set()  # phones whose owner refused ZNS
        self.quota_reads: int = 0
        self.cs_failures: dict[str, list[int]] = {}  # user id → codes its next cs sends get
        self.accepted: Counter[str] = Counter()  # accepted sends per endpoint
        self.accepted_to: Counter[str] = Counter()  # accepted sends per user id or phone
        self._serial = itertools.count(1)
        self._token_serial = itertools.count(1)

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/v3.0/oa/message/cs", self._send)
        app.router.add_post("/v3.0/oa/message/transaction", self._transaction)
        app.router.add_post("/v3.0/oa/quota/message", self._oa_quota)
        app.router.add_post("/message/template", self._zns)
        app.router.add_get("/message/quota", self._zns_quota)
        app.router.add_post("/v4/oa/access_token", self._oauth)

    # -- state -------------------------------------------------------------------------------
    def interact(self, user_id: str, days_ago: float = 0.0) -> None:
        """``user_id`` wrote to the OA ``days_ago`` days ago (and follows it)."""
        self.last_interaction[user_id] = time.time() - days_ago * 86400
        self.not_following.discard(user_id)

    def unfollow(self, user_id: str) -> None:
        self.not_following.add(user_id)

    def add_zns_template(self, template_id: str, params: dict[str, int]) -> None:
        self.zns_templates[template_id] = dict(params)

    def transactions(self, user_id: str | None = None) -> list[dict[str, Any]]:
        """Transaction ``message`` objects accepted (to ``user_id``)."""
        return [
            r.params.get("message", {})
            for r in self.calls(TRANSACTION)
            if r.params.get("_accepted")
            and (user_id is None or r.params.get("recipient", {}).get("user_id") == user_id)
        ]

    def zns_sent(self, phone: str | None = None) -> list[dict[str, Any]]:
        """ZNS requests accepted (to ``phone``, ``84…``)."""
        return [
            r.params for r in self.calls(ZNS)
            if r.params.get("_accepted") and (phone is None or r.params.get("phone") == phone)
        ]

    def sent(self, user_id: str | None = None) -> list[dict[str, Any]]:
        """The ``message`` objects successfully or unsuccessfully posted (to ``user_id``)."""
        return [
            r.params.get("message", {})
            for r in self.calls(SEND)
            if user_id is None or r.params.get("recipient", {}).get("user_id") == user_id
        ]

    def revoke_access(self) -> None:
        self.valid_access.clear()

    async def _send(self, request: web.Request) -> web.Response:
        params = await read_params(request)
        self.record(request, SEND, params)
        if request.headers.get("access_token") not in self.valid_access:
            return web.json_response({"error": -216, "message": "Access token is invalid"})
        failure = await self.failure_response(SEND)
        if failure is not None:
            return failure
        user_id = str(params.get("recipient", {}).get("user_id", ""))
        if self.cs_failures.get(user_id):
            return web.json_response({"error": self.cs_failures[user_id].pop(0), "message": "failed"})
        if user_id in self.not_following:
            return web.json_response({"error": -213, "message": "User has not followed OA"})
        last = self.last_interaction.get(user_id)
        if last is not None and time.time() - last > WINDOW_SECONDS:
            return web.json_response({"error": -230, "message": "User has not interacted in 7 days"})
        if user_id in self.user_errors:
            return web.json_response({"error": self.user_errors[user_id], "message": "refused"})
        message = params.get("message") or {}
        if not message.get("text") or len(message["text"]) > 2000:
            return web.json_response({"error": -201, "message": "Parameters are invalid"})
        serial = next(self._serial)
        self.accepted[SEND] += 1
        self.accepted_to[user_id] += 1
        return web.json_response(
            {"error": 0, "message": "Success", "data": {"message_id": f"m{serial}", "user_id": user_id}}
        )

    def _token_ok(self, request: web.Request) -> bool:
        return request.headers.get("access_token") in self.valid_access

    async def _transaction(self, request: web.Request) -> web.Response:
        params = await read_params(request)
        self.record(request, TRANSACTION, params)
        if not self._token_ok(request):
            return web.json_response({"error": -216, "message": "Access token is invalid"})
        failure = await self.failure_response(TRANSACTION)
        if failure is not None:
            return failure
        user_id = str(params.get("recipient", {}).get("user_id", ""))
        if user_id in self.not_following:
            return web.json_response({"error": -213, "message": "User has not followed OA"})
        if user_id in self.user_errors:
            return web.json_response({"error": self.user_errors[user_id], "message": "refused"})
        problem = _transaction_problem(params.get("message"))
        if problem:
            return web.json_response({"error": -201, "message": problem})
        if self.oa_quota <= 0:
            return web.json_response({"error": -211, "message": "Out of quota"})
        self.oa_quota -= 1
        params["_accepted"] = True
        self.accepted[TRANSACTION] += 1
        self.accepted_to[user_id] += 1
        return web.json_response(
            {"error": 0, "message": "Success", "data": {"message_id": f"t{next(self._serial)}"}}
        )

    async def _oa_quota(self, request: web.Request) -> web.Response:
        params = await read_params(request)
        self.record(request, "quota/message", params)
        self.quota_reads += 1
        if not self._token_ok(request):
            return web.json_response({"error": -216, "message": "Access token is invalid"})
        return web.json_response({"error": 0, "data": {"remain": self.oa_quota, "total": 10_000}})

    async def _zns(self, request: web.Request) -> web.Response:
        params = await read_params(request)
        self.record(request, ZNS, params)
        if not self._token_ok(request):
            return web.json_response({"error": -124, "message": "Access token invalid"})
        failure = await self.failure_response(ZNS)
        if failure is not None:
            return failure
        phone = str(params.get("phone", ""))
        if not _ZNS_PHONE.match(phone):
            return web.json_response({"error": -108, "message": "Phone number invalid"})
        template = self.zns_templates.get(str(params.get("template_id", "")))
        if template is None:
            return web.json_response({"error": -109, "message": "Template ID invalid"})
        data = params.get("template_data")
        if not isinstance(data, dict) or not data:
            return web.json_response({"error": -111, "message": "Template data empty"})
        if set(data) != set(template) or any(
            not isinstance(v, str) or not v or len(v) > template[k] for k, v in data.items()
        ):
            return web.json_response({"error": -112, "message": "Template data invalid"})
        if phone in self.zns_no_account:
            return web.json_response({"error": -118, "message": "Zalo account not existed"})
        if phone in self.zns_refused:
            return web.json_response({"error": -139, "message": "User refused"})
        if self.zns_quota <= 0:
            return web.json_response({"error": -144, "message": "OA exceeded daily quota"})
        if self.zns_balance_vnd < self.zns_price_vnd:
            return web.json_response({"error": -115, "message": "Out of quota"})
        self.zns_quota -= 1
        self.zns_balance_vnd -= self.zns_price_vnd
        params["_accepted"] = True
        self.accepted[ZNS] += 1
        self.accepted_to[phone] += 1
        return web.json_response(
            {"error": 0, "message": "Success", "data": {"msg_id": f"z{next(self._serial)}"}}
        )

    async def _zns_quota(self, request: web.Request) -> web.Response:
        self.record(request, "message/quota", {})
        self.quota_reads += 1
        if not self._token_ok(request):
            return web.json_response({"error": -124, "message": "Access token invalid"})
        return web.json_response(
            {"error": 0, "data": {"dailyQuota": "10000", "remainingQuota": str(self.zns_quota)}}
        )

    async def _oauth(self, request: web.Request) -> web.Response:
        params = await read_params(request)
        params["secret_key"] = request.headers.get("secret_key", "")
        self.record(request, OAUTH, params)
        failure = await self.failure_response(OAUTH)
        if failure is not None:
            return failure
        refresh = params.get("refresh_token")
        if (
            params["secret_key"] != self.app_secret
            or params.get("app_id") != self.app_id
            or params.get("grant_type") != "refresh_token"
            or refresh not in self.valid_refresh
        ):
            return web.json_response(
                {"error": -14014, "error_name": "Invalid refresh token", "error_reason": "invalid"},
                status=400,
            )
        self.valid_refresh.discard(refresh)
        serial = next(self._token_serial)
        access, new_refresh = f"access-{serial}", f"refresh-{serial}"
        self.valid_access = {access}
        self.valid_refresh.add(new_refresh)
        return web.json_response(
            {"access_token": access, "refresh_token": new_refresh, "expires_in": str(self.expires_in)}
        )


def _transaction_problem(message: object) -> str | None:
    """Why a transaction ``message`` is malformed, or None."""
    if not isinstance(message, dict):
        return "message missing"
    attachment = message.get("attachment")
    payload = attachment.get("payload") if isinstance(attachment, dict) else None
    if not isinstance(payload, dict) or attachment.get("type") != "template":
        return "attachment template missing"
    if payload.get("template_type") not in TRANSACTION_TYPES:
        return "template_type invalid"
    elements = payload.get("elements")
    if not isinstance(elements, list) or not elements:
        return "elements missing"
    kinds = [e.get("type") for e in elements if isinstance(e, dict)]
    if "header" not in kinds:
        return "header missing"
    for element in elements:
        content = element.get("content")
        if element.get("type") == "header" and (not content or len(content) > 100):
            return "header invalid"
        if element.get("type") == "text" and (not content or len(content) > 1000):
            return "text invalid"
        if element.get("type") == "table":
            if not isinstance(content, list) or len(content) > 5:
                return "table invalid"
            for row in content:
                if len(str(row.get("key", ""))) > 25 or len(str(row.get("value", ""))) > 100:
                    return "table row too long"
    return None
