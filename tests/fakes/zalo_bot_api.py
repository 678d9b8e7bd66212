"""A fake Zalo Bot platform API (``/bot<TOKEN>/<method>``), Telegram-like JSON answers."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

from aiohttp import web

from tests.fakes.base import Failure, FakeServer, read_params


def bot_error(status: int, description: str, times: int = 1, **parameters: Any) -> Failure:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return Failure(status=status, body=body, times=times)


class FakeZaloBotAPI(FakeServer):
    """Set ``ZALO_BOT_API_BASE_URL`` to :attr:`base_url`."""

    def __init__(self, token: str = "zbot-1234:SECRET", record_bodies: bool = True) -> None:
        super().__init__(record_bodies=record_bodies)
        self.token = token
        self.webhook: dict[str, Any] | None = None
        self.blocked_chats: set[str] = set()
        self._updates: list[dict[str, Any]] = []
        self._updates_lock = threading.Lock()

    @property
    def base_url(self) -> str:
        return f"{self.url}/bot"

    def push_update(self, update: dict[str, Any]) -> None:
        with self._updates_lock:
            self._updates.append(update)

    def sent_texts(self, chat_id: str | None = None) -> list[str]:
        return [
            str(r.params.get("text", ""))
            for r in self.calls("sendMessage")
            if chat_id is None or str(r.params.get("chat_id")) == chat_id
        ]

    def routes(self, app: web.Application) -> None:
        app.router.add_route("*", "/bot{token}/{method}", self._handle)

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await read_params(request)
        self.record(request, method, params)
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        failure = await self.failure_response(method)
        if failure is not None:
            return failure
        if method == "sendMessage":
            return self._send(params)
        if method == "setWebhook":
            self.webhook = params
            return web.json_response({"ok": True, "result": {"url": params.get("url")}})
        if method == "deleteWebhook":
            self.webhook = None
            return web.json_response({"ok": True, "result": {"url": ""}})
        if method == "getMe":
            return web.json_response({"ok": True, "result": {"id": "99", "account_name": "bot"}})
        if method == "getUpdates":
            return await self._get_updates(params)
        return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)

    def _send(self, params: dict[str, Any]) -> web.Response:
        chat_id = str(params.get("chat_id", ""))
        text = str(params.get("text", ""))
        if chat_id in self.blocked_chats:
            return web.json_response(
                {"ok": False, "error_code": 403, "description": "Forbidden"}, status=403
            )
        if not text or len(text) > 2000:
            return web.json_response(
                {"ok": False, "error_code": 400, "description": "Bad Request: text"}, status=400
            )
        return web.json_response(
            {"ok": True, "result": {"message_id": f"sent-{time.monotonic_ns()}", "date": 0}}
        )

    async def _get_updates(self, params: dict[str, Any]) -> web.Response:
        if self.webhook is not None:
            return web.json_response(
                {"ok": False, "error_code": 409, "description": "Conflict: webhook is active"},
                status=409,
            )
        deadline = time.monotonic() + min(float(params.get("timeout") or 0), 1.0)
        while True:
            with self._updates_lock:
                update = self._updates.pop(0) if self._updates else None
            if update is not None:
                return web.json_response({"ok": True, "result": update})
            if time.monotonic() >= deadline:
                return web.json_response(
                    {"ok": False, "error_code": 408, "description": "Request timeout"}, status=408
                )
            await asyncio.sleep(0.05)
