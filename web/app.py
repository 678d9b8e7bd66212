"""The Starlette application: routes, security headers, body size limit, error pages."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from chatbot.db.housekeeping import purge_expired
from chatbot.delivery.periodic import run_periodically
from chatbot.settings import get_settings
from web.framework import plain_error
from web.pages import (
    account,
    audit_log,
    family,
    imports,
    incidents,
    invites,
    notices,
    office_report,
    overview,
    school_channels,
    signin,
    unanswered,
)
from web.scope import NotFound

STATIC = Path(__file__).resolve().parent / "static"
HOUSEKEEPING_SECONDS = 3600.0
FORM_OVERHEAD = 256 * 1024  # room for the other fields of an upload form
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
ERROR_TITLES = {404: "Không tìm thấy", 405: "Không thực hiện được", 400: "Yêu cầu không hợp lệ"}
ERROR_MESSAGES = {
    404: "Không tìm thấy trang hoặc dữ liệu này, hoặc tài khoản của thầy cô không được xem nó.",
    405: "Trang này không nhận yêu cầu kiểu đó.",
    400: "Yêu cầu không hợp lệ; chưa có gì thay đổi. Vui lòng tải lại trang rồi thử lại.",
}


class BodyLimit:
    """Refuse a request body over the upload limit before the app reads it (HTTP 413)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in {"POST", "PUT", "PATCH"}:
            await self.app(scope, receive, send)
            return
        megabytes = get_settings().web_max_upload_mb
        limit = megabytes * 1024 * 1024 + FORM_OVERHEAD
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is None:
            response: Response = plain_error(411, "Trình duyệt không gửi độ dài dữ liệu; vui lòng thử lại.")
        elif not length.isdigit() or int(length) > limit:
            response = plain_error(
                413,
                f"Tệp tải lên quá lớn: chỉ nhận tệp đến {megabytes} MB. Chưa có gì thay đổi — hãy bỏ bớt "
                "các trang tính không cần thiết hoặc lưu lại dạng .csv rồi thử lại.",
                "Tệp quá lớn",
            )
        else:
            await self.app(scope, receive, send)
            return
        response.headers["Connection"] = "close"
        await response(scope, receive, send)


class SecurityHeaders:
    """Headers every answer carries: a strict content policy, no framing, no referrer leaks."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                defaults = {
                    b"content-security-policy": CSP.encode(),
                    b"x-content-type-options": b"nosniff",
                    b"x-frame-options": b"DENY",
                    b"referrer-policy": b"no-referrer",
                    b"permissions-policy": b"camera=(), microphone=(), geolocation=()",
                }
                headers += [(k, v) for k, v in defaults.items() if k not in present]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


async def http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 404
    status = status if status in ERROR_MESSAGES else 400
    return plain_error(status, ERROR_MESSAGES[status], ERROR_TITLES[status])


async def not_found(request: Request, exc: Exception) -> Response:
    return plain_error(404, ERROR_MESSAGES[404], ERROR_TITLES[404])


async def home(request: Request) -> Response:
    return RedirectResponse("/tong-quan", status_code=303)


async def health(request: Request) -> Response:
    return Response("ok", media_type="text/plain")


def routes() -> list:
    return [
        Route("/", home),
        Route("/suc-khoe", health),
        *signin.routes(),
        *account.routes(),
        *overview.routes(),
        *imports.routes(),
        *invites.routes(),
        *notices.routes(),
        *incidents.routes(),
        *office_report.routes(),
        *unanswered.routes(),
        *audit_log.routes(),
        *family.routes(),
        *school_channels.routes(),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]


@contextlib.asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    """Purge spent sessions, links, form tokens and uploads hourly (the worker does too)."""
    stop = asyncio.Event()
    task = asyncio.create_task(run_periodically(stop, HOUSEKEEPING_SECONDS, purge_expired, first_delay=60))
    try:
        yield
    finally:
        stop.set()
        await task


def create_app() -> Starlette:
    return Starlette(
        routes=routes(),
        middleware=[Middleware(SecurityHeaders), Middleware(BodyLimit)],
        exception_handlers={HTTPException: http_error, NotFound: not_found},
        lifespan=lifespan,
    )
