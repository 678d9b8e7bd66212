"""Delete bookkeeping rows that have served their purpose."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, or_

from chatbot.db.engine import session_scope
from chatbot.db.models import (
    ButtonChoice,
    ImportUpload,
    InviteAttempt,
    ProcessedEvent,
    SignInFailure,
    SignInLink,
    UsedFormToken,
    WebSession,
)
from chatbot.settings import get_settings
from chatbot.tracker_events import purge_old_conversations

logger = logging.getLogger(__name__)

# Zalo and Telegram retry a webhook for minutes, not days; a week of ids is ample.
PROCESSED_EVENTS_KEPT = timedelta(days=7)
# Lock-outs look back at most an hour or so; a day keeps a margin for changed settings.
INVITE_ATTEMPTS_KEPT = timedelta(days=1)
# The web app: a form's one-time token only has to outlive the page it was on; an upload
# waits an hour for its confirmation; failed sign-ins count over minutes.
FORM_TOKENS_KEPT = timedelta(days=2)
UPLOADS_KEPT = timedelta(hours=2)
SIGN_IN_FAILURES_KEPT = timedelta(days=1)


def purge_expired(now: datetime | None = None) -> dict[str, int]:
    """Remove webhook ids, wrong-code attempts, expired button choices and the web app's spent
    sessions, links, form tokens, uploads and failed sign-ins once they are no longer needed,
    and conversation events older than ``TRACKER_RETENTION_DAYS`` (SQL tracker store); return counts."""
    now = now or datetime.now(timezone.utc)
    with session_scope() as session:
        events = session.execute(
            delete(ProcessedEvent).where(ProcessedEvent.created_at < now - PROCESSED_EVENTS_KEPT)
        ).rowcount
        attempts = session.execute(
            delete(InviteAttempt).where(InviteAttempt.attempted_at < now - INVITE_ATTEMPTS_KEPT)
        ).rowcount
        buttons = session.execute(delete(ButtonChoice).where(ButtonChoice.expires_at <= now)).rowcount
        counts = {
            "processed_events": events or 0, "invite_attempts": attempts or 0,
            "button_choices": buttons or 0,
        }
        counts.update(_purge_web(session, now))
    counts["conversation_events"] = purge_old_conversations(now)
    if any(counts.values()):
        logger.info("housekeeping removed %s", counts)
    return counts


def _purge_web(session, now: datetime) -> dict[str, int]:  # noqa: ANN001 - a Session
    idle = timedelta(minutes=get_settings().web_idle_minutes)
    deletes = {
        "web_sessions": delete(WebSession).where(
            or_(WebSession.expires_at <= now, WebSession.last_seen_at <= now - idle)
        ),
        "sign_in_links": delete(SignInLink).where(SignInLink.expires_at <= now),
        "form_tokens": delete(UsedFormToken).where(UsedFormToken.used_at < now - FORM_TOKENS_KEPT),
        "import_uploads": delete(ImportUpload).where(ImportUpload.created_at < now - UPLOADS_KEPT),
        "sign_in_failures": delete(SignInFailure).where(
            SignInFailure.attempted_at < now - SIGN_IN_FAILURES_KEPT
        ),
    }
    return {name: session.execute(statement).rowcount or 0 for name, statement in deletes.items()}
