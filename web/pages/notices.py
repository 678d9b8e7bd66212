"""Notices: compose, preview as on Telegram and Zalo, send now or at a time, cancel while
queued, and watch progress and "Đã nhận" receipts per class live."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from chatbot.db.models import Broadcast, BroadcastKind, School, WebRole
from chatbot.delivery.audience import (
    FAMILIES,
    GROUP_LABELS,
    GROUPS,
    Audience,
    AudienceError,
    classes_in_scope,
    describe,
)
from chatbot.delivery.notices import (
    MAX_TEXT,
    AudiencePreview,
    NoticeError,
    cancel_notice,
    check_send_at,
    clean_text,
    preview_audience,
    queue_notice,
    school_notices,
)
from chatbot.delivery.outbox import utcnow
from chatbot.delivery.receipts import RECEIPT_TITLE, Counts, broadcast_status, counts
from chatbot.settings import TIMEZONE
from web.framework import SCHOOL_ROLES, Ctx, Halt, page
from web.message_preview import channel_previews
from web.scope import NotFound, class_ids, school_for, visible_classes

SCOPES = {"school": "Toàn trường", "grade": "Một khối", "class": "Lớp"}


@dataclass
class Draft:
    """A notice as typed in the form, and what is wrong with it."""

    text: str = ""
    scope: str = "class"
    grade: str = ""
    class_ids: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=lambda: list(FAMILIES))
    ask_receipt: bool = True
    when: str = "now"
    send_at: str = ""
    errors: list[str] = field(default_factory=list)

    @classmethod
    def from_form(cls, ctx: Ctx) -> Draft:
        form = ctx.form
        assert form is not None
        return cls(
            text=form.get("text")[: MAX_TEXT * 2],
            scope=form.get("scope", "class"),
            grade=form.get("grade"),
            class_ids=form.getlist("class_id"),
            groups=[g for g in form.getlist("group") if g in GROUPS],
            ask_receipt=form.get("ask_receipt") == "1",
            when=form.get("when", "now"),
            send_at=form.get("send_at"),
        )


@dataclass
class Checked:
    audience: Audience
    text: str
    send_at: datetime | None
    classes: list[str]


def _check(ctx: Ctx, school: School, draft: Draft) -> Checked | None:
    """The notice the draft describes, or None with ``draft.errors`` filled."""
    errors = draft.errors
    try:
        text = clean_text(draft.text)
    except NoticeError as exc:
        errors.append(str(exc).capitalize() + ".")
        text = ""
    if not draft.groups:
        errors.append("Chưa chọn gửi cho ai (phụ huynh, học sinh hoặc giáo viên).")
    teacher = ctx.role is WebRole.TEACHER
    allowed = {str(c.id): c for c in visible_classes(ctx.db, ctx.user, school)}
    scope = draft.scope if draft.scope in SCOPES else "class"
    if teacher:
        scope = "class"
    grades: tuple[int, ...] = ()
    names: list[str] = []
    if scope == "grade":
        if draft.grade not in {str(c.grade) for c in allowed.values()}:
            errors.append("Hãy chọn khối.")
        else:
            grades = (int(draft.grade),)
    elif scope == "class":
        chosen = [allowed[i] for i in draft.class_ids if i in allowed]
        if len(chosen) != len(draft.class_ids) and draft.class_ids:
            raise NotFound("a class outside the account's scope")
        if not chosen:
            errors.append("Hãy chọn ít nhất một lớp.")
        names = [c.name for c in chosen]
    send_at = None
    if draft.when == "later":
        try:
            local = datetime.strptime(draft.send_at, "%Y-%m-%dT%H:%M").replace(tzinfo=TIMEZONE)
            send_at = check_send_at(local, utcnow())
        except ValueError as exc:
            errors.append(
                f"Thời điểm gửi: {exc}."
                if isinstance(exc, NoticeError)
                else "Hãy chọn ngày giờ gửi (ngày/tháng/năm giờ:phút)."
            )
    if errors:
        return None
    try:
        audience = Audience(
            school=school.code, grades=grades, classes=tuple(names), groups=tuple(draft.groups)
        )
    except AudienceError as exc:
        errors.append(str(exc))
        return None
    return Checked(audience, text, send_at, names)


def _compose(ctx: Ctx, school: School, draft: Draft, status: int = 200) -> Response:
    classes = visible_classes(ctx.db, ctx.user, school)
    return ctx.render(
        "notice_new.html",
        status=status,
        school=school,
        draft=draft,
        classes=classes,
        grades=sorted({c.grade for c in classes}),
        scopes=SCOPES,
        group_labels=GROUP_LABELS,
        max_text=MAX_TEXT,
        teacher=ctx.role is WebRole.TEACHER,
    )


@page(SCHOOL_ROLES)
def notices_page(ctx: Ctx) -> Response:
    school = school_for(ctx.db, ctx.user)
    notices = [
        (b, counts(ctx.db, b.id)) for b in school_notices(ctx.db, school.id) if _visible(ctx, school, b)
    ]
    return ctx.render("notices.html", school=school, notices=notices, describe=describe)


@page(SCHOOL_ROLES)
def compose(ctx: Ctx) -> Response:
    school = school_for(ctx.db, ctx.user)
    draft = Draft()
    class_id = ctx.param("lop")
    if class_id and class_id in {str(c.id) for c in visible_classes(ctx.db, ctx.user, school)}:
        draft.class_ids = [class_id]
    return _compose(ctx, school, draft)


@page(SCHOOL_ROLES, write=True)
def preview(ctx: Ctx) -> Response:
    school = school_for(ctx.db, ctx.user)
    draft = Draft.from_form(ctx)
    if ctx.form is not None and ctx.form.get("edit") == "1":
        return _compose(ctx, school, draft)
    checked = _check(ctx, school, draft)
    if checked is None:
        return _compose(ctx, school, draft, 400)
    try:
        reach = preview_audience(
            ctx.db, school, checked.audience, checked.text, ask_receipt=draft.ask_receipt
        )
    except AudienceError as exc:
        draft.errors.append(str(exc))
        return _compose(ctx, school, draft, 400)
    return _preview(ctx, school, draft, checked, reach)


def _preview(
    ctx: Ctx, school: School, draft: Draft, checked: Checked, reach: AudiencePreview, status: int = 200
) -> Response:
    return ctx.render(
        "notice_preview.html",
        status=status,
        school=school,
        draft=draft,
        checked=checked,
        reach=reach,
        audience_text=describe(checked.audience.label(school.code)),
        previews=channel_previews(checked.text, draft.ask_receipt, school.name),
        receipt_title=RECEIPT_TITLE,
        send_at_text=checked.send_at.astimezone(TIMEZONE).strftime("%H:%M ngày %d/%m/%Y")
        if checked.send_at
        else "",
    )


@page(SCHOOL_ROLES, write=True)
def send(ctx: Ctx) -> Response:
    school = school_for(ctx.db, ctx.user)
    draft = Draft.from_form(ctx)
    checked = _check(ctx, school, draft)
    if checked is None:
        return _compose(ctx, school, draft, 400)
    ctx.consume_form_token()
    assert ctx.form is not None
    try:
        queued = queue_notice(
            ctx.db,
            school,
            checked.audience,
            checked.text,
            sender=ctx.user.full_name,
            ask_receipt=draft.ask_receipt,
            send_at=checked.send_at,
            key=f"web:{ctx.form.get('form_token')}",
        )
    except (NoticeError, AudienceError) as exc:
        draft.errors.append(str(exc).capitalize() + ".")
        raise Halt(_compose(ctx, school, draft, 400)) from exc
    ctx.audit(
        "notice_queued",
        f"Thông báo số {queued.broadcast_id}: {describe(checked.audience.label(school.code))}, "
        f"{queued.recipients} tài khoản",
    )
    when = f" Sẽ gửi lúc {checked.send_at.astimezone(TIMEZONE):%H:%M %d/%m/%Y}." if checked.send_at else ""
    return ctx.redirect(
        f"/thong-bao/{queued.broadcast_id}",
        f"Đã xếp thông báo số {queued.broadcast_id} cho {queued.recipients} tài khoản.{when}",
    )


def _visible(ctx: Ctx, school: School, broadcast: Broadcast) -> bool:
    """A teacher sees the notices limited to their own classes; an administrator all of the school's."""
    if broadcast.school_id != school.id or broadcast.kind is not BroadcastKind.ANNOUNCEMENT:
        return False
    allowed = class_ids(ctx.db, ctx.user, school)
    if allowed is None:
        return True
    scope = classes_in_scope(ctx.db, school.id, broadcast.audience)
    names = {c.name for c in visible_classes(ctx.db, ctx.user, school)}
    return scope is not None and bool(scope) and scope <= names


