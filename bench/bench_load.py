"""Load benchmark: real HTTP against the REST channel, our assistant against Rasa's defaults.

    .venv/bin/python bench/bench_load.py [--quick] [--seconds 20] [--levels 1,10,50]
                                         [--skip-baseline] [--async-commit] [--json load.json]

The full run (no options) takes about 20 minutes on a 2-core machine, plus about 9 minutes
the first time to train the baseline model (cached in models/bench afterwards).

For each set-up (model × stores × replicas) it starts the action server and the Rasa
replicas on free local ports, warms them up, then runs closed-loop clients at each
concurrency level for a fixed time: every client sends a message, waits for the reply and
sends the next, changing sender every few messages, so there are many distinct families.
The message mix is Vietnamese FAQ questions with and without diacritics, greetings and
thanks, and out-of-scope questions (which reach the action server and the database).
Several replicas get requests in turn with no stickiness, as behind a plain load balancer.

Printed per level: answered messages per second, p50/p95/p99 latency, errors, the peak
resident memory (RSS) of each process, and the CPU cores each part used (Rasa, action
server, PostgreSQL, Redis, this load client, and other work on the machine). Set-ups:

- ``ours`` = chatbot/config.yml; ``baseline`` = bench/baseline_config.yml (what ``rasa init``
  gives: DIET, ResponseSelector, TED, UnexpecTED) trained on the same domain and data;
- ``embedded`` = in-memory tracker and lock stores, SQLite for school data;
- ``pg+redis`` = PostgreSQL tracker store and school data, Redis lock store (atomic);
  ``async-commit`` sets ``synchronous_commit = off`` on that database;
- ``stock Rasa`` = without :mod:`chatbot.rasa_speedups` and with Rasa's own ``SQLTrackerStore``
  (the baseline always runs so: with ``baseline`` it is "the stock configuration").

The run ends with the sizing figures and the targets of issue 16: one replica on PostgreSQL +
Redis at 10 clients, its CPU per message against the embedded set-up, two replicas against
one, and ours against the stock configuration on the same stores.

Every level stops after ``--seconds`` (requests in flight may add up to their 30 s timeout),
and the whole run stops by itself. The load client shares the machine's cores with the
servers, PostgreSQL and Redis, so the figures are a floor for a dedicated server.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, suppress
from dataclasses import asdict, dataclass, field
from pathlib import Path

import aiohttp
from sqlalchemy.engine import make_url

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))  # for tests.scale.cluster

from _common import cpu_model, percentile  # noqa: E402

from chatbot.rasa_stores import redis_lock_store_kwargs  # noqa: E402
from chatbot.training import DATA, DOMAIN, MODELS_DIR, train  # noqa: E402
from tests.postgres import scratch_database  # noqa: E402
from tests.scale.cluster import Cluster, start_cluster, train_cached, wait_ready  # noqa: E402

BASELINE_CONFIG = PROJECT_ROOT / "bench" / "baseline_config.yml"
POSTGRES_ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
REQUEST_TIMEOUT_SECONDS = 30
MESSAGES_PER_SENDER = 4
WARM_UP_MESSAGES = 30

# (kind, text): what families write at 7:50 on a school morning.
MESSAGES: list[tuple[str, str]] = [
    ("faq", "tên hiển thị khi học trực tuyến đặt thế nào"),
    ("faq", "con phải vào lớp trước mấy phút"),
    ("faq", "trước giờ học cần chuẩn bị những gì"),
    ("faq", "có phải đọc tài liệu trước buổi học không"),
    ("faq", "trong giờ học con phải cư xử thế nào"),
    ("faq", "học online có phải mặc đồng phục không"),
    ("faq", "phụ huynh cần làm gì khi con học trực tuyến"),
    ("faq", "ai giám sát các lớp học trực tuyến"),
    ("faq", "mật khẩu phòng học phải đặt thế nào"),
    ("faq", "nên dùng phần mềm nào để học trực tuyến"),
    ("faq", "có được cho bạn mượn tài khoản học không"),
    ("faq", "có người lạ vào lớp thì phải làm sao"),
    ("faq", "có người giả danh giáo viên nhắn tin xin tiền"),
    ("faq", "muốn liên hệ phòng giáo dục thì gọi ở đâu"),
    ("faq-plain", "ten hien thi dat the nao"),
    ("faq-plain", "phai vao lop truoc may phut"),
    ("faq-plain", "co nguoi la vao lop thi lam sao"),
    ("faq-plain", "phu huynh can lam gi khi con hoc online"),
    ("faq-plain", "mat khau phong hoc dat sao cho an toan"),
    ("faq-plain", "hoc online co phai mac dong phuc khong"),
    ("faq-plain", "ai giam sat lop hoc truc tuyen"),
    ("faq-plain", "co duoc chia se tai khoan cho ban khong"),
    ("greeting", "xin chào"),
    ("greeting", "chào bạn"),
    ("greeting", "chao ban"),
    ("greeting", "cảm ơn nhé"),
    ("greeting", "cam on ban"),
    ("greeting", "tạm biệt"),
    ("out-of-scope", "hôm nay thời tiết thế nào"),
    ("out-of-scope", "giá vàng hôm nay bao nhiêu"),
    ("out-of-scope", "kể chuyện cười đi"),
    ("out-of-scope", "cach nau pho bo"),
    ("out-of-scope", "mua điện thoại nào cho con học tốt"),
]


@dataclass(frozen=True)
class Setup:
    model: str  # "ours" or "baseline"
    stores: str  # "embedded" or "pg+redis"
    replicas: int = 1
    speedups: bool = True  # chatbot.rasa_speedups, installed by the project's lock store class
    async_commit: bool = False  # synchronous_commit=off on the tracker database

    @property
    def name(self) -> str:
        parts = [self.model, self.stores + (" async-commit" if self.async_commit else ""),
                 f"{self.replicas} replica{'s' if self.replicas > 1 else ''}"]
        if not self.speedups:
            parts.append("stock Rasa")
        return " / ".join(parts)

    def tracker_store_yaml(self, database_url: str | None) -> str | None:
        """Without speedups on PostgreSQL, endpoints.yml names Rasa's own SQL tracker store."""
        if self.speedups or database_url is None:
            return None
        url = make_url(database_url)
        lines = ["tracker_store:", "  type: sql", "  dialect: postgresql", f"  url: {url.host}",
                 f"  port: {url.port or 5432}", f"  db: {url.database}"]
        lines += [f"  username: {url.username}"] if url.username else []
        lines += [f"  password: {url.password}"] if url.password else []
        return "\n".join(lines) + "\n"

    def lock_store_yaml(self, key_prefix: str) -> str | None:
        """Without speedups, endpoints.yml names a lock store that does not install them."""
        if self.speedups:
            return None
        if self.stores == "embedded":
            return "lock_store:\n  type: in_memory\n"
        options = redis_lock_store_kwargs(REDIS_URL)
        return (f"lock_store:\n  type: chatbot.locks.AtomicRedisLockStore\n  url: {options['host']}\n"
                f"  port: {options['port']}\n  db: {options['db']}\n  key_prefix: {key_prefix}\n")


