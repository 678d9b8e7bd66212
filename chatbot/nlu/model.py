"""The scikit-learn intent model: TF-IDF word and character n-grams, then a linear classifier.

Plain scikit-learn (no Rasa), fed with normalised text, so it can be trained and evaluated
in a second; :mod:`chatbot.nlu.classifier` wraps it as a Rasa graph component.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer

from chatbot.nlu.augment import augment
from chatbot.nlu.marks import add_marks
from chatbot.nlu.spelling import SpellingCorrector, word_counts


@dataclass(frozen=True)
class ModelConfig:
    """Hyper-parameters of the intent model; the defaults are the tuned values."""

    c: float = 100.0
    max_iter: int = 2000
    random_state: int = 42
    typo_copies: int = 2
    char_ngram_max: int = 5
    marks: bool = True  # negation and question/statement marks (chatbot.nlu.marks)
    spelling: bool = True  # typing-slip correction against the training words (chatbot.nlu.spelling)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> ModelConfig:
        known = {name: values[name] for name in cls.__dataclass_fields__ if name in values}
        return cls(**known)


def build_pipeline(config: ModelConfig, vocabulary: dict[str, int] | None = None) -> Pipeline:
    """An untrained pipeline: typing-slip correction and sentence marks (each optional), then
    word 1–2-grams and char_wb 2–n-grams into logistic regression. ``vocabulary`` is the
    corrector's known words (counted from the texts it is fitted on when ``None``)."""
    features = FeatureUnion(
        [
            ("words", TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True,
                                      token_pattern=r"\S+")),
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, config.char_ngram_max),
                                      sublinear_tf=True)),
        ]
    )
    classifier = LogisticRegression(
        C=config.c,
        max_iter=config.max_iter,
        class_weight="balanced",
        random_state=config.random_state,
    )
    steps = [("spelling", SpellingCorrector(vocabulary))] if config.spelling else []
    if config.marks:
        steps.append(("marks", FunctionTransformer(add_marks)))
    return Pipeline([*steps, ("features", features), ("classifier", classifier)])


def train_model(texts: list[str], labels: list[str], config: ModelConfig) -> Pipeline:
    """Fit a pipeline on normalised ``texts`` plus their deterministic typo variants; the
    spelling corrector knows the words of ``texts`` only, not those of the variants."""
    all_texts, all_labels = augment(texts, labels, config.typo_copies, config.random_state)
    pipeline = build_pipeline(config, word_counts(texts))
    pipeline.fit(all_texts, all_labels)
    return ready_for_inference(pipeline)


def ready_for_inference(pipeline: Pipeline) -> Pipeline:
    """Lay the coefficients out so ``X @ coef_.T`` needs no copy on each parse (same results)."""
    classifier = pipeline[-1]
    classifier.coef_ = np.asfortranarray(classifier.coef_)
    return pipeline
