"""Overview: per class, families linked, rules acknowledged, unreachable, open reports;
a click on a class leads to the names of those missing. The office sees every school."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from starlette.responses import Response
from starlette.routing import Route

from chatbot.delivery.outbox import utcnow
from chatbot.delivery.reach import REACH_COLUMNS, REACH_LABELS, class_reach
from chatbot.school.city import city_figures
from chatbot.school.status import ClassStatus, StudentStatus, class_statuses
from chatbot.settings import RULES_VERSION, TIMEZONE
from web.charts import Bar, BarChart, Ring
from web.framework import SCHOOL_ROLES, Ctx, page
from web.pages.office_report import school_year_start
from web.scope import class_ids, get_class, school_for, visible_schools

CHANNEL_LABELS = {"telegram": "Telegram", "zalo": "Zalo", "zalo_bot": "Zalo", "rest": "Thử nghiệm"}
MISSING = {
    "ket-noi": ("chưa kết nối", lambda s: not s.linked),
    "xac-nhan": ("chưa xác nhận nội quy", lambda s: not s.acknowledged_at),
    "lien-lac": ("không liên lạc được (đã chặn hoặc rời trợ lý)", lambda s: s.unreachable),
}


@dataclass(frozen=True)
class Totals:
    classes: int
    students: int
    linked: int
    acknowledged: int
    unreachable: int
    open_reports: int

    @classmethod
    def of(cls, statuses: list[ClassStatus]) -> Totals:
        return cls(
            classes=len(statuses),
            students=sum(c.total for c in statuses),
            linked=sum(c.linked for c in statuses),
            acknowledged=sum(c.acknowledged for c in statuses),
            unreachable=sum(len(c.unreachable) for c in statuses),
            open_reports=sum(c.open_reports for c in statuses),
        )

    @property
    def linked_ring(self) -> Ring:
        return Ring(self.linked, self.students)

    @property
    def acknowledged_ring(self) -> Ring:
        return Ring(self.acknowledged, self.students)


def _charts(statuses: list[ClassStatus], with_links: bool) -> tuple[BarChart, BarChart]:
    def href(c: ClassStatus, missing: str) -> str | None:
        return f"/lop/{c.class_id}?thieu={missing}" if with_links else None

    linked = BarChart(
        "chart-linked",
        "Gia đình đã kết nối với trợ lý",
        [Bar(c.name, c.linked, c.total, href(c, "ket-noi")) for c in statuses],
    )
    acknowledged = BarChart(
        "chart-ack",
        "Đã xác nhận đọc nội quy",
        [Bar(c.name, c.acknowledged, c.total, href(c, "xac-nhan")) for c in statuses],
    )
    return linked, acknowledged


@page()
def overview_page(ctx: Ctx) -> Response:
    if ctx.is_office and not ctx.param("truong"):
        return _office_overview(ctx)
    school = school_for(ctx.db, ctx.user, ctx.param("truong"))
    statuses = class_statuses(ctx.db, school, class_ids=class_ids(ctx.db, ctx.user, school))
    linked, acknowledged = _charts(statuses, with_links=not ctx.is_office)
    return ctx.render(
        "overview.html",
        school=school,
        statuses=statuses,
        totals=Totals.of(statuses),
        linked_chart=linked,
        acknowledged_chart=acknowledged,
        rules_version=RULES_VERSION,
        show_names=not ctx.is_office,
    )


def _office_overview(ctx: Ctx) -> Response:
    rows = []
    for school in visible_schools(ctx.db, ctx.user):
        rows.append((school, Totals.of(class_statuses(ctx.db, school))))

    def bars(figure: str) -> list[Bar]:
        return [Bar(s.code, getattr(t, figure), t.students, f"/tong-quan?truong={s.id}") for s, t in rows]

    wide = {"width": 520, "label_width": 150}
    chart = BarChart("chart-schools", "Gia đình đã kết nối, theo trường", bars("linked"), **wide)
    ack_chart = BarChart(
        "chart-schools-ack", "Đã xác nhận đọc nội quy, theo trường", bars("acknowledged"), **wide
    )
    city = Totals(
        classes=sum(t.classes for _, t in rows),
        students=sum(t.students for _, t in rows),
        linked=sum(t.linked for _, t in rows),
        acknowledged=sum(t.acknowledged for _, t in rows),
        unreachable=sum(t.unreachable for _, t in rows),
        open_reports=sum(t.open_reports for _, t in rows),
    )
    today = datetime.now(TIMEZONE).date()
    year = city_figures(ctx.db, school_year_start(today), today)  # the office report's figures
    incidents = {figures.code: figures for figures in year.schools}
    return ctx.render(
        "office_overview.html",
        rows=rows,
        incidents=incidents,
        year=year,
        city=city,
        linked_chart=chart,
        acknowledged_chart=ack_chart,
        rules_version=RULES_VERSION,
    )


@page(SCHOOL_ROLES)
def class_page(ctx: Ctx) -> Response:
    school_class = get_class(ctx.db, ctx.user, ctx.request.path_params["class_id"])
    (status,) = class_statuses(ctx.db, school_class.school, class_ids=[school_class.id])
    missing = ctx.param("thieu")
    students: list[StudentStatus] = list(status.students)
    title = ""
    if missing in MISSING:
        title, keep = MISSING[missing]
        students = [s for s in students if keep(s)]
    else:
        missing = ""
    return ctx.render(
        "class.html",
        school_class=school_class,
        class_status=status,
        students=students,
        missing=missing,
        missing_title=title,
        filters=[(key, label) for key, (label, _) in MISSING.items()],
        channel_labels=CHANNEL_LABELS,
        reach=next(
            (r for r in class_reach(ctx.db, utcnow(), school_class.school_id)
             if r.class_id == school_class.id),
            None,
        ),
        reach_columns=[(c, REACH_LABELS[c]) for c in REACH_COLUMNS],
    )


def routes() -> list[Route]:
    return [
        Route("/tong-quan", overview_page, methods=["GET"]),
        Route("/lop/{class_id}", class_page, methods=["GET"]),
    ]
