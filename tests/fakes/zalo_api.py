"""A fake Zalo OpenAPI: the OA message API (``/v3.0/oa/message/cs``) and the OAuth token
endpoint (``/v4/oa/access_token``) on one server; point both base URLs at :attr:`url`.

Access tokens are checked (-216 otherwise) and refresh tokens rotate: each works once.
"""

from __future__ import annotations

import itertools
from typing import Any

from aiohttp import web

from tests.fakes.base import Failure, FakeServer, read_params

SEND = "message/cs"
OAUTH = "access_token"


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
        self._serial = itertools.count(1)
        self._token_serial = itertools.count(1)

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/v3.0/oa/message/cs", self._send)
        app.router.add_post("/v4/oa/access_token", self._oauth)

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
        if user_id in self.not_following:
            return web.json_response({"error": -213, "message": "User has not followed OA"})
        if user_id in self.user_errors:
            return web.json_response({"error": self.user_errors[user_id], "message": "refused"})
        message = params.get("message") or {}
        if not message.get("text") or len(message["text"]) > 2000:
            return web.json_response({"error": -201, "message": "Parameters are invalid"})
        serial = next(self._serial)
        return web.json_response(
            {"error": 0, "message": "Success", "data": {"message_id": f"m{serial}", "user_id": user_id}}
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
