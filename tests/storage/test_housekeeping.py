"""Old webhook ids and wrong-code attempts are purged; recent ones stay."""

from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from chatbot.db.engine import session_scope
from chatbot.db.housekeeping import purge_expired
from chatbot.db.models import Channel, InviteAttempt, ProcessedEvent

NOW = datetime(2026, 11, 30, 1, 0, tzinfo=timezone.utc)


def test_purge_keeps_what_is_still_needed(any_db: str) -> None:
    with session_scope() as session:
        session.add_all([
            ProcessedEvent(channel="zalo", event_id="old", created_at=NOW - timedelta(days=8)),
            ProcessedEvent(channel="zalo", event_id="new", created_at=NOW - timedelta(days=6)),
            InviteAttempt(channel=Channel.ZALO, external_id="u", attempted_at=NOW - timedelta(days=2)),
            InviteAttempt(channel=Channel.ZALO, external_id="u", attempted_at=NOW - timedelta(minutes=5)),
        ])
    assert purge_expired(NOW) == {"processed_events": 1, "invite_attempts": 1, "conversation_events": 0}
    with session_scope() as session:
        assert session.scalars(select(ProcessedEvent.event_id)).all() == ["new"]
        assert session.scalar(select(func.count()).select_from(InviteAttempt)) == 1
    assert purge_expired(NOW) == {"processed_events": 0, "invite_attempts": 0, "conversation_events": 0}
