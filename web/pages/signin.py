"""Sign in with a password or a one-time link from the assistant; sign out."""

from __future__ import annotations

import secrets
from urllib.parse import unquote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from chatbot.db.engine import session_scope
from chatbot.db.models import StaffUser
from chatbot.school import audit
from chatbot.school.staff_accounts import (
    find_by_username,
    normalize_username,
    usable_link,
    use_link,
    verify_password,
)
from chatbot.settings import get_settings
from web import sessions
from web.framework import CSRF_FIELD, Ctx, client_address, cookie_secure, new_form_token, page, read_form
from web.templating import render

WRONG_PASSWORD = "Tên đăng nhập hoặc mật khẩu không đúng."
TOO_MANY = (
    "Đăng nhập sai quá nhiều lần. Vui lòng đợi {minutes} phút rồi thử lại, hoặc nhắn “đăng nhập web” "
    "cho trợ lý trên Telegram/Zalo để nhận liên kết đăng nhập."
)
LINK_UNUSABLE = (
    "Liên kết đăng nhập này đã được dùng, đã hết hạn hoặc không đúng. Hãy nhắn “đăng nhập web” cho "
    "trợ lý để nhận liên kết mới."
)
CSRF_EXPIRED = "Trang đăng nhập đã mở quá lâu. Vui lòng thử lại."


def safe_next(target: str | None) -> str:
    """Only a path of this site (no scheme, no host, no protocol-relative ``//``)."""
    target = unquote(target or "")
    if not target.startswith("/") or target.startswith("//") or "\\" in target or "\n" in target:
        return "/tong-quan"
    return target


def _anonymous(template: str, request: Request, status: int = 200, **context: object) -> HTMLResponse:
    token = request.cookies.get(sessions.LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(24)
    html = render(
        template,
        user=None,
        role=None,
        role_label="",
        csrf_token=token,
        new_form_token=new_form_token,
        menu=[],
        flash="",
        next_path=safe_next(request.query_params.get("next")),
        **context,
    )
    response = HTMLResponse(html, status_code=status)
    response.headers["Cache-Control"] = "no-store"
    response.set_cookie(
        sessions.LOGIN_CSRF_COOKIE,
        token,
        max_age=3600,
        path="/",
        httponly=True,
        samesite="strict",
        secure=cookie_secure(request),
    )
    return response


def _signed_in(request: Request, token: str) -> RedirectResponse:
    response = RedirectResponse(safe_next(request.query_params.get("next")), status_code=303)
    response.set_cookie(
        sessions.SESSION_COOKIE,
        token,
        max_age=get_settings().web_session_hours * 3600,
        path="/",
        httponly=True,
        samesite="lax",
        secure=cookie_secure(request),
    )
    response.delete_cookie(sessions.LOGIN_CSRF_COOKIE, path="/")
    return response


def _login_csrf_ok(request: Request, form_token: str) -> bool:
    return sessions.tokens_match(form_token, request.cookies.get(sessions.LOGIN_CSRF_COOKIE))


async def sign_in_page(request: Request) -> Response:
    def signed_in() -> bool:
        with session_scope() as db:
            return sessions.load_session(db, request.cookies.get(sessions.SESSION_COOKIE)) is not None

    if await run_in_threadpool(signed_in):
        return RedirectResponse(safe_next(request.query_params.get("next")), status_code=303)
    expired = request.query_params.get("het-han") == "1"
    message = "Phiên đăng nhập đã hết hạn. Vui lòng đăng nhập lại." if expired else ""
    return _anonymous("signin.html", request, message=message, username="")


async def sign_in(request: Request) -> Response:
    form = await read_form(request)
    username = normalize_username(form.get("username"))[:120]
    password = form.get("password")
    if not _login_csrf_ok(request, form.get(CSRF_FIELD)):
        return _anonymous("signin.html", request, 403, message=CSRF_EXPIRED, username=username)
    address = client_address(request)

    def attempt() -> tuple[str | None, str]:
        with session_scope() as db:
            if sessions.sign_in_blocked(db, username, address):
                sessions.record_sign_in_failure(db, username, address)
                minutes = get_settings().web_sign_in_window_minutes
                return None, TOO_MANY.format(minutes=minutes)
            user = find_by_username(db, username) if username else None
            if not password or not verify_password(user, password) or user is None or not user.active:
                sessions.record_sign_in_failure(db, username or "-", address)
                return None, WRONG_PASSWORD
            sessions.clear_sign_in_failures(db, username)
            sessions.end_session(db, request.cookies.get(sessions.SESSION_COOKIE))  # no fixation
            audit.record(db, user, "sign_in")
            return sessions.start_session(db, user), ""

    token, message = await run_in_threadpool(attempt)
    if token is None:
        status = 429 if message != WRONG_PASSWORD else 401
        return _anonymous("signin.html", request, status, message=message, username=username)
    return _signed_in(request, token)


async def link_page(request: Request) -> Response:
    token = request.path_params["token"]

    def who() -> str | None:
        with session_scope() as db:
            link = usable_link(db, token)
            return link and db.get(StaffUser, link.user_id).full_name

    name = await run_in_threadpool(who)
    if name is None:
        return _anonymous("signin.html", request, 410, message=LINK_UNUSABLE, username="")
    return _anonymous("signin_link.html", request, full_name=name, token=token)


async def link_sign_in(request: Request) -> Response:
    form = await read_form(request)
    token = request.path_params["token"]
    if not _login_csrf_ok(request, form.get(CSRF_FIELD)):
        return _anonymous("signin.html", request, 403, message=CSRF_EXPIRED, username="")

    def spend() -> str | None:
        with session_scope() as db:
            user = use_link(db, token)
            if user is None:
                return None
            sessions.end_session(db, request.cookies.get(sessions.SESSION_COOKIE))
            audit.record(db, user, "sign_in_link")
            return sessions.start_session(db, user)

    session_token = await run_in_threadpool(spend)
    if session_token is None:
        return _anonymous("signin.html", request, 410, message=LINK_UNUSABLE, username="")
    return _signed_in(request, session_token)


@page()
def sign_out(ctx: Ctx) -> Response:
    sessions.end_session(ctx.db, ctx.request.cookies.get(sessions.SESSION_COOKIE))
    response = RedirectResponse("/dang-nhap", status_code=303)
    response.delete_cookie(sessions.SESSION_COOKIE, path="/")
    return response


def routes() -> list[Route]:
    return [
        Route("/dang-nhap", sign_in_page, methods=["GET"]),
        Route("/dang-nhap", sign_in, methods=["POST"]),
        Route("/dang-nhap/lien-ket/{token}", link_page, methods=["GET"]),
        Route("/dang-nhap/lien-ket/{token}", link_sign_in, methods=["POST"]),
        Route("/dang-xuat", sign_out, methods=["POST"]),
    ]
