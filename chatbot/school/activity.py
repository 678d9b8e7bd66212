"""Inbound activity of chat accounts: any message reactivates the account and is timed.

``chat_accounts.last_inbound_at`` tells when the person last wrote, which decides whether Zalo's
7-day window for consultation messages is still open. It is written at most once a minute per
account: :class:`InboundRecorder` remembers recent writes in the process, and the ``UPDATE``
itself changes nothing for an active account written to less than a minute ago.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta, timezone

from sqlalchemy import or_, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from chatbot.db.engine import session_scope
from chatbot.db.models import Channel, ChatAccount
from chatbot.throttle import OncePer

logger = logging.getLogger(__name__)

RECORD_INTERVAL = timedelta(minutes=1)


def record_inbound(
    session: Session, channel: str, external_id: str, now: datetime | None = None
) -> bool:
    """Reactivate the account of ``(channel, external_id)`` and set its last inbound time.

    Accounts are not created here (a stranger's message leaves no row). Returns whether a row
    changed: ``False`` for an unknown account or one already recorded within the last minute.
    """
    now = now or datetime.now(timezone.utc)
    result = session.execute(
        update(ChatAccount)
        .where(
            ChatAccount.channel == Channel(channel),
            ChatAccount.external_id == external_id,
            or_(
                ChatAccount.active.is_(False),
                ChatAccount.last_inbound_at.is_(None),
                ChatAccount.last_inbound_at < now - RECORD_INTERVAL,
            ),
        )
        .values(active=True, deactivated_reason=None, last_inbound_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)


class InboundRecorder:
    """Calls :func:`record_inbound` on a thread, at most once per ``interval`` per account."""

    def __init__(self, interval: float = RECORD_INTERVAL.total_seconds(), max_accounts: int = 50_000) -> None:
        self.gate = OncePer(interval, max_keys=max_accounts)

    async def record(self, channel: str, external_id: str) -> None:
        """Record one inbound message; a database failure is logged, never raised."""
        key = (channel, external_id)
        if not self.gate.allow(key):
            return
        try:
            await asyncio.to_thread(_record_in_own_session, channel, external_id)
        except (SQLAlchemyError, ValueError) as exc:
            self.gate.forget(key)  # try again with the next message
            logger.warning("%s: last inbound time not recorded (%s)", channel, type(exc).__name__)


def _record_in_own_session(channel: str, external_id: str) -> None:
    with session_scope() as session:
        record_inbound(session, channel, external_id)


INBOUND = InboundRecorder()
"""The process's recorder, shared by every input channel."""
