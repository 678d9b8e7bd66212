"""Invite codes: print a class's sheets, regenerate or revoke one family's code.

Plain codes exist only in the printable sheet that answers the request (the store keeps
hashes), so the sheet is sent with ``no-store`` and a lost card means a new code.
"""

from __future__ import annotations

from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from chatbot.db.models import Role
from chatbot.school.invite_batches import InviteBatch, InviteError, issue_for_class, revoke_for_class
from chatbot.school.invite_sheets import ROLE_LABELS, render_html
from chatbot.school.status import class_statuses
from chatbot.settings import get_settings
from web.framework import SCHOOL_ROLES, Ctx, page
from web.scope import get_class, get_student, school_for, visible_classes

ROLES = {"parent": Role.PARENT, "student": Role.STUDENT, "teacher": Role.TEACHER}
SHEET_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; frame-ancestors 'none'"
)
WEB_HINT = "nút <b>Cấp lại mã</b> ở trang Mã mời của lớp"


@page(SCHOOL_ROLES)
def invites_page(ctx: Ctx) -> Response:
    school = school_for(ctx.db, ctx.user)
    ids = [c.id for c in visible_classes(ctx.db, ctx.user, school)]
    statuses = class_statuses(ctx.db, school, class_ids=ids)
    rows = [(s, sum(1 for st in s.students if st.pending_code and not st.linked)) for s in statuses]
    return ctx.render("invites.html", school=school, rows=rows)


@page(SCHOOL_ROLES)
def class_invites(ctx: Ctx) -> Response:
    school_class = get_class(ctx.db, ctx.user, ctx.request.path_params["class_id"])
    (status,) = class_statuses(ctx.db, school_class.school, class_ids=[school_class.id])
    waiting = sum(1 for s in status.students if not s.linked and not s.pending_code)
    return ctx.render(
        "invites_class.html",
        school_class=school_class,
        class_status=status,
        waiting=waiting,
        role_labels=ROLE_LABELS,
    )


def sheet(batch: InviteBatch) -> HTMLResponse:
    settings = get_settings()
    html = render_html(
        batch,
        bot_username=settings.telegram_bot_username,
        zalo_oa=settings.zalo_oa_name,
        regenerate_hint=WEB_HINT,
    )
    response = HTMLResponse(html)
    response.headers["Content-Security-Policy"] = SHEET_CSP
    response.headers["Cache-Control"] = "no-store"
    return response


def _after(ctx: Ctx, batch: InviteBatch, class_id: int) -> Response:
    label = ROLE_LABELS[batch.role].lower()
    ctx.audit(
        "invites_issued", f"Lớp {batch.class_name}, {label}: {len(batch.issued)} mã, huỷ {batch.revoked}"
    )
    if batch.issued:
        return sheet(batch)
    reasons = "; ".join(batch.skipped[:3]) + ("…" if len(batch.skipped) > 3 else "")
    return ctx.redirect(
        f"/ma-moi/lop/{class_id}",
        f"Không có mã mới nào cho {label} lớp {batch.class_name}. {reasons}".strip(),
    )


@page(SCHOOL_ROLES, write=True)
def issue(ctx: Ctx) -> Response:
    """Codes for everyone of the class not linked and without a usable code (or all, regenerated)."""
    assert ctx.form is not None
    school_class = get_class(ctx.db, ctx.user, ctx.request.path_params["class_id"])
    role = ROLES.get(ctx.form.get("role"))
    if role is None:
        ctx.fail(400, "Hãy chọn mã dành cho ai (phụ huynh, học sinh hoặc giáo viên chủ nhiệm).")
    ctx.consume_form_token()
    try:
        batch = issue_for_class(ctx.db, school_class, role, regenerate=ctx.form.get("regenerate") == "1")
    except InviteError as exc:
        ctx.fail(400, f"{exc}. Chưa tạo mã nào.")
    return _after(ctx, batch, school_class.id)


@page(SCHOOL_ROLES, write=True)
def regenerate_one(ctx: Ctx) -> Response:
    """A new parent code for one student (the family lost its card); the old unused one is revoked."""
    school_class = get_class(ctx.db, ctx.user, ctx.request.path_params["class_id"])
    student = get_student(ctx.db, ctx.user, school_class, ctx.request.path_params["student_id"])
    ctx.consume_form_token()
    batch = issue_for_class(
        ctx.db, school_class, Role.PARENT, rolls={student.roll_number}, regenerate=True, include_linked=True
    )
    return _after(ctx, batch, school_class.id)


@page(SCHOOL_ROLES, write=True)
def revoke_one(ctx: Ctx) -> Response:
    school_class = get_class(ctx.db, ctx.user, ctx.request.path_params["class_id"])
    student = get_student(ctx.db, ctx.user, school_class, ctx.request.path_params["student_id"])
    count = revoke_for_class(ctx.db, school_class, rolls={student.roll_number})
    ctx.audit("invites_revoked", f"Lớp {school_class.name}, STT {student.roll_number}: {count} mã")
    message = (
        f"Đã huỷ {count} mã chưa dùng của STT {student.roll_number:02d}."
        if count
        else f"STT {student.roll_number:02d} không có mã chưa dùng nào để huỷ."
    )
    return ctx.redirect(f"/ma-moi/lop/{school_class.id}", message)


def routes() -> list[Route]:
    return [
        Route("/ma-moi", invites_page, methods=["GET"]),
        Route("/ma-moi/lop/{class_id}", class_invites, methods=["GET"]),
        Route("/ma-moi/lop/{class_id}/tao", issue, methods=["POST"]),
        Route("/ma-moi/lop/{class_id}/hoc-sinh/{student_id}/cap-lai", regenerate_one, methods=["POST"]),
        Route("/ma-moi/lop/{class_id}/hoc-sinh/{student_id}/huy", revoke_one, methods=["POST"]),
    ]
