"""Two Rasa replicas sharing PostgreSQL (trackers) and Redis (locks) lose and interleave nothing.

20 conversations × 6 messages are sent at once; each conversation's messages alternate
between the replicas and are sent back to back without waiting for replies. Afterwards
every tracker must hold each message and its replies exactly once, each message directly
followed by its own replies, and the replies must equal what one replica gives when the same
messages arrive one by one. One reply counts the user's messages so far (a custom action), so
two replicas working on a conversation at once would show as a repeated or skipped number.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest
import sqlalchemy as sa

from chatbot.settings import PROJECT_ROOT
from tests.scale.cluster import (
    MINIMAL_ACTIONS_MODULE,
    MINIMAL_INTENTS,
    SQL_POOL_ENV,
    Cluster,
    start_cluster,
    train_cached,
    wait_ready,
    write_minimal_project,
)

CONVERSATIONS = 20
REPLICAS = 2
MESSAGES = [examples[0] for examples, _ in MINIMAL_INTENTS.values()]
MODEL_CACHE = PROJECT_ROOT / "models" / "scale-test"

Turn = tuple[str, list[str]]  # a user message and the bot replies that follow it


@pytest.fixture(scope="module")
def cluster(
    tmp_path_factory: pytest.TempPathFactory, redis_url: str, tracker_db_url: str
) -> Iterator[Cluster]:
    project = write_minimal_project(tmp_path_factory.mktemp("minimal-project"))
    model = train_cached(project / "config.yml", project / "domain.yml", project / "data", MODEL_CACHE,
                         "minimal")
    prefix = f"replicas{uuid.uuid4().hex[:8]}"
    running = start_cluster(
        model, tmp_path_factory.mktemp("cluster"), replicas=REPLICAS,
        tracker_store_url=tracker_db_url, lock_store_url=redis_url,
        actions_module=MINIMAL_ACTIONS_MODULE, actions_path=project,
        extra_env={"LOCK_STORE_KEY_PREFIX": prefix},
    )
    try:
        wait_ready(running)
        yield running
    finally:
        running.stop()


async def _send(client: httpx.AsyncClient, url: str, sender: str, message: str) -> list[str]:
    response = await client.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": message})
    response.raise_for_status()
    return [reply.get("text", "") for reply in response.json()]


async def _tracker(client: httpx.AsyncClient, cluster: Cluster, sender: str) -> tuple[list[Turn], int]:
    """The conversation's turns in tracker order, and its number of session starts."""
    response = await client.get(f"{cluster.rasa_urls[0]}/conversations/{sender}/tracker",
                                params={"token": cluster.token, "include_events": "ALL"})
    response.raise_for_status()
    events = response.json()["events"]
    turns: list[Turn] = []
    for event in events:
        if event["event"] == "user":
            turns.append((event["text"], []))
        elif event["event"] == "bot":
            if not turns:
                turns.append(("", []))  # a reply before any message: reported below
            turns[-1][1].append(event.get("text") or "")
    return turns, sum(1 for e in events if e["event"] == "session_started")


async def _concurrent_conversations(client: httpx.AsyncClient, cluster: Cluster, senders: list[str]
                                     ) -> dict[tuple[str, str], list[str]]:
    """Send every conversation's messages at once, alternating replicas; replies by (sender, text)."""
    jobs: list[tuple[tuple[str, str], asyncio.Task[list[str]]]] = []
    for index, sender in enumerate(senders):
        messages = list(MESSAGES)
        random.Random(index).shuffle(messages)
        for position, message in enumerate(messages):
            url = cluster.rasa_urls[(index + position) % REPLICAS]
            jobs.append(((sender, message), asyncio.create_task(_send(client, url, sender, message))))
    await asyncio.gather(*(task for _, task in jobs))
    return {key: task.result() for key, task in jobs}


async def _single_replica_replies(client: httpx.AsyncClient, cluster: Cluster, messages: list[str]
                                  ) -> list[list[str]]:
    """The replies one replica gives to ``messages`` sent one by one in a new conversation."""
    sender = f"reference-{uuid.uuid4().hex[:8]}"
    return [await _send(client, cluster.rasa_urls[-1], sender, message) for message in messages]


def _tracker_connections(tracker_db_url: str) -> int:
    engine = sa.create_engine(tracker_db_url, future=True)
    try:
        with engine.connect() as connection:
            return int(connection.execute(sa.text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid()"
            )).scalar_one())
    finally:
        engine.dispose()


async def test_replicas_keep_every_conversation_whole_and_in_order(cluster: Cluster, tracker_db_url: str
                                                                   ) -> None:
    senders = [f"parent-{index:02d}-{uuid.uuid4().hex[:6]}" for index in range(CONVERSATIONS)]
    limits = httpx.Limits(max_connections=CONVERSATIONS * len(MESSAGES))
    async with httpx.AsyncClient(timeout=120, limits=limits) as client:
        replies = await _concurrent_conversations(client, cluster, senders)
        trackers = await asyncio.gather(*(_tracker(client, cluster, s) for s in senders))
        references = await asyncio.gather(
            *(_single_replica_replies(client, cluster, [text for text, _ in turns]) for turns, _ in trackers)
        )

    problems: list[str] = []
    for sender, (turns, sessions), reference in zip(senders, trackers, references, strict=True):
        texts = [text for text, _ in turns]
        if Counter(texts) != Counter(MESSAGES):
            problems.append(f"{sender}: user messages {texts}, expected each of {MESSAGES} once")
            continue
        if sessions != 1:
            problems.append(f"{sender}: {sessions} session starts")
        for (text, bot), expected in zip(turns, reference, strict=True):
            if bot != expected:
                problems.append(f"{sender}: {text!r} followed by {bot}, one replica says {expected}")
            if replies[(sender, text)] != bot:
                problems.append(f"{sender}: {text!r} answered {replies[(sender, text)]} over HTTP, "
                                f"tracker has {bot}")
    assert not problems, "\n".join(problems[:20]) + "\n" + cluster.log_tail(10)

    cap = REPLICAS * (int(SQL_POOL_ENV["SQL_POOL_SIZE"]) + int(SQL_POOL_ENV["SQL_MAX_OVERFLOW"]))
    assert 0 < _tracker_connections(tracker_db_url) <= cap


def test_minimal_project_answers_are_distinct() -> None:
    """The check above can tell messages apart only if their replies differ."""
    replies = [reply for _, reply in MINIMAL_INTENTS.values() if reply]
    assert len(set(replies)) == len(replies) == len(MINIMAL_INTENTS) - 1
    assert len(set(MESSAGES)) == len(MESSAGES)

