"""Pieces every webhook shares: secret checks, JSON parsing, background work, deduplication."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Coroutine
from typing import Any

from sanic import response
from sanic.response import HTTPResponse
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from chatbot.db.engine import session_scope
from chatbot.db.models import ProcessedEvent

logger = logging.getLogger(__name__)

_background: set[asyncio.Task[Any]] = set()


def secrets_match(given: str | None, expected: str | None) -> bool:
    """Constant-time comparison; a missing value on either side never matches."""
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def parse_json_object(body: bytes) -> dict[str, Any] | None:
    """The request body as a JSON object, or ``None`` if it is not one."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def forbidden(channel: str, reason: str) -> HTTPResponse:
    logger.warning("%s webhook rejected: %s", channel, reason)
    return response.json({"error": "forbidden"}, status=403)


def bad_request(channel: str) -> HTTPResponse:
    logger.warning("%s webhook rejected: body is not a JSON object", channel)
    return response.json({"error": "malformed JSON"}, status=400)


def not_configured(channel: str) -> HTTPResponse:
    return response.json({"error": "channel not configured", "channel": channel}, status=503)


def spawn(coro: Coroutine[Any, Any, Any], label: str) -> asyncio.Task[Any]:
    """Run ``coro`` in the background, keep a reference, and log (without details) if it fails."""
    task = asyncio.get_running_loop().create_task(coro)
    _background.add(task)

    def _done(finished: asyncio.Task[Any]) -> None:
        _background.discard(finished)
        if not finished.cancelled() and finished.exception() is not None:
            error = finished.exception()
            logger.error("%s: background handling failed (%s)", label, type(error).__name__)

    task.add_done_callback(_done)
    return task


async def drain_background(timeout: float = 10.0) -> None:
    """Wait for pending background handlers (graceful shutdown, tests)."""
    pending = [task for task in _background if not task.done()]
    if pending:
        await asyncio.wait(pending, timeout=timeout)


def _insert_event(channel: str, event_id: str) -> bool:
    try:
        with session_scope() as session:
            session.add(ProcessedEvent(channel=channel, event_id=event_id[:128]))
    except IntegrityError:
        return False
    return True


async def claim_event(channel: str, event_id: str) -> bool:
    """Record ``event_id`` as handled; ``False`` if it was already (another replica included).

    The unique (channel, event_id) insert is the lock. If the database is unreachable the event
    is handled anyway (at-least-once) and a warning is logged.
    """
    try:
        return await asyncio.to_thread(_insert_event, channel, event_id)
    except SQLAlchemyError as exc:
        logger.warning("%s: cannot record processed event (%s)", channel, type(exc).__name__)
        return True