@dataclass
class LevelResult:
    setup: str
    concurrency: int
    answered: int
    errors: int
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    rss_mib: dict[str, float] = field(default_factory=dict)
    cpu_cores: dict[str, float] = field(default_factory=dict)

    @property
    def per_second(self) -> float:
        return self.answered / self.seconds if self.seconds else 0.0


def rss_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


_TICK = os.sysconf("SC_CLK_TCK")
SERVICES = {"postgres": "postgres", "redis-server": "redis"}
CPU_COLUMNS = ("actions", "postgres", "redis", "client", "other", "machine")


def _process_cpu(pid: int) -> float:
    """User + system CPU seconds of a process (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK


def _service_cpu() -> dict[str, float]:
    """CPU seconds of all PostgreSQL and Redis server processes on the machine."""
    totals = dict.fromkeys(SERVICES.values(), 0.0)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                comm = (entry / "comm").read_text().strip()
            except OSError:
                continue
            if comm in SERVICES:
                totals[SERVICES[comm]] += _process_cpu(int(entry.name))
    return totals


def _machine_busy() -> float:
    """Busy CPU seconds of the whole machine since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values[:8]) - idle) / _TICK


def cpu_snapshot(pids: dict[str, int]) -> dict[str, float]:
    """CPU seconds so far of each server, the services, this client and the machine."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    snapshot = {name: _process_cpu(pid) for name, pid in pids.items()}
    snapshot |= _service_cpu()
    snapshot["client"] = usage.ru_utime + usage.ru_stime
    snapshot["machine"] = _machine_busy()
    return snapshot


def cpu_cores(before: dict[str, float], after: dict[str, float], seconds: float) -> dict[str, float]:
    """Cores used by each part during ``seconds``; ``other`` is the rest of the machine's work."""
    used = {name: (after[name] - before[name]) / seconds for name in before}
    used["other"] = used["machine"] - sum(v for k, v in used.items() if k != "machine")
    return {name: round(max(0.0, value), 2) for name, value in used.items()}


