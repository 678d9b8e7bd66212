"""Helpers the benchmark scripts share: the machine's description and percentiles.

The scripts run as ``python bench/<script>.py``, so this module is imported as ``_common``.
"""

from __future__ import annotations

import platform
import subprocess


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
