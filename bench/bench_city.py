"""Benchmark the city: every school's families reminded of the same first lesson at once.

    .venv/bin/python bench/bench_city.py [--schools 30] [--families 2000] [--workers 1,3] [--record]

Each school has its own Telegram bot (a token of its own on one fake Bot API on 127.0.0.1 that
keeps a 30 messages/s token bucket per token, 429 beyond it), classes of 40 and one linked
family account per student on its own bot (``telegram:<SCHOOL>:<chat>``). Every class has a
lesson in 10 minutes; ``queue_due_reminders`` queues one reminder per class, then ``chatbot
worker --exit-when-idle`` subprocesses (sharing each bot's limit through Redis when there are
several) send them. Reported per run: the time until the last family had its reminder (as the
fake saw it), the fastest and slowest school, the aggregate rate and the 429s (should be 0).

Each run has a hard time limit (``--max-seconds``) so the benchmark always ends; a run cut
short says so and how far it got. The database is a fresh PostgreSQL database (dropped at the
end). ``--record`` writes the figures to bench/RESULTS.md, replacing only this section.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests.fakes, run as a script

from _common import cpu_model, replace_section  # noqa: E402
from aiohttp import web  # noqa: E402
from cryptography.fernet import Fernet  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from chatbot.db.engine import build_engine  # noqa: E402
from chatbot.db.migrate import upgrade_database  # noqa: E402
from chatbot.db.models import (  # noqa: E402
    AccountLink,
    Channel,
    ChatAccount,
    Role,
    School,
    SchoolClass,
    Student,
    TimetableEntry,
)
from chatbot.delivery.reminders import queue_due_reminders  # noqa: E402
from chatbot.school.school_channels import set_channel  # noqa: E402
from chatbot.settings import PROJECT_ROOT, TIMEZONE, reset_settings  # noqa: E402
from tests.fakes.telegram_api import FakeTelegramAPI, TokenBucket, error  # noqa: E402
from tests.postgres import scratch_database  # noqa: E402

LIMIT = 30.0
PER_CLASS = 40
RESULTS = PROJECT_ROOT / "bench" / "RESULTS.md"
LOGS = PROJECT_ROOT / "results" / "bench_city"
START, END = "<!-- bench_city:start -->", "<!-- bench_city:end -->"
NO_QUIET_HOURS = {"QUIET_HOURS_START": "00:00", "QUIET_HOURS_END": "00:00"}


class CityTelegram(FakeTelegramAPI):
    """One fake Bot API for every school's bot: a 30/s bucket per token, deliveries timed per bot."""

    def __init__(self, tokens: dict[str, str]) -> None:
        super().__init__(token="unused", record_bodies=False, max_records=1)
        self.schools = tokens  # token → school code
        self.buckets = {token: TokenBucket(LIMIT) for token in tokens}
        self.delivered: Counter[str] = Counter()
        self.last: dict[str, float] = {}
        self.first: float | None = None
        self.limited = 0

    async def _handle(self, request: web.Request) -> web.Response:
        token, method = request.match_info["token"], request.match_info["method"]
        school = self.schools.get(token)
        if school is None:
            return error(401, "Unauthorized")
        if method != "sendMessage":
            return await super()._handle(request) if method == "getMe" else error(404, "Not Found")
        if not self.buckets[token].take():
            with self._lock:
                self.limited += 1
            return error(429, "Too Many Requests: retry after 1", retry_after=1)
        moment = time.monotonic()
        with self._lock:
            self.delivered[school] += 1
            self.last[school] = moment
            self.first = moment if self.first is None else self.first
            self._message_id += 1
            message_id = self._message_id
        result = {"message_id": message_id, "date": int(time.time()), "chat": {"id": 1, "type": "private"}}
        return web.json_response({"ok": True, "result": result})

    def total(self) -> int:
        with self._lock:
            return sum(self.delivered.values())

    def reset_counts(self) -> None:
        with self._lock:
            self.delivered.clear()
            self.last.clear()
            self.first = None
            self.limited = 0