# --- load generation --------------------------------------------------------------------------


async def _client(session: aiohttp.ClientSession, urls: list[str], turn: Iterator[int], worker: int,
                  prefix: str, deadline: float, latencies: list[float], errors: list[str]) -> None:
    rng = random.Random(worker)
    sent = 0
    sender = f"{prefix}-{worker}-0"
    while time.monotonic() < deadline:
        if sent and sent % MESSAGES_PER_SENDER == 0:
            sender = f"{prefix}-{worker}-{sent}"
        _, text = rng.choice(MESSAGES)
        url = urls[next(turn) % len(urls)]
        start = time.perf_counter()
        try:
            async with session.post(url, json={"sender": sender, "message": text}) as response:
                body = await response.json(content_type=None)
                if response.status != 200 or not body:
                    errors.append(f"HTTP {response.status}: {str(body)[:80]}")
                else:
                    latencies.append((time.perf_counter() - start) * 1000)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
            errors.append(type(exc).__name__)
        sent += 1


async def _sample_memory(pids: dict[str, int], peaks: dict[str, float], stop: asyncio.Event) -> None:
    while not stop.is_set():
        for name, pid in pids.items():
            peaks[name] = max(peaks.get(name, 0.0), rss_mib(pid))
        with suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.5)


async def run_level(cluster: Cluster, setup: Setup, concurrency: int, seconds: float) -> LevelResult:
    """Closed-loop clients for ``seconds``; latency of answered messages and peak RSS."""
    urls = [f"{url}/webhooks/rest/webhook" for url in cluster.rasa_urls]
    latencies: list[float] = []
    errors: list[str] = []
    peaks: dict[str, float] = {}
    stop = asyncio.Event()
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_SECONDS)
    prefix = f"bench-{concurrency}-{uuid.uuid4().hex[:6]}"
    connector = aiohttp.TCPConnector(limit=concurrency * len(urls), limit_per_host=concurrency)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        sampler = asyncio.create_task(_sample_memory(cluster.pids, peaks, stop))
        turn = itertools.count()
        cpu_before = cpu_snapshot(cluster.pids)
        start = time.monotonic()
        deadline = start + seconds
        await asyncio.gather(*(_client(session, urls, turn, worker, prefix, deadline, latencies, errors)
                               for worker in range(concurrency)))
        elapsed = time.monotonic() - start
        cpu = cpu_cores(cpu_before, cpu_snapshot(cluster.pids), elapsed)
        stop.set()
        await sampler
    if errors:
        print(f"    {len(errors)} errors, e.g. {errors[0]}", flush=True)
    return LevelResult(setup.name, concurrency, len(latencies), len(errors), elapsed,
                       percentile(latencies, 0.50), percentile(latencies, 0.95), percentile(latencies, 0.99),
                       {name: round(value, 1) for name, value in peaks.items()}, cpu)


