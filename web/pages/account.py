"""The signed-in account: change the password, sign out of every browser."""

from __future__ import annotations

from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from chatbot.school.staff_accounts import StaffAccountError, set_password, verify_password
from web import sessions
from web.framework import Ctx, page


@page()
def account_page(ctx: Ctx) -> Response:
    return ctx.render("account.html", message="")


@page()
def change_password(ctx: Ctx) -> Response:
    form = ctx.form
    assert form is not None
    current, new, again = form.get("current"), form.get("new"), form.get("again")
    if ctx.user.password_hash and not verify_password(ctx.user, current):
        return ctx.render("account.html", status=400, message="Mật khẩu hiện tại không đúng; chưa đổi gì.")
    if new != again:
        return ctx.render("account.html", status=400, message="Hai lần nhập mật khẩu mới không giống nhau.")
    try:
        set_password(ctx.user, new)
    except StaffAccountError as exc:
        return ctx.render("account.html", status=400, message=f"Chưa đổi: {exc}.")
    ctx.audit("password_changed")
    return ctx.redirect("/tai-khoan", "Đã đổi mật khẩu.")


@page()
def sign_out_everywhere(ctx: Ctx) -> Response:
    count = sessions.end_all_sessions(ctx.db, ctx.user.id)
    ctx.audit("sign_out_everywhere", f"{count} phiên")
    response = RedirectResponse("/dang-nhap", status_code=303)
    response.delete_cookie(sessions.SESSION_COOKIE, path="/")
    return response


def routes() -> list[Route]:
    return [
        Route("/tai-khoan", account_page, methods=["GET"]),
        Route("/tai-khoan/mat-khau", change_password, methods=["POST"]),
        Route("/tai-khoan/dang-xuat-moi-noi", sign_out_everywhere, methods=["POST"]),
    ]
