"""How a page runs: sign-in check, role check, CSRF check, one database session, errors.

Every page is a plain function ``handler(ctx) -> Response`` wrapped by :func:`page`. The
wrapper reads the form (async), then runs the handler in a worker thread inside one database
transaction: committed when the handler returns, rolled back when it raises. A handler ends
early with :meth:`Ctx.fail` (an error page) or by raising :class:`Halt` with a response.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from functools import wraps
from typing import Any
from urllib.parse import quote, unquote

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from chatbot.db.engine import session_scope
from chatbot.db.models import UsedFormToken, WebRole
from chatbot.school import audit
from chatbot.school.staff_accounts import ROLE_LABELS, token_hash
from chatbot.settings import get_settings
from web import sessions
from web.navigation import menu
from web.scope import NotFound
from web.templating import render

logger = logging.getLogger(__name__)

ALL_ROLES = frozenset(WebRole)
SCHOOL_ROLES = frozenset({WebRole.ADMIN, WebRole.TEACHER})
ADMIN_ONLY = frozenset({WebRole.ADMIN})
FLASH_COOKIE = "lhat_flash"
FORM_LIMITS = {"max_files": 1, "max_fields": 60, "max_part_size": 64 * 1024}
CSRF_FIELD = "csrf_token"
FORM_TOKEN_FIELD = "form_token"

CSRF_MESSAGE = (
    "Biểu mẫu này không còn hợp lệ (có thể trang đã mở quá lâu hoặc được gửi từ nơi khác). "
    "Vui lòng tải lại trang rồi thử lại; chưa có gì thay đổi."
)
EXPIRED_MESSAGE = "Phiên đăng nhập đã hết hạn. Vui lòng đăng nhập lại; chưa có gì thay đổi."
READ_ONLY_MESSAGE = "Tài khoản Phòng GDĐT chỉ xem số liệu và báo cáo, không thay đổi dữ liệu của trường."
FORBIDDEN_MESSAGE = "Tài khoản của thầy cô không có quyền xem trang này."
NOT_FOUND_MESSAGE = "Không tìm thấy dữ liệu này, hoặc tài khoản của thầy cô không được xem nó."
DOUBLE_SUBMIT_MESSAGE = (
    "Biểu mẫu này đã được gửi rồi, nên lần gửi lại không thay đổi gì. "
    "Nếu cần làm lại, hãy mở lại trang và điền biểu mẫu mới."
)


class Halt(Exception):
    """Stop the handler and answer with ``response`` (after the transaction rolls back)."""

    def __init__(self, response: Response) -> None:
        super().__init__("halt")
        self.response = response


@dataclass
class Form:
    """A submitted form: text fields (all values) and at most one uploaded file."""

    fields: dict[str, list[str]] = field(default_factory=dict)
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)

    def get(self, name: str, default: str = "") -> str:
        values = self.fields.get(name)
        return values[0] if values else default

    def getlist(self, name: str) -> list[str]:
        return list(self.fields.get(name, []))

    def file(self, name: str) -> tuple[str, bytes] | None:
        return self.files.get(name)


@dataclass
class Ctx:
    """What a handler works with: the request, the session, the signed-in account, the form."""

    request: Request
    db: Session
    auth: sessions.Auth
    form: Form | None
    cookies: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)

    @property
    def user(self):  # noqa: ANN201 - StaffUser
        return self.auth.user

    @property
    def role(self) -> WebRole:
        return self.auth.user.role

    @property
    def is_office(self) -> bool:
        return self.role is WebRole.OFFICE

    def param(self, name: str, default: str = "") -> str:
        return self.request.query_params.get(name, default)

    def render(self, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        flash = unquote(self.request.cookies.get(FLASH_COOKIE, ""))[:300]
        html = render(
            template,
            user=self.user,
            role=self.role,
            role_label=ROLE_LABELS[self.role],
            csrf_token=self.auth.session.csrf_token,
            new_form_token=new_form_token,
            menu=menu(self.role, self.request.url.path),
            flash=flash,
            **context,
        )
        response = HTMLResponse(html, status_code=status)
        if flash:
            response.delete_cookie(FLASH_COOKIE, path="/")
        return response

    def error(self, status: int, message: str, title: str = "Không thực hiện được") -> HTMLResponse:
        return self.render("error.html", status=status, title=title, message=message)

    def fail(self, status: int, message: str, title: str = "Không thực hiện được") -> None:
        raise Halt(self.error(status, message, title))

    def redirect(self, url: str, flash: str | None = None) -> RedirectResponse:
        response = RedirectResponse(url, status_code=303)
        if flash:
            set_flash(response, flash)
        return response

    def consume_form_token(self) -> None:
        """Spend the form's one-time token; a form submitted twice is refused the second time."""
        token = self.form.get(FORM_TOKEN_FIELD) if self.form else ""
        if not token or len(token) > 100:
            self.fail(400, CSRF_MESSAGE)
        try:
            with self.db.begin_nested():
                self.db.add(UsedFormToken(token_hash=token_hash(token)))
                self.db.flush()
        except IntegrityError:
            self.fail(409, DOUBLE_SUBMIT_MESSAGE, "Biểu mẫu đã được gửi")

    def audit(self, action: str, detail: str = "", school_id: int | None = None) -> None:
        audit.record(self.db, self.user, action, detail, school_id=school_id)


