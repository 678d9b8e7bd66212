"""PostgresTrackerStore: Rasa's table and conversations, one statement per load and per save,
nothing lost or reordered under two replicas, deletion, and an event loop that never waits."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import asyncpg
import pytest
import sqlalchemy as sa
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from chatbot.postgres_tracker_store import INDEX_NAME, PostgresTrackerStore
from chatbot.rasa_stores import EnvironmentTrackerStore, ErasableInMemoryTrackerStore, ErasableSQLTrackerStore
from tests.conftest import fresh_postgres
from tests.scale.tracker_harness import run_replicas


class RecordingStore(PostgresTrackerStore):
    """Records every statement its connections run."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.queries: list[str] = []

    async def _init_connection(self, connection: asyncpg.Connection) -> None:
        connection.add_query_logger(lambda record: self.queries.append(" ".join(record.query.split())))


@pytest.fixture
async def store(tracker_db_url: str) -> RecordingStore:
    store = RecordingStore(url=tracker_db_url)
    yield store
    await store.close()


def _sender() -> str:
    return f"parent-{uuid.uuid4().hex[:10]}"


def _session(start: float, text: str) -> list[Event]:
    """A session as Rasa writes it: session start, a question, an answer."""
    return [
        ActionExecuted("action_session_start", timestamp=start),
        SessionStarted(timestamp=start + 0.001),
        ActionExecuted("action_listen", timestamp=start + 0.002),
        UserUttered(text, {"name": "ask", "confidence": 0.9}, timestamp=start + 0.003),
        ActionExecuted("utter_answer", timestamp=start + 0.004),
        BotUttered(f"answer to {text}", timestamp=start + 0.005),
        ActionExecuted("action_listen", timestamp=start + 0.006),
    ]


def _dicts(tracker: DialogueStateTracker | None) -> list[dict]:
    assert tracker is not None
    return [event.as_dict() for event in tracker.events]


def _rows(url: str, sender: str) -> list[tuple]:
    engine = sa.create_engine(url, future=True)
    try:
        with engine.connect() as connection:
            return list(connection.execute(sa.text(
                "SELECT id, type_name, intent_name, action_name, data FROM events "
                "WHERE sender_id = :s ORDER BY id"
            ), {"s": sender}))
    finally:
        engine.dispose()


async def _save_events(store, sender: str, events: list[Event]) -> DialogueStateTracker:  # noqa: ANN001
    tracker = await store.get_or_create_tracker(sender, append_action_listen=False)
    for event in events:
        tracker.update(event)
    await store.save(tracker)
    return tracker


# --- one statement per load and per save ------------------------------------------------------


async def test_a_message_costs_one_select_and_one_insert(store: RecordingStore) -> None:
    sender = _sender()
    await _save_events(store, sender, _session(1000.0, "first"))
    store.queries.clear()

    tracker = await store.retrieve(sender)
    assert len(store.queries) == 1 and store.queries[0].startswith("SELECT")
    tracker.update(UserUttered("second", {"name": "ask"}))
    tracker.update(ActionExecuted("utter_answer"))
    await store.save(tracker)
    assert len(store.queries) == 2 and store.queries[1].startswith("INSERT")
    assert "count(" not in " ".join(store.queries)

    await store.save(tracker)  # nothing new: no statement at all
    assert len(store.queries) == 2
    texts = [row[4] for row in _rows(store._dsn, sender)]
    assert len(texts) == 9 and sum('"second"' in text for text in texts) == 1


async def test_a_new_conversation_costs_one_select(store: RecordingStore) -> None:
    tracker = await store.get_or_create_tracker(_sender(), append_action_listen=False)
    assert not tracker.events
    assert len(store.queries) == 1 and store.queries[0].startswith("SELECT")


async def test_events_are_stored_once_in_the_trackers_order(store: RecordingStore) -> None:
    sender = _sender()
    events = [SlotSet("n", value) for value in range(60)]  # one save, sixty rows
    await _save_events(store, sender, events)
    stored = await store.retrieve_full_tracker(sender)
    assert [event.value for event in stored.events] == list(range(60))
    ids = [row[0] for row in _rows(store._dsn, sender)]
    assert ids == sorted(ids) and ids == list(range(ids[0], ids[0] + 60))  # one consecutive block


async def test_retrieve_returns_the_latest_session_and_full_every_session(store: RecordingStore) -> None:
    sender = _sender()
    await _save_events(store, sender, _session(1000.0, "old") + _session(5000.0, "new"))
    latest = await store.retrieve(sender)
    assert [e.text for e in latest.events if isinstance(e, UserUttered)] == ["new"]
    assert isinstance(latest.events[0], SessionStarted)
    full = await store.retrieve_full_tracker(sender)
    assert [e.text for e in full.events if isinstance(e, UserUttered)] == ["old", "new"]
    assert await store.exists(sender) and not await store.exists(_sender())
    assert sender in await store.keys()


