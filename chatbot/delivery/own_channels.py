"""Accounts that only a school's own bot could reach, when that bot has no credentials stored."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chatbot.db.models import ChatAccount, School, SchoolChannel


def accounts_without_channel(session: Session, school: School, account_ids: list[int]) -> dict[str, int]:
    """Of ``account_ids``, those on one of ``school``'s own bots that has no credentials stored
    (never set, or removed), counted by channel: nothing can reach them."""
    own = set(session.scalars(select(SchoolChannel.channel).where(SchoolChannel.school_id == school.id)))
    prefix = f"{school.code}:"
    missing: dict[str, int] = {}
    for start in range(0, len(account_ids), 500):
        rows = session.execute(
            select(ChatAccount.channel, func.count())
            .where(
                ChatAccount.id.in_(account_ids[start:start + 500]),
                ChatAccount.external_id.startswith(prefix, autoescape=True),
            )
            .group_by(ChatAccount.channel)
        )
        for channel, count in rows:
            name = channel.value if hasattr(channel, "value") else str(channel)
            if name not in own:
                missing[name] = missing.get(name, 0) + count
    return missing
