"""The assistant's model loaded twice: with Rasa's dask runner and with the sequential one.

Both runners share nothing, so each speed-up can be compared with Rasa's own code on the
same model. A few conversations (messages of the load benchmark's mix) give realistic
trackers and policy states.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from rasa.core.channels import UserMessage
from rasa.engine import loader
from rasa.engine.constants import PLACEHOLDER_MESSAGE, PLACEHOLDER_TRACKER
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.engine.runner.interface import GraphRunner
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.shared.core.events import ActionExecuted, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from chatbot.rasa_speedups.graph_runner import SequentialGraphRunner
from chatbot.training import train

# Questions with and without diacritics, small talk, out of scope, a command, an invite code.
MESSAGES = [
    "tên hiển thị khi học trực tuyến đặt thế nào", "ten hien thi dat the nao", "xin chào", "cam on ban",
    "có người lạ vào lớp thì phải làm sao", "hôm nay thời tiết thế nào", "tạm biệt", "/greet",
    "mật khẩu phòng học phải đặt thế nào", "ma moi ABCD-2345", "toi muon bao cao nguoi la", "huy",
]


@pytest.fixture(scope="session")
def model() -> Path:
    return train()


def _load(model: Path, runner_class: type[GraphRunner], folder: Path) -> tuple[object, GraphRunner]:
    return loader.load_predict_graph_runner(folder, model, LocalModelStorage, runner_class)


@pytest.fixture(scope="session")
def runners(model: Path, tmp_path_factory: pytest.TempPathFactory
            ) -> Iterator[tuple[object, GraphRunner, GraphRunner]]:
    """(metadata, Rasa's DaskGraphRunner, SequentialGraphRunner) on the same model."""
    metadata, dask_runner = _load(model, DaskGraphRunner, tmp_path_factory.mktemp("dask"))
    _, sequential = _load(model, SequentialGraphRunner, tmp_path_factory.mktemp("sequential"))
    yield metadata, dask_runner, sequential


def parse(runner: GraphRunner, metadata, text: str) -> dict:  # noqa: ANN001
    """The NLU parse of ``text`` through ``runner``."""
    results = runner.run(
        inputs={PLACEHOLDER_MESSAGE: [UserMessage(text)],
                PLACEHOLDER_TRACKER: DialogueStateTracker.from_events("parse", [])},
        targets=[metadata.nlu_target],
    )
    return results[metadata.nlu_target][0].as_dict(only_output_properties=True)


def predict(runner: GraphRunner, metadata, tracker: DialogueStateTracker):  # noqa: ANN001, ANN201
    """The policy prediction for ``tracker`` through ``runner``."""
    return runner.run(inputs={PLACEHOLDER_TRACKER: tracker}, targets=[metadata.core_target])[
        metadata.core_target]


def conversation(runner: GraphRunner, metadata, domain, texts: list[str]) -> Iterator[DialogueStateTracker]:  # noqa: ANN001
    """Yield the tracker before each prediction of a conversation of ``texts`` (rules applied)."""
    tracker = DialogueStateTracker.from_events("speedups", [
        ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")],
        domain.slots)
    for text in texts:
        data = parse(runner, metadata, text)
        tracker.update(UserUttered(text, data["intent"], data["entities"], data), domain)
        for _ in range(5):  # a rule answers in a few actions, then listens
            yield tracker
            prediction = predict(runner, metadata, tracker)
            action = domain.action_names_or_texts[prediction.max_confidence_index]
            tracker.update_with_events(prediction.events, domain)
            tracker.update(ActionExecuted(action, prediction.policy_name, prediction.max_confidence), domain)
            if action == "action_listen":
                break