def _notice(ctx: Ctx) -> tuple[School, Broadcast]:
    school = school_for(ctx.db, ctx.user)
    try:
        broadcast = ctx.db.get(Broadcast, int(ctx.request.path_params["notice_id"]))
    except ValueError as exc:
        raise NotFound("bad notice id") from exc
    if broadcast is None or not _visible(ctx, school, broadcast):
        raise NotFound("no such notice")
    return school, broadcast


def _cells(total: Counts, by_class: dict[str, Counts]) -> dict[str, str]:
    cells = {}
    for key, c in [("total", total), *((f"lop-{name}", c) for name, c in by_class.items())]:
        cells[f"{key}-sent"] = str(c.sent)
        cells[f"{key}-waiting"] = str(c.pending + c.sending)
        cells[f"{key}-failed"] = str(c.failed)
        cells[f"{key}-ack"] = str(c.acknowledged)
    return cells


@page(SCHOOL_ROLES)
def notice_page(ctx: Ctx) -> Response:
    school, broadcast = _notice(ctx)
    status = broadcast_status(ctx.db, broadcast.id)
    assert status is not None
    return ctx.render(
        "notice_detail.html",
        notice=broadcast,
        total=status.total,
        by_class=status.by_class,
        audience_text=describe(broadcast.audience),
        receipt_title=RECEIPT_TITLE,
    )