async def warm_up(cluster: Cluster) -> None:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as session:
        for index in range(WARM_UP_MESSAGES):
            url = cluster.rasa_urls[index % len(cluster.rasa_urls)]
            payload = {"sender": f"warm-up-{index % 5}", "message": MESSAGES[index % len(MESSAGES)][1]}
            async with session.post(f"{url}/webhooks/rest/webhook", json=payload) as response:
                if response.status != 200:
                    raise RuntimeError(f"warm-up failed: HTTP {response.status}\n{cluster.log_tail()}")
                await response.read()


# --- set-ups ----------------------------------------------------------------------------------


def set_async_commit(database_url: str) -> None:
    """Commits on this database no longer wait for the WAL flush (new sessions)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    engine = create_engine(database_url, isolation_level="AUTOCOMMIT", future=True)
    with engine.connect() as connection:
        connection.execute(text(f'ALTER DATABASE "{make_url(database_url).database}" '
                                "SET synchronous_commit = off"))
    engine.dispose()


def migrate(database_url: str) -> None:
    subprocess.run([sys.executable, "-m", "cli", "db", "upgrade"], check=True, cwd=PROJECT_ROOT,
                   env={**os.environ, "DATABASE_URL": database_url}, capture_output=True)


async def bench_setup(setup: Setup, model: Path, levels: list[int], seconds: float, work: Path
                      ) -> list[LevelResult]:
    print(f"== {setup.name}: starting", flush=True)
    with ExitStack() as stack:
        env = {"CHATBOT_DATA_DIR": str(work / "data")}
        tracker_url = lock_url = None
        key_prefix = f"bench{uuid.uuid4().hex[:8]}"
        if setup.stores == "pg+redis":
            database_url = stack.enter_context(
                scratch_database(POSTGRES_ADMIN_URL, f"chatbot_bench_{setup.model}")
            )
            tracker_url, lock_url = database_url, REDIS_URL
            env["LOCK_STORE_KEY_PREFIX"] = key_prefix
            if setup.async_commit:
                set_async_commit(database_url)
        else:
            database_url = f"sqlite:///{work / 'data' / 'chatbot.sqlite3'}"
        env["DATABASE_URL"] = database_url
        migrate(database_url)
        cluster = start_cluster(model, work / "cluster", replicas=setup.replicas,
                                tracker_store_url=tracker_url, lock_store_url=lock_url, extra_env=env,
                                lock_store=setup.lock_store_yaml(key_prefix),
                                tracker_store=setup.tracker_store_yaml(tracker_url))
        stack.callback(cluster.stop)
        started = time.monotonic()
        wait_ready(cluster)
        print(f"   ready in {time.monotonic() - started:.0f} s; RSS at rest: "
              + ", ".join(f"{n} {rss_mib(p):.0f} MiB" for n, p in cluster.pids.items()), flush=True)
        await warm_up(cluster)
        results = []
        for concurrency in levels:
            result = await run_level(cluster, setup, concurrency, seconds)
            print(f"   c={concurrency:>3}: {result.per_second:6.1f}/s  p50 {result.p50_ms:6.0f} ms  "
                  f"p95 {result.p95_ms:6.0f} ms  p99 {result.p99_ms:6.0f} ms  errors {result.errors}",
                  flush=True)
            results.append(result)
        return results


def services_available() -> str | None:
    """None when PostgreSQL and Redis answer, else why not."""
    import redis
    from sqlalchemy import create_engine, text

    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=3).ping()
        engine = create_engine(POSTGRES_ADMIN_URL, future=True)
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure means the same here
        return f"{type(exc).__name__}: {exc}"
    return None


def rasa_ms_per_message(result: LevelResult) -> float:
    """Rasa's CPU (all replicas) per answered message, in milliseconds."""
    rasa = sum(v for k, v in result.cpu_cores.items() if k.startswith("rasa-"))
    return 1000 * rasa / result.per_second if result.per_second else float("nan")


