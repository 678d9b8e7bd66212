"""Questions the assistant could not answer, grouped and counted (scrubbed of personal data)."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from chatbot.db.models import WebRole
from chatbot.school.unanswered import group_unanswered
from web.framework import Ctx, page

OFFICE_AND_ADMIN = frozenset({WebRole.OFFICE, WebRole.ADMIN})
PERIODS = (7, 30, 90)


@page(OFFICE_AND_ADMIN)
def unanswered_page(ctx: Ctx) -> Response:
    days = int(ctx.param("ngay")) if ctx.param("ngay") in {str(p) for p in PERIODS} else 30
    groups = group_unanswered(ctx.db, days=days)
    return ctx.render(
        "unanswered.html", groups=groups, days=days, periods=PERIODS, total=sum(g.count for g in groups)
    )


def routes() -> list[Route]:
    return [Route("/cau-hoi", unanswered_page, methods=["GET"])]
