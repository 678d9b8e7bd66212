"""Run a blocking job every few seconds off the event loop until told to stop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from sqlalchemy.exc import SQLAlchemyError

logger = logging.getLogger(__name__)


async def sleep_unless_stopped(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


async def run_periodically(
    stop: asyncio.Event, interval: float, job: Callable[[], object], *, first_delay: float = 0.0
) -> None:
    """Call ``job`` in a thread every ``interval`` seconds; a database error is logged, not fatal."""
    await sleep_unless_stopped(stop, first_delay)
    while not stop.is_set():
        try:
            await asyncio.to_thread(job)
        except SQLAlchemyError:
            logger.exception("periodic job %s failed", getattr(job, "__name__", job))
        await sleep_unless_stopped(stop, interval)
