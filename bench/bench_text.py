"""Worst-case time of every chat-text reader on crafted messages (tests/house/adversarial.py).

    .venv/bin/python bench/bench_text.py [--sizes 4096 16384] [--nlu]

For each reader (normaliser, date parser, display-name checker, …) and each size, prints the
slowest crafted message and its CPU time per call; with ``--nlu``, the whole Rasa NLU
pipeline of the trained model too. Linear readers take about 4× longer at 4× the length.
Before the patterns were bounded, one 2,400-character message took 18 s in the display-name
checker (issue 11); Telegram allows 4,096 characters.
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import cpu_model  # noqa: E402

from tests.house.adversarial import family, seconds_per_call  # noqa: E402
from tests.house.test_linear_text import READERS  # noqa: E402


def worst(call: Callable[[str], object], size: int) -> tuple[str, float]:
    """The crafted message family that is slowest for ``call`` at ``size``, and its seconds."""
    times = {name: seconds_per_call(lambda t=text: call(t)) for name, text in family(size).items()}
    name = max(times, key=times.__getitem__)
    return name, times[name]


def nlu_reader() -> Callable[[str], object]:
    from rasa.core.agent import Agent

    from chatbot.training import train

    agent = Agent.load(str(train()))
    return lambda text: asyncio.run(agent.parse_message(text))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[4096, 16384])
    parser.add_argument("--nlu", action="store_true", help="also the trained model's NLU pipeline")
    args = parser.parse_args()
    readers = dict(READERS)
    if args.nlu:
        readers["NLU pipeline (Rasa)"] = nlu_reader()
    print(f"# {platform.node()}: {cpu_model()}, Python {platform.python_version()}")
    header = " | ".join(f"{size} chars: worst case" for size in args.sizes)
    print(f"| reader | {header} |")
    print("|---" * (len(args.sizes) + 1) + "|")
    for label, call in readers.items():
        cells = []
        for size in args.sizes:
            name, seconds = worst(call, size)
            cells.append(f"{seconds * 1e3:.2f} ms ({name})")
        print(f"| {label} | {' | '.join(cells)} |", flush=True)


if __name__ == "__main__":
    main()
