"""Not built yet."""

from __future__ import annotations


def routes() -> list:
    return []
