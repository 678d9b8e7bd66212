"""The report for the education office: choose a period, download the XLSX (native charts)
and the Word letter in the administrative layout, from the same figures as ``chatbot report``."""

from __future__ import annotations

from datetime import date, datetime

from starlette.responses import Response
from starlette.routing import Route

from chatbot.db.models import WebRole
from chatbot.school.city import city_figures, city_xlsx_bytes
from chatbot.school.importing.values import parse_date
from chatbot.school.report_letter import LetterDetails, letter_bytes, symbol_of
from chatbot.school.reporting import ReportError, build_report, xlsx_bytes
from chatbot.settings import TIMEZONE
from web.framework import Ctx, page
from web.scope import school_for, visible_schools

OFFICE_AND_ADMIN = frozenset({WebRole.OFFICE, WebRole.ADMIN})
TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
CITY = "toan-thanh-pho"  # the office's choice of every school at once
LIMITS = {"so": 20, "ky-hieu": 40, "chuc-vu": 60, "nguoi-ky": 120, "kien-nghi": 2000}


def school_year_start(today: date) -> date:
    """5 September of the current school year (it starts in September)."""
    year = today.year if today.month >= 9 else today.year - 1
    return date(year, 9, 5)


def _values(ctx: Ctx) -> dict[str, str]:
    today = datetime.now(TIMEZONE).date()
    values = {
        "tu": ctx.param("tu") or f"{school_year_start(today):%Y-%m-%d}",
        "den": ctx.param("den") or f"{today:%Y-%m-%d}",
        "truong": ctx.param("truong"),
        "so": ctx.param("so"),
        "ky-hieu": ctx.param("ky-hieu"),
        "chuc-vu": ctx.param("chuc-vu") or "Hiệu trưởng",
        "nguoi-ky": ctx.param("nguoi-ky"),
        "kien-nghi": ctx.param("kien-nghi"),
    }
    return {key: value[: LIMITS.get(key, 40)] for key, value in values.items()}


def _form(ctx: Ctx, values: dict[str, str], message: str = "", status: int = 200) -> Response:
    schools = visible_schools(ctx.db, ctx.user)
    return ctx.render(
        "office_report.html",
        status=status,
        values=values,
        schools=schools,
        message=message,
        symbol_hint=symbol_of(schools[0].code) if len(schools) == 1 else "BC-…",
    )


@page(OFFICE_AND_ADMIN)
def report_page(ctx: Ctx) -> Response:
    return _form(ctx, _values(ctx))


@page(OFFICE_AND_ADMIN)
def download(ctx: Ctx) -> Response:
    values = _values(ctx)
    kind = ctx.param("dinh-dang")
    if kind not in TYPES:
        return _form(ctx, values, "Hãy chọn tải Excel hoặc văn bản Word.", 400)
    if ctx.is_office and not values["truong"]:
        return _form(ctx, values, "Hãy chọn trường.", 400)
    if ctx.is_office and values["truong"] == CITY:
        return _city_download(ctx, values, kind)
    school = school_for(ctx.db, ctx.user, values["truong"] or None)
    try:
        start, end = parse_date(values["tu"]), parse_date(values["den"])
        report = build_report(ctx.db, school, start, end)
    except (ValueError, ReportError) as exc:
        return _form(ctx, values, f"Khoảng thời gian chưa đúng: {exc}.", 400)
    if kind == "xlsx":
        content = xlsx_bytes(report)
    else:
        details = LetterDetails(
            number=values["so"],
            symbol=values["ky-hieu"],
            signer_title=values["chuc-vu"],
            signer_name=values["nguoi-ky"],
            recommendations=values["kien-nghi"],
        )
        content = letter_bytes(report, details)
    ctx.audit(
        "office_report", f"{school.code}, {start:%d/%m/%Y}–{end:%d/%m/%Y}, tệp .{kind}", school_id=school.id
    )
    name = f"bao-cao-{school.code}-{start:%Y%m%d}-{end:%Y%m%d}.{kind}"
    return Response(
        content, media_type=TYPES[kind], headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


def _city_download(ctx: Ctx, values: dict[str, str], kind: str) -> Response:
    """The office's workbook of the whole city: a summary sheet, then one sheet per school."""
    if kind != "xlsx":
        return _form(ctx, values, "Văn bản Word được lập cho từng trường; toàn thành phố có bảng Excel.", 400)
    try:
        start, end = parse_date(values["tu"]), parse_date(values["den"])
        if start > end:
            raise ReportError(f"ngày bắt đầu {start:%d/%m/%Y} sau ngày kết thúc {end:%d/%m/%Y}")
        figures = city_figures(ctx.db, start, end)
    except (ValueError, ReportError) as exc:
        return _form(ctx, values, f"Khoảng thời gian chưa đúng: {exc}.", 400)
    ctx.audit("office_report", f"toàn thành phố, {start:%d/%m/%Y}–{end:%d/%m/%Y}, tệp .xlsx")
    name = f"bao-cao-toan-thanh-pho-{start:%Y%m%d}-{end:%Y%m%d}.xlsx"
    return Response(
        city_xlsx_bytes(figures), media_type=TYPES["xlsx"],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def routes() -> list[Route]:
    return [
        Route("/bao-cao", report_page, methods=["GET"]),
        Route("/bao-cao/tai", download, methods=["GET"]),
    ]
