"""Rasa's CPU per message in one process, with and without the speed-ups, per tracker store.

    .venv/bin/python bench/profile_turns.py [--messages 600] [--clients 1] [--pause 0]

Loads the assistant's model in-process (no HTTP), starts an action server, and sends the load
benchmark's message mix through ``Agent.handle_message`` (a new sender every 4 messages),
once per variant, each in a fresh process: speed-ups on or off (:mod:`chatbot.rasa_speedups`)
× tracker store (in memory; the project's PostgreSQL store; Rasa's ``SQLTrackerStore``). It
prints the CPU time per message, a figure that other work on a shared machine changes little
(unlike throughput). ``--pause N`` prints each child's pid and waits N seconds before the
timed part, long enough to attach ``py-spy record -p <pid> -d 15 -r 200 -f raw -o profile.txt``
(py-spy is not a project dependency). About one minute per variant.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from bench_load import MESSAGES, POSTGRES_ADMIN_URL  # noqa: E402

from tests.postgres import scratch_database  # noqa: E402
from tests.scale.cluster import free_port  # noqa: E402

VARIANTS = [  # (label, speed-ups, tracker store)
    ("embedded, speed-ups", True, "memory"),
    ("embedded, stock Rasa", False, "memory"),
    ("PostgreSQL store, speed-ups", True, "postgres"),
    ("Rasa's SQL store, stock Rasa", False, "rasa-sql"),
]
WARM_UP = 40


async def _child(messages: int, clients: int, speedups: bool, pause: float, endpoints: str) -> dict:
    import logging

    import rasa.utils.common
    import rasa.utils.log_utils
    from rasa.core.agent import load_agent
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
    from rasa.core.utils import AvailableEndpoints

    from chatbot.training import train

    rasa.utils.common.configure_logging_and_warnings(logging.INFO)
    rasa.utils.log_utils.configure_structlog(logging.INFO)
    if speedups:
        from chatbot import rasa_speedups

        rasa_speedups.install()
    agent = await load_agent(str(train()), endpoints=AvailableEndpoints.read_endpoints(endpoints))
    prefix = f"profile-{os.getpid()}"

    async def run(count: int) -> None:
        turn = itertools.count()

        async def client(worker: int) -> None:
            while (index := next(turn)) < count:
                sender = f"{prefix}-{worker}-{index // 4}"
                output = CollectingOutputChannel()
                await agent.handle_message(UserMessage(MESSAGES[index % len(MESSAGES)][1], output, sender))
                if not output.messages:
                    raise RuntimeError(f"no reply to message {index}")

        await asyncio.gather(*(client(worker) for worker in range(clients)))

    await run(WARM_UP)
    if pause:
        print(f"pid {os.getpid()}: attach py-spy now", file=sys.stderr, flush=True)
        time.sleep(pause)
    cpu, wall = time.process_time(), time.perf_counter()
    await run(messages)
    return {"cpu_ms": 1000 * (time.process_time() - cpu) / messages,
            "wall_ms": 1000 * (time.perf_counter() - wall) / messages}


def _endpoints(folder: Path, actions_port: int, store: str, database_url: str) -> Path:
    lines = [f'action_endpoint:\n  url: "http://127.0.0.1:{actions_port}/webhook"']
    if store == "rasa-sql":
        lines.append(f"tracker_store:\n  type: sql\n  url: {database_url}")
    else:
        lines.append("tracker_store:\n  type: chatbot.rasa_stores.EnvironmentTrackerStore")
    lines.append("lock_store:\n  type: in_memory")  # the speed-ups are installed explicitly
    lines.append("nlg:\n  type: chatbot.nlg.RoleAwareResponses")
    path = folder / f"endpoints-{store}.yml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=600)
    parser.add_argument("--clients", type=int, default=1)
    parser.add_argument("--pause", type=float, default=0.0)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        options = json.loads(args.child)
        print(json.dumps(asyncio.run(_child(args.messages, args.clients, **options))))
        return

    from chatbot.training import train

    train()
    with tempfile.TemporaryDirectory(prefix="profile-turns-") as folder, \
            scratch_database(POSTGRES_ADMIN_URL, "chatbot_profile") as database_url:
        work = Path(folder)
        env = {**os.environ, "CHATBOT_DATA_DIR": str(work / "data"), "TF_CPP_MIN_LOG_LEVEL": "3",
               "SQLALCHEMY_SILENCE_UBER_WARNING": "1", "RASA_TELEMETRY_ENABLED": "false"}
        subprocess.run([sys.executable, "-m", "cli", "db", "upgrade"], cwd=PROJECT_ROOT, env=env,
                       check=True, capture_output=True)
        port = free_port()
        with (work / "actions.log").open("wb") as log:
            actions = subprocess.Popen([str(Path(sys.executable).with_name("rasa")), "run", "actions",
                                        "--actions", "actions", "-p", str(port)],
                                       cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            time.sleep(8)
            print(f"{args.messages} messages, {args.clients} client(s), CPU per message in one process:\n")
            print("| variant | Rasa CPU ms/msg | wall ms/msg |\n| --- | ---: | ---: |")
            for label, speedups, store in VARIANTS:
                child_env = dict(env)
                child_env.pop("TRACKER_STORE_URL", None)
                if store == "postgres":
                    child_env["TRACKER_STORE_URL"] = database_url
                endpoints = _endpoints(work, port, store, database_url)
                options = json.dumps({"speedups": speedups, "pause": args.pause, "endpoints": str(endpoints)})
                with (work / "child.log").open("w") as log:
                    result = subprocess.run(
                        [sys.executable, __file__, "--child", options, "--messages", str(args.messages),
                         "--clients", str(args.clients)],
                        cwd=PROJECT_ROOT, env=child_env, stdout=subprocess.PIPE, text=True,
                        stderr=None if args.pause else log)
                if result.returncode != 0:
                    tail = (work / "child.log").read_text(errors="replace")[-3000:]
                    raise RuntimeError(f"{label} failed:\n{tail}")
                figures = json.loads(result.stdout.strip().splitlines()[-1])
                print(f"| {label} | {figures['cpu_ms']:.2f} | {figures['wall_ms']:.2f} |", flush=True)
        finally:
            actions.terminate()
            actions.wait(10)


if __name__ == "__main__":
    main()
