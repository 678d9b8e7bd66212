"""What families sent through the assistant (issue 17): absence notices per day, the relay
threads between families and homeroom teachers, and the official contacts with the scam
reports grouped by number. Read-only; the contacts list is kept with ``chatbot contacts``.

A teacher sees the classes they are homeroom teacher of; a school administrator the school;
the office sees how many absence notices each school has on a day (never which child or why)
and the contacts of any school, but not the families' messages.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

from starlette.responses import Response
from starlette.routing import Route

from chatbot.db.models import School, WebRole
from chatbot.school import absences, contacts, relay
from chatbot.settings import TIMEZONE
from web.framework import ALL_ROLES, Ctx, page
from web.scope import school_for, visible_classes, visible_schools

ADMIN_AND_TEACHER = frozenset({WebRole.ADMIN, WebRole.TEACHER})


def _school(ctx: Ctx) -> School:
    """The school asked for; the office without a choice gets the first one."""
    wanted = ctx.param("truong") or None
    if ctx.is_office and wanted is None:
        schools = visible_schools(ctx.db, ctx.user)
        if schools:
            return schools[0]
    return school_for(ctx.db, ctx.user, wanted)


def _day(ctx: Ctx) -> date:
    try:
        return date.fromisoformat(ctx.param("ngay"))
    except ValueError:
        return datetime.now(timezone.utc).astimezone(TIMEZONE).date()


@page(ALL_ROLES)
def absences_page(ctx: Ctx) -> Response:
    day = _day(ctx)
    if ctx.is_office:
        return _office_absences(ctx, day)
    school = _school(ctx)
    classes = visible_classes(ctx.db, ctx.user, school)
    lines = absences.absences_on(ctx.db, {c.id for c in classes}, day)
    rows = [(a.class_name, a.display_name, absences.periods_text(a.periods), a.reason) for a in lines]
    return ctx.render(
        "family_absences.html",
        school=school,
        schools=visible_schools(ctx.db, ctx.user),
        day=day,
        day_label=absences.day_text(day),
        rows=rows,
    )


def _office_absences(ctx: Ctx, day: date) -> Response:
    """The office's view of a day: the number of absence notices per school, and the sum."""
    counts = [(s, absences.count_between(ctx.db, s.id, day, day)) for s in visible_schools(ctx.db, ctx.user)]
    return ctx.render(
        "family_absences_city.html",
        day=day,
        day_label=absences.day_text(day),
        counts=counts,
        total=sum(n for _, n in counts),
    )


@page(ADMIN_AND_TEACHER)
def relay_page(ctx: Ctx) -> Response:
    school = school_for(ctx.db, ctx.user)
    allowed = {c.name for c in visible_classes(ctx.db, ctx.user, school)}
    threads = [t for t in relay.relay_log(ctx.db, school.id, limit=300) if t.class_name in allowed]
    return ctx.render("family_relay.html", school=school, threads=threads[:100], tag=relay.tag)


@page(ALL_ROLES)
def contacts_page(ctx: Ctx) -> Response:
    school = _school(ctx)
    listed = [
        (contacts.owner_text(c, ctx.db), c.phone or "", c.zalo or "", c.email or "", c.website or "")
        for c in contacts.list_contacts(ctx.db)
        if c.school_id in (None, school.id)
    ]
    return ctx.render(
        "family_contacts.html",
        school=school,
        schools=visible_schools(ctx.db, ctx.user),
        listed=listed,
        campaigns=contacts.campaigns(ctx.db, school.id),
    )


def routes() -> list[Route]:
    return [
        Route("/bao-nghi", absences_page, methods=["GET"]),
        Route("/trao-doi", relay_page, methods=["GET"]),
        Route("/lien-he", contacts_page, methods=["GET"]),
    ]