async def test_a_tracker_it_did_not_load_gets_only_its_unstored_events(store: RecordingStore) -> None:
    sender = _sender()
    first = _session(1000.0, "first")
    await _save_events(store, sender, first)
    rebuilt = DialogueStateTracker.from_events(sender, first[1:])  # as Rasa's HTTP API builds one
    rebuilt.update(UserUttered("later", {"name": "ask"}))
    await store.save(rebuilt)
    texts = [e.text for e in (await store.retrieve_full_tracker(sender)).events if isinstance(e, UserUttered)]
    assert texts == ["first", "later"]


async def test_long_names_are_cut_for_their_columns_and_kept_whole_in_data(store: RecordingStore) -> None:
    sender = _sender()
    long_intent = "x" * 400
    await _save_events(store, sender, [UserUttered("/" + long_intent, {"name": long_intent})])
    (_, _, intent_name, _, data), = _rows(store._dsn, sender)
    assert intent_name == "x" * 255 and long_intent in data
    tracker = await store.retrieve(sender)
    assert tracker.latest_message.intent["name"] == long_intent


async def test_an_event_broker_hears_each_new_event_once(tracker_db_url: str) -> None:
    class Broker(EventBroker):
        def __init__(self) -> None:
            self.published: list[dict] = []

        def publish(self, event: dict) -> None:
            self.published.append(event)

    broker = Broker()
    store = PostgresTrackerStore(url=tracker_db_url, event_broker=broker)
    sender = _sender()
    tracker = await _save_events(store, sender, _session(1000.0, "first"))
    tracker.update(UserUttered("second", {"name": "ask"}))
    await store.save(tracker)
    await store.save(tracker)
    assert [e["event"] for e in broker.published] == [e.type_name for e in tracker.events]
    assert {e["sender_id"] for e in broker.published} == {sender}
    await store.close()


# --- Rasa's table and Rasa's conversations ----------------------------------------------------


def _columns(url: str) -> list[tuple]:
    engine = sa.create_engine(url, future=True)
    try:
        with engine.connect() as connection:
            return list(connection.execute(sa.text(
                "SELECT column_name, data_type, character_maximum_length, is_nullable, "
                "column_default LIKE 'nextval(%' FROM information_schema.columns "
                "WHERE table_name = 'events' ORDER BY ordinal_position"
            )))
    finally:
        engine.dispose()


