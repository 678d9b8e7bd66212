"""Whether a Zalo OA account follows the OA: set by follow/unfollow events and by Zalo's
"not following" answers; the route planner sends ZNS instead to a family that stopped following.
Losing a follower never deactivates the account."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from chatbot.db.models import ZaloFollow, utcnow


def set_following(session: Session, account_id: int, following: bool, now: datetime | None = None) -> None:
    row = session.get(ZaloFollow, account_id)
    if row is None:
        session.add(ZaloFollow(account_id=account_id, following=following, changed_at=now or utcnow()))
    elif row.following != following:
        row.following = following
        row.changed_at = now or utcnow()
    session.flush()


def record_follow_event(external_id: str, following: bool) -> bool:
    """A follow or unfollow event from Zalo for the OA user ``external_id`` (own transaction);
    False when no account has that id yet (a follower who has not linked)."""
    from sqlalchemy import select

    from chatbot.db.engine import session_scope
    from chatbot.db.models import Channel, ChatAccount

    with session_scope() as session:
        account_id = session.execute(
            select(ChatAccount.id).where(
                ChatAccount.channel == Channel.ZALO, ChatAccount.external_id == external_id
            )
        ).scalar()
        if account_id is None:
            return False
        set_following(session, account_id, following)
        return True
