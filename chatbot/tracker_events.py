"""Conversation history in Rasa's SQL format, without Rasa: erase one sender, purge old events.

Rasa's SQL tracker store keeps every event of every conversation in one ``events`` table
(``id, sender_id, type_name, timestamp, intent_name, action_name, data``; ``timestamp`` in
Unix seconds). Any tracker store of this project that writes SQL keeps that layout, so the
delivery worker's housekeeping (:func:`purge_old_conversations`) works for all of them
without loading Rasa.

How history is erased when a family deletes its data: the action server cannot reach Rasa's
store (in memory it lives inside the Rasa process), so the action sets the slot
:data:`ERASE_SLOT`; when Rasa saves that conversation at the end of the turn, the project's
tracker stores (:mod:`chatbot.rasa_stores`) see the slot and erase every event of the sender,
this turn's included, instead of saving.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text, create_engine, delete
from sqlalchemy.engine import Engine
from sqlalchemy.exc import NoSuchTableError

from chatbot.settings import get_settings, store_settings

logger = logging.getLogger(__name__)

ERASE_SLOT = "conversation_erasure"
ERASE_VALUE = "requested"

_metadata = MetaData()
events = Table(  # the columns Rasa's SQLTrackerStore creates; only read and delete here
    "events",
    _metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False, index=True),
    Column("type_name", String(255), nullable=False),
    Column("timestamp", Float),
    Column("intent_name", String(255)),
    Column("action_name", String(255)),
    Column("data", Text),
)


def erase_sender(engine: Engine, sender_id: str) -> int:
    """Delete every event of ``sender_id``; return how many."""
    with engine.begin() as connection:
        return connection.execute(delete(events).where(events.c.sender_id == sender_id)).rowcount or 0


def purge_before(engine: Engine, cutoff_timestamp: float) -> int:
    """Delete every event older than ``cutoff_timestamp`` (Unix seconds); return how many."""
    with engine.begin() as connection:
        return connection.execute(delete(events).where(events.c.timestamp < cutoff_timestamp)).rowcount or 0


def retention_cutoff(now: datetime | None = None) -> float:
    """The Unix time before which conversation events are deleted (``TRACKER_RETENTION_DAYS``)."""
    now = now or datetime.now(timezone.utc)
    return (now - timedelta(days=get_settings().tracker_retention_days)).timestamp()


def purge_old_conversations(now: datetime | None = None) -> int:
    """Housekeeping: purge the SQL conversation store named by ``TRACKER_STORE_URL``, if any.

    An in-memory store lives in the Rasa process and purges itself (chatbot/rasa_stores.py).
    """
    url = store_settings().tracker_store_url
    if not url:
        return 0
    engine = create_engine(url, future=True, hide_parameters=True)
    try:
        return purge_before(engine, retention_cutoff(now))
    except NoSuchTableError:
        return 0
    finally:
        engine.dispose()
