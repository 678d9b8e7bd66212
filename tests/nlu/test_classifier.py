"""The intent classifier as a Rasa graph component: train, persist, load, predict."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from chatbot.nlu.classifier import MODEL_FILE, TfidfIntentClassifier
from chatbot.nlu.normalizer import NORMALIZED_TEXT, VietnameseNormalizer

EXAMPLES = {
    "greet": ["xin chào", "chào bạn", "chào em", "hello", "chào buổi sáng"],
    "thank": ["cảm ơn", "cảm ơn nhiều", "cám ơn bạn", "thanks", "cảm ơn em nhé"],
}
CONFIG = {"typo_copies": 1}


def _context() -> ExecutionContext:
    return ExecutionContext(GraphSchema({}), "test")


def _training_data() -> TrainingData:
    messages = [Message(data={"text": t, "intent": i}) for i, ts in EXAMPLES.items() for t in ts]
    return TrainingData(messages)


@pytest.fixture
def storage(tmp_path: Path) -> LocalModelStorage:
    return LocalModelStorage(tmp_path)


def _train(storage: LocalModelStorage, resource: Resource) -> None:
    data = VietnameseNormalizer.create({}, storage, resource, _context()).process_training_data(
        _training_data()
    )
    TfidfIntentClassifier.create(CONFIG, storage, resource, _context()).train(data)


def test_normalizer_keeps_the_text_and_adds_the_normalised_form(storage: LocalModelStorage) -> None:
    message = Message(data={"text": "Cảm ơn NHIỀU 🙏"})
    VietnameseNormalizer.create({}, storage, Resource("n"), _context()).process([message])
    assert message.get("text") == "Cảm ơn NHIỀU 🙏"
    assert message.get(NORMALIZED_TEXT) == "cam on nhieu cam on"
    assert NORMALIZED_TEXT not in message.as_dict(only_output_properties=True)


def test_trained_classifier_survives_persist_and_load(storage: LocalModelStorage) -> None:
    resource = Resource("intent")
    _train(storage, resource)
    loaded = TfidfIntentClassifier.load(CONFIG, storage, resource, _context())
    messages = [Message(data={"text": "cam on ban nhieu"}), Message(data={"text": "Xin chàoooo"})]
    loaded.process(messages)
    assert [m.get("intent")["name"] for m in messages] == ["thank", "greet"]
    ranking = messages[0].get("intent_ranking")
    assert [r["name"] for r in ranking][:1] == ["thank"]
    assert abs(sum(r["confidence"] for r in ranking) - 1.0) < 1e-6


def test_a_model_file_with_unexpected_types_is_refused(
    storage: LocalModelStorage, caplog: pytest.LogCaptureFixture
) -> None:
    import skops.io as sio

    resource = Resource("intent")
    with storage.write_to(resource) as directory:
        sio.dump({"payload": Path("/etc/passwd")}, directory / MODEL_FILE)
    loaded = TfidfIntentClassifier.load(CONFIG, storage, resource, _context())
    message = Message(data={"text": "xin chào"})
    loaded.process([message])
    assert message.get("intent") is None
    assert "unexpected types" in caplog.text


def test_coefficients_are_laid_out_for_parsing() -> None:
    from chatbot.nlu.model import ModelConfig, train_model

    pipeline = train_model(
        ["xin chao", "tam biet", "chao ban", "hen gap lai", "cam on", "cam on nhieu"],
        ["greet", "goodbye", "greet", "goodbye", "thank", "thank"],
        ModelConfig.from_dict({}),
    )
    coefficients = pipeline[-1].coef_
    assert coefficients.shape[0] == 3 and coefficients.flags.f_contiguous
