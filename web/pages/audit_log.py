"""The audit log: who signed in, sent, handled, imported or exported what."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from chatbot.db.models import WebRole
from chatbot.school.audit import ACTION_LABELS, recent_events
from web.framework import Ctx, page
from web.scope import visible_schools

OFFICE_AND_ADMIN = frozenset({WebRole.OFFICE, WebRole.ADMIN})


@page(OFFICE_AND_ADMIN)
def audit_page(ctx: Ctx) -> Response:
    schools = visible_schools(ctx.db, ctx.user)
    school_ids = None if ctx.is_office else [s.id for s in schools]
    events = recent_events(ctx.db, school_ids)
    names = {s.id: s.code for s in schools}
    return ctx.render("audit.html", events=events, labels=ACTION_LABELS, school_codes=names)


def routes() -> list[Route]:
    return [Route("/nhat-ky", audit_page, methods=["GET"])]