def populate(url: str, schools: list[str], families: int, fake: CityTelegram, key: str) -> None:
    """Every school with its bot, classes of 40 and a family account per student on that bot."""
    engine = build_engine(url)
    upgrade_database(engine)
    now = datetime.now(timezone.utc)
    classes = (families + PER_CLASS - 1) // PER_CLASS
    tokens = {school: token for token, school in fake.schools.items()}
    os.environ["CHANNEL_SECRETS_KEY"] = key
    reset_settings()
    with Session(engine, future=True) as session, session.begin():
        for s, code in enumerate(schools):
            school = School(id=s + 1, code=code, name=f"Trường {code}")
            session.add(school)
            session.flush()
            set_channel(session, school, "telegram", {"token": tokens[code], "api_base_url": fake.base_url})
    with engine.begin() as connection:
        for s, code in enumerate(schools):
            class_base, person_base = s * classes, s * families
            connection.execute(insert(SchoolClass), [
                {"id": class_base + c + 1, "school_id": s + 1, "grade": 6 + c % 4,
                 "name": f"{6 + c % 4}A{c + 1}"}
                for c in range(classes)
            ])
            connection.execute(insert(Student), [
                {"id": person_base + i + 1, "class_id": class_base + i // PER_CLASS + 1,
                 "roll_number": i % PER_CLASS + 1, "full_name": f"Học sinh {i + 1}"}
                for i in range(families)
            ])
            connection.execute(insert(ChatAccount), [
                {"id": person_base + i + 1, "channel": Channel.TELEGRAM,
                 "external_id": f"{code}:{700_000 + i}", "role": Role.PARENT, "active": True,
                 "created_at": now}
                for i in range(families)
            ])
            connection.execute(insert(AccountLink), [
                {"id": person_base + i + 1, "account_id": person_base + i + 1,
                 "student_id": person_base + i + 1, "role": Role.PARENT, "created_at": now}
                for i in range(families)
            ])
        if engine.dialect.name == "postgresql":
            for table in ("schools", "classes", "students", "chat_accounts", "account_links"):
                connection.execute(text(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))"))
    engine.dispose()


def first_lesson(url: str, minutes: int) -> datetime:
    """The same first lesson for every class, ``minutes`` from now; its reminders queued now."""
    engine = build_engine(url)
    starts = (datetime.now(TIMEZONE) + timedelta(minutes=minutes)).replace(second=0, microsecond=0)
    ends = (starts + timedelta(minutes=45)).time()
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM timetable_entries"))
        class_ids = [row[0] for row in connection.execute(text("SELECT id FROM classes"))]
        connection.execute(insert(TimetableEntry), [
            {"class_id": c, "weekday": starts.weekday(), "starts_at": starts.time(), "ends_at": ends,
             "subject": "Toán"}
            for c in class_ids
        ])
    engine.dispose()
    return starts


def queue_reminders(url: str) -> int:
    os.environ.update(NO_QUIET_HOURS)
    reset_settings()
    engine = build_engine(url)
    with Session(engine, future=True) as session, session.begin():
        queued = queue_due_reminders(session, lead=timedelta(minutes=15))
    engine.dispose()
    return sum(q.recipients for q in queued)


def clear_outbox(url: str) -> None:
    engine = build_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM deliveries"))
        connection.execute(text("DELETE FROM broadcasts"))
    engine.dispose()


def start_worker(url: str, key: str, redis_url: str | None, log: Path, batch: int) -> subprocess.Popen:
    env = {
        **os.environ, "DATABASE_URL": url, "CHANNEL_SECRETS_KEY": key,
        "TELEGRAM_RATE_PER_SECOND": str(LIMIT), **NO_QUIET_HOURS,
    }
    for name in ("TELEGRAM_BOT_TOKEN", "ZALO_APP_ID", "ZALO_BOT_TOKEN", "DELIVERY_REDIS_URL"):
        env.pop(name, None)
    command = [sys.executable, "-m", "cli", "worker", "--exit-when-idle", "--no-reminders",
               "--concurrency", "4", "--batch-size", str(batch)]
    if redis_url:
        command += ["--redis-url", redis_url]
    handle = log.open("a", encoding="utf-8")
    return subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT)


def progress(fake: CityTelegram, total: int, stop: threading.Event) -> None:
    while not stop.wait(10):
        print(f"  … {fake.total()}/{total}", flush=True)


@dataclass
class Run:
    workers: int
    recipients: int
    delivered: int = 0
    last_family: float = 0.0
    fastest_school: float = 0.0
    slowest_school: float = 0.0
    limited: int = 0
    timed_out: bool = False

    @property
    def rate(self) -> float:
        return self.delivered / self.last_family if self.last_family else 0.0


