"""The school's own bots (Telegram, Zalo OA, Zalo Bot): what is set, and setting or removing one.

Only the school's administrator works here. Secrets go into password fields and straight into
the sealed store (:mod:`chatbot.school.school_channels`); the page never shows them again, and
the audit log records which channel changed, never a value.
"""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from chatbot.db.models import WebRole
from chatbot.school import school_channels as store
from chatbot.secretbox import SecretsKeyError
from web.framework import Ctx, page
from web.scope import school_for

ADMIN_ONLY = frozenset({WebRole.ADMIN})
NO_KEY = "máy chủ chưa có khoá mã hoá (CHANNEL_SECRETS_KEY); xin báo người quản trị hệ thống."
FIELDS = {
    "telegram": (
        ("token", "Mã bot (token) từ @BotFather", True),
        ("bot_username", "Tên bot, ví dụ @hoasen_bot", False),
        ("webhook_secret", "Khoá webhook (để trống: hệ thống tự tạo)", True),
    ),
    "zalo": (
        ("app_id", "App ID", False),
        ("app_secret", "App secret", True),
        ("oa_secret_key", "OA secret key", True),
        ("access_token", "Access token", True),
        ("refresh_token", "Refresh token", True),
        ("oa_name", "Tên Zalo OA", False),
    ),
    "zalo_bot": (
        ("token", "Mã bot (token)", True),
        ("webhook_secret", "Khoá webhook (để trống: hệ thống tự tạo)", True),
    ),
}


def _render(ctx: Ctx, message: str = "", status: int = 200) -> Response:
    school = school_for(ctx.db, ctx.user)
    entries = {entry.channel: entry for entry in store.list_channels(ctx.db, school)}
    return ctx.render(
        "school_channels.html", status=status, school=school, entries=entries, fields=FIELDS,
        labels=store.CHANNEL_LABELS, message=message,
    )


@page(ADMIN_ONLY)
def channels_page(ctx: Ctx) -> Response:
    return _render(ctx)


@page(ADMIN_ONLY, write=True)
def save_channel(ctx: Ctx) -> Response:
    assert ctx.form is not None
    ctx.consume_form_token()
    channel = ctx.form.get("kenh")
    if channel not in FIELDS:
        return _render(ctx, "Hãy chọn một kênh.", 400)
    given = {name: ctx.form.get(name).strip() for name, _, _ in FIELDS[channel]}
    values = {name: value for name, value in given.items() if value}
    school = school_for(ctx.db, ctx.user)
    try:
        store.set_channel(ctx.db, school, channel, values)
    except store.ChannelSettingsError as exc:
        ctx.db.rollback()
        return _render(ctx, f"Chưa lưu: {exc}.", 400)
    except SecretsKeyError:
        ctx.db.rollback()
        return _render(ctx, f"Chưa lưu: {NO_KEY}", 503)
    ctx.audit("school_channel_set", store.CHANNEL_LABELS[channel], school_id=school.id)
    label = store.CHANNEL_LABELS[channel]
    return ctx.redirect("/kenh", f"Đã lưu kênh {label}; khoá bí mật không hiển thị lại.")


@page(ADMIN_ONLY, write=True)
def remove_channel(ctx: Ctx) -> Response:
    assert ctx.form is not None
    channel = ctx.form.get("kenh")
    if channel not in FIELDS:
        return _render(ctx, "Hãy chọn một kênh.", 400)
    school = school_for(ctx.db, ctx.user)
    if not store.remove_channel(ctx.db, school, channel):
        return _render(ctx, f"Trường chưa có kênh {store.CHANNEL_LABELS[channel]}.", 400)
    ctx.audit("school_channel_removed", store.CHANNEL_LABELS[channel], school_id=school.id)
    return ctx.redirect("/kenh", f"Đã xoá kênh {store.CHANNEL_LABELS[channel]}.")


def routes() -> list[Route]:
    return [
        Route("/kenh", channels_page, methods=["GET"]),
        Route("/kenh/luu", save_channel, methods=["POST"]),
        Route("/kenh/xoa", remove_channel, methods=["POST"]),
    ]
