"""Import a roster, teachers, timetable or holidays: a dry run first, then on confirmation the
whole file in one transaction (all or nothing), as ``chatbot import`` does."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import select
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from chatbot.db.models import ImportUpload
from chatbot.school.demo import DEMO_DIR
from chatbot.school.importing import (
    CLASS_OPTION_KINDS,
    IMPORTERS,
    KIND_LABELS,
    FileUnreadable,
    ImportFailed,
    ImportSummary,
    import_bytes,
    safe_filename,
)
from chatbot.school.importing.readers import SUPPORTED_SUFFIXES
from chatbot.school.importing.values import normalize_class_name
from chatbot.school.staff_accounts import token_hash
from chatbot.settings import get_settings
from web.framework import ADMIN_ONLY, Ctx, Halt, page
from web.scope import NotFound, school_for

UPLOAD_KEPT = timedelta(hours=1)
SAMPLES = {
    "roster": "roster.xlsx",
    "teachers": "teachers.xlsx",
    "timetable": "timetable.xlsx",
    "holidays": "holidays.xlsx",
}
ORDER_HINT = {
    "roster": "Nhập trước tiên. Học sinh đã có mà không còn trong tệp được giữ nguyên và liệt kê "
    "để kiểm tra.",
    "teachers": "Sau danh sách học sinh. Mỗi giáo viên, cán bộ mới được tạo tài khoản trang quản lý "
    "(chưa có mật khẩu, đăng nhập bằng liên kết từ trợ lý).",
    "timetable": "Sau danh sách giáo viên. Tệp là toàn bộ thời khoá biểu của các lớp trong tệp: tiết "
    "không còn trong tệp sẽ bị bỏ.",
    "holidays": "Ngày nghỉ của trường; trợ lý không nhắc giờ học vào những ngày này.",
}
EXPIRED = "Tệp đã tải lên quá một giờ, đã được nhập, hoặc không phải của thầy cô. Hãy tải tệp lên lại."


def _kinds() -> list[tuple[str, str, list[str], str]]:
    return [
        (
            kind,
            KIND_LABELS[kind],
            [f.label + ("" if f.required else " (không bắt buộc)") for f in module.FIELDS],
            ORDER_HINT[kind],
        )
        for kind, module in IMPORTERS.items()
    ]


def _form(ctx: Ctx, status: int = 200, **context: object) -> Response:
    defaults: dict[str, object] = {
        "kinds": _kinds(),
        "chosen_kind": "roster",
        "chosen_class": "",
        "message": "",
        "problems": [],
        "summary": None,
        "upload_token": "",
        "max_mb": get_settings().web_max_upload_mb,
        "class_kinds": sorted(CLASS_OPTION_KINDS),
    }
    defaults.update(context)
    return ctx.render("import.html", status=status, **defaults)


@page(ADMIN_ONLY)
def import_page(ctx: Ctx) -> Response:
    return _form(ctx)


def _class_option(ctx: Ctx, kind: str, raw: str) -> str | None:
    if not raw.strip():
        return None
    if kind not in CLASS_OPTION_KINDS:
        return None
    try:
        return normalize_class_name(raw)
    except ValueError as exc:
        raise ValueError(f"Lớp: {exc}") from exc


@page(ADMIN_ONLY, write=True)
def dry_run(ctx: Ctx) -> Response:
    """Check an uploaded file and show what would change; nothing is written to the school."""
    form = ctx.form
    assert form is not None
    kind = form.get("kind")
    chosen = {"chosen_kind": kind if kind in IMPORTERS else "roster", "chosen_class": form.get("class_name")}
    if kind not in IMPORTERS:
        return _form(ctx, 400, message="Hãy chọn loại dữ liệu cần nhập.", **chosen)
    upload = form.file("file")
    if upload is None:
        return _form(ctx, 400, message="Chưa chọn tệp để nhập.", **chosen)
    filename, content = upload
    limit = get_settings().web_max_upload_mb
    suffix = Path(filename).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES and suffix != ".xls":
        return _form(
            ctx,
            415,
            message=f"{safe_filename(filename)}: chỉ nhận tệp Excel (.xlsx) hoặc .csv. Chưa có gì thay đổi.",
            **chosen,
        )
    if len(content) > limit * 1024 * 1024:
        return _form(ctx, 413, message=f"Tệp quá lớn: chỉ nhận tệp đến {limit} MB.", **chosen)
    try:
        class_name = _class_option(ctx, kind, form.get("class_name"))
    except ValueError as exc:
        return _form(ctx, 400, message=str(exc), **chosen)
    school = school_for(ctx.db, ctx.user)
    try:
        with ctx.db.begin_nested() as savepoint:
            summary = import_bytes(
                ctx.db, school, kind, filename, content, dry_run=True, class_name=class_name
            )
            savepoint.rollback()
    except FileUnreadable as exc:
        return _form(ctx, 422, message=f"{exc}. Chưa có gì thay đổi.", **chosen)
    except ImportFailed as exc:
        return _form(
            ctx,
            422,
            problems=[str(p) for p in exc.problems],
            message=f"Không nhập được {exc.source}: có {len(exc.problems)} lỗi cần sửa. "
            "Chưa có gì thay đổi — sửa trong Excel rồi tải lên lại.",
            **chosen,
        )
    token = secrets.token_urlsafe(24)
    ctx.db.add(
        ImportUpload(
            token_hash=token_hash(token),
            user_id=ctx.user.id,
            school_id=school.id,
            kind=kind,
            class_name=class_name,
            filename=safe_filename(filename),
            content=content,
        )
    )
    return _form(ctx, summary=summary, upload_token=token, **chosen)


@page(ADMIN_ONLY, write=True)
def confirm(ctx: Ctx) -> Response:
    """Import the file checked by the dry run, in this one transaction."""
    assert ctx.form is not None
    ctx.consume_form_token()
    token = ctx.form.get("upload")
    school = school_for(ctx.db, ctx.user)
    upload = ctx.db.scalar(
        select(ImportUpload).where(
            ImportUpload.token_hash == token_hash(token or "-"),
            ImportUpload.user_id == ctx.user.id,
            ImportUpload.school_id == school.id,
            ImportUpload.used_at.is_(None),
            ImportUpload.created_at > datetime.now(timezone.utc) - UPLOAD_KEPT,
        )
    )
    if upload is None:
        ctx.fail(410, EXPIRED, "Tệp không còn")
    try:
        summary = import_bytes(
            ctx.db, school, upload.kind, upload.filename, upload.content, class_name=upload.class_name
        )
    except (FileUnreadable, ImportFailed) as exc:
        problems = [str(p) for p in getattr(exc, "problems", [])]
        raise Halt(
            _form(
                ctx,
                422,
                problems=problems,
                chosen_kind=upload.kind,
                message="Dữ liệu đã thay đổi từ lúc kiểm tra nên tệp không nhập được; chưa có gì "
                "thay đổi. Hãy tải tệp lên lại.",
            )
        ) from exc
    upload.used_at = datetime.now(timezone.utc)
    upload.content = b""
    ctx.audit("import", _audit_text(summary))
    return _form(ctx, summary=summary, done=True, chosen_kind=upload.kind)


def _audit_text(summary: ImportSummary) -> str:
    return (
        f"{summary.kind}, {summary.source}: {summary.rows} dòng; thêm {summary.added}, cập nhật "
        f"{summary.updated}, bỏ {summary.removed}"
    )


@page(ADMIN_ONLY)
def sample(ctx: Ctx) -> Response:
    name = SAMPLES.get(ctx.request.path_params["kind"])
    if name is None:
        raise NotFound("no such sample")
    return FileResponse(DEMO_DIR / name, filename=f"mau-{name}")


def routes() -> list[Route]:
    return [
        Route("/nhap-du-lieu", import_page, methods=["GET"]),
        Route("/nhap-du-lieu", dry_run, methods=["POST"]),
        Route("/nhap-du-lieu/xac-nhan", confirm, methods=["POST"]),
        Route("/nhap-du-lieu/mau/{kind}", sample, methods=["GET"]),
    ]