@page(SCHOOL_ROLES)
def progress(ctx: Ctx) -> Response:
    _, broadcast = _notice(ctx)
    status = broadcast_status(ctx.db, broadcast.id)
    assert status is not None
    total = status.total
    done = total.sent + total.failed
    return JSONResponse(
        {
            "cells": _cells(total, status.by_class),
            "bars": {
                "bar-sent": _share(total.sent, total.total),
                "bar-failed": _share(total.failed, total.total),
            },
            "finished": total.finished,
            "receipts": broadcast.ask_receipt,
            "done": done,
        },
        headers={"Cache-Control": "no-store"},
    )


def _share(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


@page(SCHOOL_ROLES, write=True)
def cancel(ctx: Ctx) -> Response:
    _, broadcast = _notice(ctx)
    try:
        removed = cancel_notice(ctx.db, broadcast, by=ctx.user.full_name)
    except NoticeError as exc:
        return ctx.redirect(f"/thong-bao/{broadcast.id}", f"Không huỷ được: {exc}.")
    ctx.audit("notice_cancelled", f"Thông báo số {broadcast.id}: huỷ {removed} tin chưa gửi")
    return ctx.redirect(
        f"/thong-bao/{broadcast.id}", f"Đã huỷ {removed} tin chưa gửi của thông báo số {broadcast.id}."
    )


def routes() -> list[Route]:
    return [
        Route("/thong-bao", notices_page, methods=["GET"]),
        Route("/thong-bao/moi", compose, methods=["GET"]),
        Route("/thong-bao/xem-truoc", preview, methods=["POST"]),
        Route("/thong-bao/gui", send, methods=["POST"]),
        Route("/thong-bao/{notice_id:int}", notice_page, methods=["GET"]),
        Route("/thong-bao/{notice_id:int}/tien-do", progress, methods=["GET"]),
        Route("/thong-bao/{notice_id:int}/huy", cancel, methods=["POST"]),
    ]
