"""What may go into a log line: never a name, a meeting password or an invite code.

Exception messages and tracebacks' values can hold any of them (a database error repeats its
parameters, a ``KeyError`` its key), so errors are logged by type and code location only.
"""

from __future__ import annotations

import traceback


def code_locations(exc: BaseException) -> str:
    """Where ``exc`` was raised, innermost first, as ``file:line in function``; no values."""
    frames = traceback.extract_tb(exc.__traceback__)
    return " <- ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} in {f.name}" for f in reversed(frames))