def run(url: str, key: str, fake: CityTelegram, workers: int, redis_url: str | None,
        max_seconds: float, batch: int) -> Run:
    clear_outbox(url)
    first_lesson(url, 10)
    recipients = queue_reminders(url)
    fake.reset_counts()
    LOGS.mkdir(parents=True, exist_ok=True)
    log = LOGS / f"workers-{workers}.log"
    log.write_text("", encoding="utf-8")
    started = time.monotonic()
    processes = [start_worker(url, key, redis_url, log, batch) for _ in range(workers)]
    stop = threading.Event()
    watcher = threading.Thread(target=progress, args=(fake, recipients, stop), daemon=True)
    watcher.start()
    deadline = started + max_seconds
    result = Run(workers, recipients)
    for process in processes:
        try:
            process.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            result.timed_out = True
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.wait()
    stop.set()
    finish = {school: moment - started for school, moment in fake.last.items()}
    result.delivered = fake.total()
    result.limited = fake.limited
    result.last_family = max(finish.values(), default=0.0)
    result.fastest_school = min(finish.values(), default=0.0)
    result.slowest_school = result.last_family
    return result


def report(runs: list[Run], schools: int, families: int, database: str) -> str:
    ideal = families / LIMIT
    lines = [
        f"Machine: {cpu_model()}, {os.cpu_count()} cores (shared with other test runs); Python "
        f"{platform.python_version()}; database {database}; {schools} schools × {families} families, "
        f"each school's own bot limited to {LIMIT:.0f} msg/s by the fake "
        f"(ideal: {ideal:.1f} s, all bots in parallel).",
        "",
        "| Workers | Recipients | Delivered | Last family reminded after | Fastest / slowest school | "
        "Aggregate rate | Limit 429s |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in runs:
        lines.append(
            f"| {r.workers} | {r.recipients} | {r.delivered}{' (TIMED OUT)' if r.timed_out else ''} | "
            f"{r.last_family:.1f} s | {r.fastest_school:.1f} s / {r.slowest_school:.1f} s | "
            f"{r.rate:.0f}/s | {r.limited} |"
        )
    return "\n".join(lines)


def record(body: str, note: str) -> None:
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    section = f"{START}\n## The city (bench/bench_city.py)\n\nRun {stamp}. {note}\n\n{body}\n{END}\n"
    replace_section(RESULTS, START, END, section)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=30)
    parser.add_argument("--families", type=int, default=2000, help="families per school")
    parser.add_argument("--workers", default="1,3", help="worker counts to try, e.g. 1,3")
    parser.add_argument("--batch-size", type=int, default=300)
    parser.add_argument("--max-seconds", type=float, default=240.0, help="hard limit of each run")
    parser.add_argument("--postgres", default=os.environ.get("TEST_POSTGRES_URL",
                                                             "postgresql://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--record", action="store_true", help="write the figures to bench/RESULTS.md")
    parser.add_argument("--note", default="", help="a sentence recorded with the figures")
    args = parser.parse_args()

    tag = uuid.uuid4().hex[:4].upper()
    schools = [f"C{tag}-{n:02d}" for n in range(1, args.schools + 1)]
    tokens = {f"{900 + n}:{code}-token": code for n, code in enumerate(schools)}
    key = Fernet.generate_key().decode()
    runs: list[Run] = []
    with ExitStack() as stack:
        stack.enter_context(tempfile.TemporaryDirectory(prefix="bench_city_"))
        fake = CityTelegram(tokens).start()
        stack.callback(fake.stop)
        url = stack.enter_context(scratch_database(args.postgres, "bench_city"))
        print(f"Populating {args.schools} schools × {args.families} families…", flush=True)
        populate(url, schools, args.families, fake, key)
        for workers in [int(n) for n in args.workers.split(",")]:
            print(f"Run with {workers} worker(s)…", flush=True)
            redis_url = args.redis if workers > 1 else None
            result = run(url, key, fake, workers, redis_url, args.max_seconds, args.batch_size)
            print(f"  last family after {result.last_family:.1f} s, {result.delivered}/{result.recipients}, "
                  f"{result.limited} × 429", flush=True)
            runs.append(result)
    body = report(runs, args.schools, args.families, "PostgreSQL")
    print(body)
    if args.record:
        record(body, args.note)


if __name__ == "__main__":
    main()
