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
