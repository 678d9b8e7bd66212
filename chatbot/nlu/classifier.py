"""Rasa graph component: the TF-IDF + logistic regression intent classifier.

Reads the normalised text left by :class:`chatbot.nlu.normalizer.VietnameseNormalizer`
(or normalises itself), and is persisted with ``skops`` rather than pickle.
"""

from __future__ import annotations

import logging
from typing import Any

import skops.io as sio
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.pipeline import Pipeline

from chatbot.nlu.model import ModelConfig, ready_for_inference, train_model
from chatbot.nlu.normalizer import normalized_text

logger = logging.getLogger(__name__)

MODEL_FILE = "intent_model.skops"
# Types outside skops' default trust list that the TF-IDF pipeline needs; anything else in a
# model file is refused.
TRUSTED_TYPES = frozenset({
    "scipy.sparse._csr.csr_matrix",
    "chatbot.nlu.marks.add_marks",
    "chatbot.nlu.spelling.SpellingCorrector",
})


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class TfidfIntentClassifier(IntentClassifier, GraphComponent):
    """Intent classifier over word and character n-grams of normalised Vietnamese text."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        defaults = ModelConfig()
        return {
            "c": defaults.c,
            "max_iter": defaults.max_iter,
            "random_state": defaults.random_state,
            "typo_copies": defaults.typo_copies,
            "char_ngram_max": defaults.char_ngram_max,
            "marks": defaults.marks,
            "spelling": defaults.spelling,
            "ranking_length": 10,
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        pipeline: Pipeline | None = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self._pipeline = pipeline

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> TfidfIntentClassifier:
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        examples = [e for e in training_data.intent_examples if e.get(INTENT) and e.get(TEXT)]
        if not examples:
            logger.warning("No intent examples: the intent classifier is left untrained.")
            return self._resource
        texts = [normalized_text(example) for example in examples]
        labels = [example.get(INTENT) for example in examples]
        self._pipeline = train_model(texts, labels, ModelConfig.from_dict(self._config))
        with self._model_storage.write_to(self._resource) as directory:
            sio.dump(self._pipeline, directory / MODEL_FILE)
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> TfidfIntentClassifier:
        try:
            with model_storage.read_from(resource) as directory:
                path = directory / MODEL_FILE
                untrusted = set(sio.get_untrusted_types(file=path))
                if not untrusted <= TRUSTED_TYPES:
                    raise ValueError(f"unexpected types in {MODEL_FILE}: {untrusted - TRUSTED_TYPES}")
                pipeline = ready_for_inference(sio.load(path, trusted=sorted(untrusted)))
        except ValueError as exc:
            logger.warning("Intent model not loaded: %s", exc)
            pipeline = None
        return cls(config, model_storage, resource, pipeline)

    def process(self, messages: list[Message]) -> list[Message]:
        if self._pipeline is None or not messages:
            return messages
        texts = [normalized_text(message) for message in messages]
        probabilities = self._pipeline.predict_proba(texts)
        intents = self._pipeline.classes_
        length = self._config["ranking_length"]
        for message, row in zip(messages, probabilities, strict=True):
            ranking = sorted(
                (
                    {"name": str(name), "confidence": float(p)}
                    for name, p in zip(intents, row, strict=True)
                ),
                key=lambda item: -item["confidence"],
            )
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking[:length] if length else ranking,
                        add_to_output=True)
        return messages