def new_form_token() -> str:
    return secrets.token_urlsafe(18)


def set_flash(response: Response, message: str) -> None:
    response.set_cookie(
        FLASH_COOKIE, quote(message[:300]), max_age=120, path="/", httponly=True, samesite="lax"
    )


def cookie_secure(request: Request) -> bool:
    mode = get_settings().web_cookie_secure
    return request.url.scheme == "https" if mode == "auto" else mode == "true"


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def read_form(request: Request) -> Form:
    """The request's form, with uploaded files read into memory (the body size is capped)."""
    form = Form()
    async with request.form(**FORM_LIMITS) as data:
        for key, value in data.multi_items():
            if isinstance(value, UploadFile):
                if value.filename:
                    form.files[key] = (value.filename, await value.read())
            else:
                form.fields.setdefault(key, []).append(value)
    return form


def sign_in_redirect(request: Request, expired: bool) -> RedirectResponse:
    target = request.url.path
    if request.url.query:
        target += "?" + request.url.query
    url = "/dang-nhap?next=" + quote(target, safe="")
    if expired:
        url += "&het-han=1"
    return RedirectResponse(url, status_code=303)


def plain_error(status: int, message: str, title: str = "Không thực hiện được") -> HTMLResponse:
    """An error page for someone not signed in (no menu, no account)."""
    html = render(
        "error.html",
        user=None,
        role=None,
        role_label="",
        csrf_token="",
        new_form_token=new_form_token,
        menu=[],
        flash="",
        title=title,
        message=message,
    )
    return HTMLResponse(html, status_code=status)


def page(roles: Collection[WebRole] = ALL_ROLES, *, write: bool = False) -> Callable:
    """Wrap ``handler(ctx)`` as a Starlette endpoint for the given roles.

    ``write``: the page changes data, so the office (read-only) is refused. Every POST must
    carry the session's CSRF token.
    """
    allowed = frozenset(roles)

    def decorate(handler: Callable[[Ctx], Response]) -> Callable:
        @wraps(handler)
        async def endpoint(request: Request) -> Response:
            form = await read_form(request) if request.method == "POST" else None
            return await run_in_threadpool(_run, handler, request, form, allowed, write)

        return endpoint

    return decorate


def _run(
    handler: Callable[[Ctx], Response],
    request: Request,
    form: Form | None,
    allowed: frozenset[WebRole],
    write: bool,
) -> Response:
    token = request.cookies.get(sessions.SESSION_COOKIE)
    try:
        with session_scope() as db:
            auth = sessions.load_session(db, token)
            if auth is None:
                db.commit()  # an expired session row is removed
                if request.method == "POST":
                    return plain_error(401, EXPIRED_MESSAGE, "Phiên đăng nhập đã hết hạn")
                return sign_in_redirect(request, expired=token is not None)
            ctx = Ctx(request=request, db=db, auth=auth, form=form)
            if auth.user.role not in allowed:
                raise Halt(ctx.error(403, FORBIDDEN_MESSAGE, "Không có quyền"))
            if request.method == "POST":
                if not sessions.tokens_match(form.get(CSRF_FIELD) if form else None, auth.session.csrf_token):
                    raise Halt(ctx.error(403, CSRF_MESSAGE, "Biểu mẫu không hợp lệ"))
                if write and ctx.is_office:
                    raise Halt(ctx.error(403, READ_ONLY_MESSAGE, "Chỉ được xem"))
            try:
                response = handler(ctx)
            except NotFound:
                raise Halt(ctx.error(404, NOT_FOUND_MESSAGE, "Không tìm thấy")) from None
            response.headers.setdefault("Cache-Control", "no-store")
            return response
    except Halt as halt:
        halt.response.headers.setdefault("Cache-Control", "no-store")
        return halt.response