def _indexes(url: str) -> dict[str, str]:
    engine = sa.create_engine(url, future=True)
    try:
        with engine.connect() as connection:
            return dict(connection.execute(sa.text(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'events'")).all())
    finally:
        engine.dispose()


def test_it_creates_the_table_rasa_creates_plus_one_index() -> None:
    with fresh_postgres("chatbot_ours") as ours, fresh_postgres("chatbot_rasa") as theirs:
        PostgresTrackerStore(url=ours)
        SQLTrackerStore(dialect="postgresql", host=theirs)
        assert _columns(ours) == _columns(theirs)
        assert len(_columns(ours)) == 7
        assert set(_indexes(ours)) == set(_indexes(theirs)) | {INDEX_NAME}
        assert "(sender_id, id)" in _indexes(ours)[INDEX_NAME]


async def test_a_school_switches_from_rasas_store_and_back() -> None:
    with fresh_postgres("chatbot_switch") as url:
        rasa_store = SQLTrackerStore(dialect="postgresql", host=url)
        sender = _sender()
        await _save_events(rasa_store, sender, _session(1000.0, "asked under Rasa's store"))
        assert INDEX_NAME not in _indexes(url)

        ours = PostgresTrackerStore(url=url)  # a table with rows: the index is built concurrently
        assert INDEX_NAME in _indexes(url)
        assert _dicts(await ours.retrieve_full_tracker(sender)) == _dicts(
            await rasa_store.retrieve_full_tracker(sender))
        tracker = await ours.retrieve(sender)
        assert tracker.current_state() == (await rasa_store.retrieve(sender)).current_state()

        tracker.update(UserUttered("asked under ours", {"name": "ask"}))
        tracker.update(ActionExecuted("utter_answer"))
        await ours.save(tracker)
        back = await rasa_store.retrieve_full_tracker(sender)
        assert _dicts(back) == _dicts(await ours.retrieve_full_tracker(sender))
        assert [e.text for e in back.events if isinstance(e, UserUttered)] == [
            "asked under Rasa's store", "asked under ours"]
        await ours.close()


def test_tracker_store_url_chooses_the_store(monkeypatch: pytest.MonkeyPatch, tracker_db_url: str,
                                             tmp_path) -> None:  # noqa: ANN001
    monkeypatch.setenv("TRACKER_STORE_URL", tracker_db_url)
    assert isinstance(EnvironmentTrackerStore(), PostgresTrackerStore)
    monkeypatch.setenv("TRACKER_STORE_URL", f"sqlite:///{tmp_path / 'rasa.db'}")
    assert type(EnvironmentTrackerStore()) is ErasableSQLTrackerStore
    monkeypatch.delenv("TRACKER_STORE_URL")
    assert type(EnvironmentTrackerStore()) is ErasableInMemoryTrackerStore


# --- deletion and retention -------------------------------------------------------------------


async def test_erase_sender_deletes_only_that_conversation(store: RecordingStore) -> None:
    leaving, staying = _sender(), _sender()
    await _save_events(store, leaving, _session(1000.0, "my child's name"))
    await _save_events(store, staying, _session(1000.0, "hello"))
    assert await store.erase_sender(leaving) == 7
    assert await store.retrieve(leaving) is None and not _rows(store._dsn, leaving)
    assert len(_rows(store._dsn, staying)) == 7
    assert await store.erase_sender(leaving) == 0


async def test_purge_before_deletes_events_older_than_the_cutoff(store: RecordingStore) -> None:
    sender = _sender()
    await _save_events(store, sender, _session(1000.0, "long ago") + _session(9_000_000_000.0, "recent"))
    assert await store.purge_before(5000.0) >= 7
    remaining = await store.retrieve_full_tracker(sender)
    assert [e.text for e in remaining.events if isinstance(e, UserUttered)] == ["recent"]
    assert await store.purge_before(5000.0) == 0


# --- replicas ---------------------------------------------------------------------------------


def _turns(url: str, sender: str) -> list[tuple[int, str, str]]:
    """(id, type, text) of the user and bot events of a conversation, in id order."""
    import json

    return [(row[0], row[1], json.loads(row[4]).get("text")) for row in _rows(url, sender)
            if row[1] in ("user", "bot")]


def test_two_replicas_with_the_lock_store_lose_and_reorder_nothing(
    tracker_db_url: str, redis_url: str, key_prefix: str
) -> None:
    senders, turns = [_sender() for _ in range(8)], 12
    run_replicas(tracker_db_url, ["a", "b"], senders, turns, redis_url, key_prefix)
    for sender in senders:
        events = _turns(tracker_db_url, sender)
        users = [text for _, kind, text in events if kind == "user"]
        assert sorted(users) == sorted(f"{r}:{t}" for r in "ab" for t in range(turns)), sender
        for replica in "ab":  # each replica's turns in the order it took them
            mine = [int(text.split(":")[1]) for text in users if text.startswith(replica)]
            assert mine == sorted(mine)
        # every message directly followed by its reply, and the replies count 1, 2, 3, ...
        kinds = [kind for _, kind, _ in events]
        assert kinds == ["user", "bot"] * (2 * turns), sender
        counts = [text for _, kind, text in events if kind == "bot"]
        assert counts == [f"count={n}" for n in range(1, 2 * turns + 1)], sender


def test_two_replicas_without_a_lock_still_store_each_save_once_and_whole(tracker_db_url: str) -> None:
    sender, turns = _sender(), 60
    run_replicas(tracker_db_url, ["a", "b"], [sender], turns)
    rows = _rows(tracker_db_url, sender)
    users = [row for row in rows if row[1] == "user"]
    assert len(users) == 2 * turns
    import json

    labels = [json.loads(row[4])["text"] for row in users]
    assert sorted(labels) == sorted(f"{r}:{t}" for r in "ab" for t in range(turns))
    # each save (user, action, bot, action) is four consecutive ids, whoever saved around it
    positions = {row[0]: index for index, row in enumerate(rows)}
    for user in users:
        block = rows[positions[user[0]]:positions[user[0]] + 4]
        assert [row[1] for row in block] == ["user", "action", "bot", "action"]
        assert [row[0] for row in block] == list(range(user[0], user[0] + 4))


# --- the event loop ---------------------------------------------------------------------------


@contextmanager
def _events_table_locked(url: str, seconds: float = 1.5) -> Iterator[None]:
    """An exclusive lock on ``events`` from another connection, released after ``seconds``."""
    engine = sa.create_engine(url, future=True)
    connection = engine.connect()
    transaction = connection.begin()
    connection.execute(sa.text("LOCK TABLE events IN ACCESS EXCLUSIVE MODE"))
    release = threading.Timer(seconds, transaction.commit)
    release.start()
    try:
        yield
    finally:
        release.join()
        connection.close()
        engine.dispose()


async def _ticks_while(operation) -> int:  # noqa: ANN001
    """How often a 10 ms timer fired on this loop while ``operation`` was awaited."""
    ticks = 0
    done = asyncio.Event()

    async def ticker() -> None:
        nonlocal ticks
        while not done.is_set():
            await asyncio.sleep(0.01)
            ticks += 1

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0)
    started = time.monotonic()
    try:
        await asyncio.wait_for(operation(), 30)
    finally:
        done.set()
        await task
    assert time.monotonic() - started >= 0.3  # it really waited for the lock
    return ticks


async def test_the_event_loop_runs_while_the_database_is_slow(tracker_db_url: str) -> None:
    store = PostgresTrackerStore(url=tracker_db_url)
    await store.exists("warm")  # pool open before the table is locked
    with _events_table_locked(tracker_db_url):
        assert await _ticks_while(lambda: store.retrieve(_sender())) >= 10
    await store.close()


async def test_the_check_above_catches_a_store_that_blocks_the_loop(tracker_db_url: str) -> None:
    rasa_store = SQLTrackerStore(dialect="postgresql", host=tracker_db_url)
    await rasa_store.exists("warm")
    with _events_table_locked(tracker_db_url):
        assert await _ticks_while(lambda: rasa_store.retrieve(_sender())) <= 2
