"""Delete bookkeeping rows that have served their purpose."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete

from chatbot.db.engine import session_scope
from chatbot.db.models import InviteAttempt, ProcessedEvent
from chatbot.tracker_events import purge_old_conversations

logger = logging.getLogger(__name__)

# Zalo and Telegram retry a webhook for minutes, not days; a week of ids is ample.
PROCESSED_EVENTS_KEPT = timedelta(days=7)
# Lock-outs look back at most an hour or so; a day keeps a margin for changed settings.
INVITE_ATTEMPTS_KEPT = timedelta(days=1)


def purge_expired(now: datetime | None = None) -> dict[str, int]:
    """Remove webhook ids and wrong-code attempts older than they are needed, and conversation
    events older than ``TRACKER_RETENTION_DAYS`` (SQL tracker store); return counts."""
    now = now or datetime.now(timezone.utc)
    with session_scope() as session:
        events = session.execute(
            delete(ProcessedEvent).where(ProcessedEvent.created_at < now - PROCESSED_EVENTS_KEPT)
        ).rowcount
        attempts = session.execute(
            delete(InviteAttempt).where(InviteAttempt.attempted_at < now - INVITE_ATTEMPTS_KEPT)
        ).rowcount
    counts = {
        "processed_events": events or 0,
        "invite_attempts": attempts or 0,
        "conversation_events": purge_old_conversations(now),
    }
    if any(counts.values()):
        logger.info("housekeeping removed %s", counts)
    return counts
