"""Benchmark the assistant's NLU: training time, model size, peak memory, parse latency.

    .venv/bin/python bench/bench_nlu.py [--rounds 3] [--server http://localhost:5005]

Training is forced into a temporary folder so it is always measured from scratch. Parse
latency is measured in-process over the held-out test set; with ``--server``, reply latency
is also measured through Rasa's REST channel of a running server.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import platform
import resource
import statistics
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

from _common import cpu_model, percentile

from chatbot.nlu.evaluation import load_test_set
from chatbot.training import train


def measure_training(models_dir: Path) -> tuple[float, Path, float]:
    """Seconds to train from scratch, the model path, and peak memory (MiB) of training."""
    start = time.perf_counter()
    model = train(models_dir=models_dir, force=True)
    seconds = time.perf_counter() - start
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return seconds, model, peak_mib


async def measure_parsing(model: Path, texts: list[str], rounds: int) -> tuple[list[float], float]:
    """Per-message parse times (ms) and the load time (s) of the agent."""
    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)  # no per-message debug lines in the timings
    start = time.perf_counter()
    agent = Agent.load(str(model))
    load_seconds = time.perf_counter() - start
    await agent.parse_message("xin chào")  # warm-up
    timings = []
    for _ in range(rounds):
        for text in texts:
            start = time.perf_counter()
            await agent.parse_message(text)
            timings.append((time.perf_counter() - start) * 1000)
    return timings, load_seconds


def measure_rest(server: str, texts: list[str]) -> list[float]:
    """Reply times (ms) of ``POST /webhooks/rest/webhook`` on a running server."""
    url = server.rstrip("/") + "/webhooks/rest/webhook"
    timings = []
    for text in texts:
        body = json.dumps({"sender": f"bench-{uuid.uuid4().hex}", "message": text}).encode()
        request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
        start = time.perf_counter()
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
        timings.append((time.perf_counter() - start) * 1000)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="passes over the test set")
    parser.add_argument("--server", help="base URL of a running Rasa server, e.g. http://localhost:5005")
    args = parser.parse_args()

    texts = [case.text for case in load_test_set()]
    print(f"machine: {cpu_model()}, {len(os.sched_getaffinity(0))} cores, "
          f"Python {platform.python_version()}")
    with tempfile.TemporaryDirectory() as folder:
        seconds, model, train_peak = measure_training(Path(folder))
        size_mib = model.stat().st_size / 2**20
        print(f"training (from scratch, incl. Rasa start-up): {seconds:.1f} s")
        print(f"model size: {size_mib:.1f} MiB")
        print(f"peak memory of training: {train_peak:.0f} MiB")
        timings, load_seconds = asyncio.run(measure_parsing(model, texts, args.rounds))
    parse_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"model load: {load_seconds:.1f} s; peak memory with the model loaded: {parse_peak:.0f} MiB")
    print(f"NLU parse latency over {len(timings)} messages: p50 {percentile(timings, 0.5):.1f} ms, "
          f"p95 {percentile(timings, 0.95):.1f} ms, mean {statistics.mean(timings):.1f} ms")
    if args.server:
        rest = measure_rest(args.server, texts)
        print(f"REST reply latency over {len(rest)} messages: p50 {percentile(rest, 0.5):.1f} ms, "
              f"p95 {percentile(rest, 0.95):.1f} ms")


if __name__ == "__main__":
    main()
