"""A fake Telegram Bot API (``/bot<TOKEN>/<method>``) for connector and delivery tests.

Besides recording calls it can enforce a global send rate (429 with ``retry_after`` beyond it),
treat chats as having blocked the bot (403), reject over-long texts like Telegram does, and
serve queued updates to ``getUpdates``.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from typing import Any

from aiohttp import web

from tests.fakes.base import Failure, FakeServer, read_params

SEND_METHODS = frozenset({"sendMessage", "sendPhoto", "sendDocument"})


def ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def error(status: int, description: str, **parameters: Any) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=status)


def telegram_error(status: int, description: str, times: int = 1, **parameters: Any) -> Failure:
    """A :class:`Failure` shaped like a Bot API error (``parameters`` e.g. ``retry_after=3``)."""
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return Failure(status=status, body=body, times=times)


class TokenBucket:
    """``rate`` sends per second with bursts of up to ``rate``; thread-safe."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self._tokens = rate
        self._stamp = time.monotonic()
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self.rate, self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now
            if self._tokens >= 1:
                self._tokens -= 1
                return True
            return False


class FakeTelegramAPI(FakeServer):
    """Set ``api_base_url`` (python-telegram-bot's ``base_url``) to :attr:`base_url`."""

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        rate_limit: float | None = None,
        retry_after: int = 1,
        record_bodies: bool = True,
        max_records: int | None = None,
    ) -> None:
        super().__init__(record_bodies=record_bodies, max_records=max_records)
        self.token = token
        self.retry_after = retry_after
        self.rate_limited = 0
        self.blocked_chats: set[str] = set()
        self.webhook: dict[str, Any] | None = None
        self._bucket = TokenBucket(rate_limit) if rate_limit else None
        self._updates: list[dict[str, Any]] = []
        self._next_update_id = 1000
        self._message_id = 0
        self._updates_lock = threading.Lock()

    @property
    def base_url(self) -> str:
        return f"{self.url}/bot"

    def set_rate_limit(self, rate: float | None, retry_after: int = 1) -> None:
        self._bucket = TokenBucket(rate) if rate else None
        self.retry_after = retry_after

    def push_update(self, update: dict[str, Any]) -> int:
        """Queue an update for ``getUpdates``; returns its ``update_id``."""
        with self._updates_lock:
            self._next_update_id += 1
            self._updates.append({**update, "update_id": self._next_update_id})
            return self._next_update_id

    def sent_texts(self, chat_id: str | int | None = None) -> list[str]:
        return [
            r.params.get("text", "")
            for r in self.calls("sendMessage")
            if chat_id is None or str(r.params.get("chat_id")) == str(chat_id)
        ]

    def routes(self, app: web.Application) -> None:
        app.router.add_route("*", "/bot{token}/{method}", self._handle)

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await read_params(request)
        if "reply_markup" in params and isinstance(params["reply_markup"], str):
            params["reply_markup"] = json.loads(params["reply_markup"])
        self.record(request, method, params)
        if request.match_info["token"] != self.token:
            return error(401, "Unauthorized")
        failure = await self.failure_response(method)
        if failure is not None:
            return failure
        if method in SEND_METHODS and self._bucket is not None and not self._bucket.take():
            with self._lock:
                self.rate_limited += 1
            return error(
                429,
                f"Too Many Requests: retry after {self.retry_after}",
                retry_after=self.retry_after,
            )
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return error(404, "Not Found")
        return await handler(params)

    async def _api_getMe(self, params: dict[str, Any]) -> web.Response:  # noqa: N802
        return ok({"id": 4242, "is_bot": True, "first_name": "Trợ lý", "username": "fake_bot"})

    async def _api_sendMessage(self, params: dict[str, Any]) -> web.Response:  # noqa: N802
        chat_id = str(params.get("chat_id", ""))
        text = str(params.get("text", ""))
        if chat_id in self.blocked_chats:
            return error(403, "Forbidden: bot was blocked by the user")
        if not text.strip():
            return error(400, "Bad Request: message text is empty")
        if len(text.encode("utf-16-le")) // 2 > 4096:
            return error(400, "Bad Request: message is too long")
        for row in (params.get("reply_markup") or {}).get("inline_keyboard", []):
            for button in row:
                if len(button.get("callback_data", "").encode("utf-8")) > 64:
                    return error(400, "Bad Request: BUTTON_DATA_INVALID")
        with self._lock:
            self._message_id += 1
            message_id = self._message_id
        chat = {"id": int(chat_id) if chat_id.lstrip("-").isdigit() else 0, "type": "private"}
        return ok({"message_id": message_id, "date": int(time.time()), "chat": chat, "text": text})

    async def _api_answerCallbackQuery(self, params: dict[str, Any]) -> web.Response:  # noqa: N802
        return ok(True)

    async def _api_setWebhook(self, params: dict[str, Any]) -> web.Response:  # noqa: N802
        self.webhook = params
        return ok(True)

    async def _api_deleteWebhook(self, params: dict[str, Any]) -> web.Response:  # noqa: N802
        self.webhook = None
        return ok(True)

    async def _api_getUpdates(self, params: dict[str, Any]) -> web.Response:  # noqa: N802
        if self.webhook is not None:
            return error(409, "Conflict: can't use getUpdates method while webhook is active")
        offset = int(params.get("offset") or 0)
        deadline = time.monotonic() + min(float(params.get("timeout") or 0), 1.0)
        while True:
            with self._updates_lock:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
                pending = list(self._updates)
            if pending or time.monotonic() >= deadline:
                return ok(pending)
            await asyncio.sleep(0.05)
