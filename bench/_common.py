"""Helpers the benchmark scripts share: the machine's description, percentiles, and the
replacement of a script's own section of bench/RESULTS.md.

The scripts run as ``python bench/<script>.py``, so this module is imported as ``_common``.
"""

from __future__ import annotations

import platform
import subprocess
from pathlib import Path


def cpu_model() -> str:
    """The CPU's model name from ``lscpu`` (or what :mod:`platform` knows)."""
    try:
        output = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return platform.processor() or "unknown"
    for line in output.splitlines():
        if line.startswith("Model name:"):
            return line.split(":", 1)[1].strip()
    return "unknown"


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank ``fraction`` percentile of ``values`` (NaN when there are none)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def replace_section(results: Path, start: str, end: str, section: str) -> None:
    """Write ``section`` (which begins with ``start`` and ends with ``end``) into ``results`` in
    place of the one between those markers, or at the end when there is none yet."""
    current = results.read_text(encoding="utf-8") if results.exists() else "# Benchmark results\n"
    if start in current and end in current:
        before, rest = current.split(start, 1)
        after = rest.split(end, 1)[1].lstrip("\n")
        updated = before + section + ("\n" + after if after else "")
    else:
        updated = current.rstrip("\n") + "\n\n" + section
    results.write_text(updated, encoding="utf-8")
