"""Rasa graph component that stores the normalised text of each message.

The original text is left untouched (entity offsets and actions need it); the normalised
form goes into the ``normalized_text`` attribute, which is not part of the parse output.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from chatbot.nlu.text import normalize

NORMALIZED_TEXT = "normalized_text"


def normalized_text(message: Message) -> str:
    """The message's normalised text, computed now if no normaliser ran before."""
    value = message.get(NORMALIZED_TEXT)
    return value if value is not None else normalize(message.get(TEXT) or "")


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class VietnameseNormalizer(GraphComponent):
    """Lower-case, unaccent and expand teencode in user messages (see ``chatbot.nlu.text``)."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> VietnameseNormalizer:
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT)
            if text is not None:
                message.set(NORMALIZED_TEXT, normalize(text))
        return messages
