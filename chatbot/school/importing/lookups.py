"""Look up a school's classes and staff the way import files name them."""

from __future__ import annotations

import difflib

from sqlalchemy import select
from sqlalchemy.orm import Session

from chatbot.db.models import School, SchoolClass, StaffMember


def classes_by_name(session: Session, school: School) -> dict[str, SchoolClass]:
    query = select(SchoolClass).where(SchoolClass.school_id == school.id)
    return {c.name: c for c in session.scalars(query)}


def name_key(full_name: str) -> str:
    """People match by name whatever the case and spacing, but not without diacritics."""
    return " ".join(full_name.split()).casefold()


def staff_by_name(session: Session, school: School) -> dict[str, StaffMember]:
    query = select(StaffMember).where(StaffMember.school_id == school.id)
    return {name_key(s.full_name): s for s in session.scalars(query)}


def suggestion(name: str, known: dict[str, StaffMember]) -> str:
    """ " (gần giống: “…”)" for a close known name, or ""."""
    close = difflib.get_close_matches(name_key(name), list(known), n=1, cutoff=0.75)
    return f" (gần giống: “{known[close[0]].full_name}”)" if close else ""


ROSTER_FIRST = "hãy nhập danh sách học sinh (chatbot import roster) trước"
UNKNOWN_CLASS_HINT = f"chưa có trong hệ thống — {ROSTER_FIRST}"