def print_table(results: list[LevelResult]) -> None:
    print("\n| set-up | clients | answered/s | p50 ms | p95 ms | p99 ms | errors | peak RSS MiB |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for r in results:
        rss = ", ".join(f"{name} {value:.0f}" for name, value in sorted(r.rss_mib.items()))
        print(f"| {r.setup} | {r.concurrency} | {r.per_second:.1f} | {r.p50_ms:.0f} | {r.p95_ms:.0f} | "
              f"{r.p99_ms:.0f} | {r.errors} | {rss} |")
    print("\nCPU cores used during each level (2 = both cores busy); 'other' is work outside the bench.")
    print("Rasa ms/msg = Rasa CPU per answered message, which other work on the machine barely changes.")
    print("\n| set-up | clients | Rasa ms/msg | Rasa | actions | PostgreSQL | Redis | load client | other "
          "| machine |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        cpu = r.cpu_cores
        rasa = sum(v for k, v in cpu.items() if k.startswith("rasa-"))
        parts = [rasa] + [cpu.get(k, 0.0) for k in CPU_COLUMNS]
        print(f"| {r.setup} | {r.concurrency} | {rasa_ms_per_message(r):.1f} | "
              + " | ".join(f"{value:.2f}" for value in parts) + " |")


SIZING_CLIENTS = 10
OURS_EMBEDDED = Setup("ours", "embedded").name
OURS_PG = Setup("ours", "pg+redis").name
OURS_PG_2 = Setup("ours", "pg+redis", 2).name
STOCK_PG = Setup("baseline", "pg+redis", speedups=False).name


def print_sizing(results: list[LevelResult]) -> None:
    """Per set-up at each level: answers/s, p95, Rasa CPU per message, peak memory per process;
    then the targets of issue 16 (at 10 clients), met or not."""
    print("\nSizing figures: answered/s and p95 ms per level; Rasa CPU per message and peak RSS "
          "per process (MiB) over all levels.")
    levels = sorted({r.concurrency for r in results})
    print("\n| set-up | " + " | ".join(f"{c} client{'s' if c > 1 else ''}: /s, p95" for c in levels)
          + " | Rasa ms/msg | peak RSS per process |")
    print("| --- |" + " ---: |" * len(levels) + " ---: | --- |")
    for name in dict.fromkeys(r.setup for r in results):
        rows = {r.concurrency: r for r in results if r.setup == name}
        cells = [f"{rows[c].per_second:.1f}, {rows[c].p95_ms:.0f}" if c in rows else "–" for c in levels]
        busy = [r for r in rows.values() if r.concurrency > 1] or list(rows.values())
        cpu = sum(rasa_ms_per_message(r) for r in busy) / len(busy)
        peaks: dict[str, float] = {}
        for r in rows.values():
            for process, value in r.rss_mib.items():
                peaks[process] = max(peaks.get(process, 0.0), value)
        memory = ", ".join(f"{process} {value:.0f}" for process, value in sorted(peaks.items()))
        print(f"| {name} | " + " | ".join(cells) + f" | {cpu:.1f} | {memory} |")

    at = {r.setup: r for r in results if r.concurrency == SIZING_CLIENTS}
    pg, embedded, two, stock = (at.get(n) for n in (OURS_PG, OURS_EMBEDDED, OURS_PG_2, STOCK_PG))
    checks: list[tuple[str, str, str, bool | None]] = []
    if pg:
        checks.append(("PostgreSQL + Redis, 1 replica: answered/s", f"{pg.per_second:.1f}", "≥ 120",
                       pg.per_second >= 120))
        checks.append(("PostgreSQL + Redis, 1 replica: p95", f"{pg.p95_ms:.0f} ms", "< 150 ms",
                       pg.p95_ms < 150))
    if pg and embedded:
        ratio = rasa_ms_per_message(pg) / rasa_ms_per_message(embedded)
        checks.append(("Rasa CPU per message, PostgreSQL + Redis against embedded",
                       f"{rasa_ms_per_message(pg):.1f} / {rasa_ms_per_message(embedded):.1f} ms "
                       f"({100 * (ratio - 1):+.0f} %)", "≤ +20 %", ratio <= 1.2))
    if pg and two:
        ratio = two.per_second / pg.per_second if pg.per_second else float("nan")
        checks.append(("2 replicas against 1 (PostgreSQL + Redis)", f"{ratio:.2f}×", "≥ 1.8×", ratio >= 1.8))
    if pg and stock:
        ratio = pg.per_second / stock.per_second if stock.per_second else float("nan")
        checks.append(("ours against the stock configuration (same stores)", f"{ratio:.2f}×", "≥ 3.5×",
                       ratio >= 3.5))
    if not checks:
        return
    print(f"\nTargets of issue 16, at {SIZING_CLIENTS} clients:\n")
    print("| figure | measured | target | met |")
    print("| --- | ---: | ---: | :-: |")
    for figure, measured, target, met in checks:
        print(f"| {figure} | {measured} | {target} | {'yes' if met else 'NO'} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="4 s per level; ours embedded, ours and stock on pg+redis only")
    parser.add_argument("--seconds", type=float, default=20.0, help="duration of each level (max 20)")
    parser.add_argument("--levels", default="1,10,50", help="concurrency levels, comma-separated")
    parser.add_argument("--skip-baseline", action="store_true", help="do not train or run the baseline")
    parser.add_argument("--async-commit", action="store_true",
                        help="also run 2 replicas with synchronous_commit = off on the tracker database")
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    args = parser.parse_args()
    run_started = time.monotonic()
    seconds = 4.0 if args.quick else min(args.seconds, 20.0)
    levels = [int(level) for level in args.levels.split(",")]

    print(f"machine: {cpu_model()}, {len(os.sched_getaffinity(0))} cores; "
          f"Python {platform.python_version()}; {seconds:.0f} s per level; levels {levels}", flush=True)
    missing = services_available()
    if missing:
        print(f"PostgreSQL/Redis unavailable, pg+redis set-ups skipped: {missing}")
    models = {"ours": train()}
    if not args.skip_baseline:
        print("training the baseline (cached after the first run)…", flush=True)
        started = time.monotonic()
        models["baseline"] = train_cached(BASELINE_CONFIG, DOMAIN, DATA, MODELS_DIR / "bench", "baseline")
        print(f"   baseline model ready in {time.monotonic() - started:.0f} s", flush=True)
    setups = [Setup("ours", "embedded")]
    if not args.quick:
        setups.append(Setup("ours", "embedded", speedups=False))
    if not missing:
        setups += [Setup("ours", "pg+redis"), Setup("ours", "pg+redis", 2)]
        if not args.quick:
            setups.append(Setup("ours", "pg+redis", speedups=False))
        if args.async_commit:
            setups.append(Setup("ours", "pg+redis", 2, async_commit=True))
    if "baseline" in models:
        if not args.quick:
            setups.append(Setup("baseline", "embedded", speedups=False))
        if not missing:
            setups.append(Setup("baseline", "pg+redis", speedups=False))
            if not args.quick:
                setups.append(Setup("baseline", "pg+redis", 2, speedups=False))

    results: list[LevelResult] = []
    with tempfile.TemporaryDirectory(prefix="bench-load-") as folder:
        for index, setup in enumerate(setups):
            work = Path(folder) / f"setup-{index}"
            results += asyncio.run(bench_setup(setup, models[setup.model], levels, seconds, work))
    print_table(results)
    print_sizing(results)
    print(f"\nwhole run: {(time.monotonic() - run_started) / 60:.1f} min")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps([asdict(r) | {"per_second": r.per_second} for r in results],
                                        indent=2, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
