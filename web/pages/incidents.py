"""Incident and scam reports: filter by state, class and kind; read one; mark it handled with
a note (the reporter is told, as from the chat and the CLI); export the list."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

from sqlalchemy import func, select
from starlette.responses import Response
from starlette.routing import Route

from chatbot.db.models import IncidentKind, IncidentReport, IncidentStatus, School, WebRole
from chatbot.school.importing.values import parse_date
from chatbot.school.incidents import MAX_DESCRIPTION
from chatbot.school.incidents_admin import (
    KIND_LABELS,
    NO_CLASS,
    REPORTER_LABELS,
    STATUS_LABELS,
    IncidentError,
    IncidentFilter,
    export_incidents,
    find_incidents,
    handle_incident,
)
from web.framework import ALL_ROLES, Ctx, page
from web.scope import (
    NotFound,
    class_ids,
    report_visible,
    school_for,
    single_school_deployment,
    visible_classes,
    visible_schools,
)

FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def _day(raw: str) -> date | None:
    try:
        return parse_date(raw) if raw.strip() else None
    except ValueError:
        return None


def _filters(ctx: Ctx, school: School | None) -> tuple[IncidentFilter, dict[str, str]]:
    """The filter asked for in the query string; values outside the account's scope are dropped."""
    status = ctx.param("trang-thai")
    kind = ctx.param("loai")
    class_param = ctx.param("lop")
    allowed = {str(c.id): c for c in visible_classes(ctx.db, ctx.user, school)} if school else {}
    chosen = {
        "trang-thai": status if status in {s.value for s in IncidentStatus} else "",
        "loai": kind if kind in {k.value for k in IncidentKind} else "",
        "lop": class_param if class_param in allowed else "",
        "tu": ctx.param("tu"),
        "den": ctx.param("den"),
    }
    criteria = IncidentFilter(
        status=IncidentStatus(chosen["trang-thai"]) if chosen["trang-thai"] else None,
        kind=IncidentKind(chosen["loai"]) if chosen["loai"] else None,
        class_id=int(chosen["lop"]) if chosen["lop"] else None,
        date_from=_day(chosen["tu"]),
        date_to=_day(chosen["den"]),
    )
    return criteria, chosen


def _school_or_all(ctx: Ctx) -> School | None:
    """The school the list is about; None for the office looking at every school."""
    if ctx.is_office and not ctx.param("truong"):
        return None
    return school_for(ctx.db, ctx.user, ctx.param("truong"))


def _matching(ctx: Ctx, school: School | None, criteria: IncidentFilter) -> list[IncidentReport]:
    if school is None:
        return find_incidents(ctx.db, None, criteria)
    unassigned = ctx.is_office or (ctx.role is WebRole.ADMIN and single_school_deployment(ctx.db))
    return find_incidents(
        ctx.db, school, criteria, class_ids=class_ids(ctx.db, ctx.user, school), include_unassigned=unassigned
    )


@page(ALL_ROLES)
def incidents_page(ctx: Ctx) -> Response:
    school = _school_or_all(ctx)
    criteria, chosen = _filters(ctx, school)
    reports = sorted(_matching(ctx, school, criteria), key=lambda r: r.occurred_at, reverse=True)
    open_count = sum(1 for r in reports if r.status is IncidentStatus.OPEN)
    query = "&".join(f"{k}={v}" for k, v in chosen.items() if v)
    if ctx.param("truong"):
        query = f"truong={ctx.param('truong')}&{query}".rstrip("&")
    return ctx.render(
        "incidents.html",
        school=school,
        schools=visible_schools(ctx.db, ctx.user) if ctx.is_office else [],
        chosen_school=ctx.param("truong"),
        reports=reports,
        open_count=open_count,
        chosen=chosen,
        classes=visible_classes(ctx.db, ctx.user, school) if school else [],
        kinds=KIND_LABELS,
        statuses=STATUS_LABELS,
        reporter_labels=REPORTER_LABELS,
        no_class=NO_CLASS,
        export_query=query,
    )


def _report(ctx: Ctx) -> IncidentReport:
    reference = ctx.request.path_params["reference"].strip().upper()
    report = ctx.db.scalar(select(IncidentReport).where(func.upper(IncidentReport.reference) == reference))
    if report is None or not report_visible(ctx.db, ctx.user, report):
        raise NotFound("no such report")
    return report


def _detail(
    ctx: Ctx, report: IncidentReport, status: int = 200, message: str = "", note: str = ""
) -> Response:
    return ctx.render(
        "incident_detail.html",
        status=status,
        report=report,
        kind_label=KIND_LABELS[report.kind],
        status_label=STATUS_LABELS[report.status],
        reporter_label=REPORTER_LABELS.get(report.reporter_role, "") if report.reporter_role else "",
        class_name=report.school_class.name if report.school_class else NO_CLASS,
        message=message,
        note=note,
        max_note=MAX_DESCRIPTION,
        can_handle=not ctx.is_office and report.status is IncidentStatus.OPEN,
    )


@page(ALL_ROLES)
def incident_page(ctx: Ctx) -> Response:
    return _detail(ctx, _report(ctx))


@page(ALL_ROLES, write=True)
def handle(ctx: Ctx) -> Response:
    report = _report(ctx)
    assert ctx.form is not None
    note = ctx.form.get("note").strip()
    if not note:
        return _detail(
            ctx, report, 400, "Hãy ghi biện pháp đã làm: nội dung này đi vào báo cáo gửi Phòng GDĐT."
        )
    try:
        handle_incident(ctx.db, report.reference, by=ctx.user.full_name, action=note)
    except IncidentError as exc:
        return _detail(ctx, report, 409, f"Không ghi được: {exc}.", note)
    ctx.audit("report_handled", f"Sự vụ {report.reference}", school_id=report.school_id or ctx.user.school_id)
    told = " Người báo cáo sẽ nhận được thông báo." if report.reporter_account_id else ""
    return ctx.redirect(f"/su-vu/{report.reference}", f"Đã ghi nhận sự vụ {report.reference} đã xử lý.{told}")


@page(ALL_ROLES)
def export(ctx: Ctx) -> Response:
    fmt = ctx.param("dinh-dang", "xlsx")
    if fmt not in FORMATS:
        ctx.fail(400, "Chỉ xuất được tệp .xlsx hoặc .csv.")
    school = _school_or_all(ctx)
    criteria, _ = _filters(ctx, school)
    reports = _matching(ctx, school, criteria)
    with tempfile.TemporaryDirectory(prefix="export-") as folder:
        path = Path(folder) / f"su-vu.{fmt}"
        export_incidents(reports, path)
        content = path.read_bytes()
    ctx.audit(
        "reports_exported", f"{len(reports)} sự vụ, tệp .{fmt}", school_id=school.id if school else None
    )
    name = f"su-vu-{school.code if school else 'cac-truong'}-{date.today():%Y%m%d}.{fmt}"
    return Response(
        content, media_type=FORMATS[fmt], headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


def routes() -> list[Route]:
    return [
        Route("/su-vu", incidents_page, methods=["GET"]),
        Route("/su-vu/xuat", export, methods=["GET"]),
        Route("/su-vu/{reference}", incident_page, methods=["GET"]),
        Route("/su-vu/{reference}/xu-ly", handle, methods=["POST"]),
    ]
