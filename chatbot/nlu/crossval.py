"""Paraphrase-grouped cross-validation of the intent model on its own training examples.

Plain stratified folds flatter a model: "tôi muốn liên kết tài khoản" in the training fold
makes "toi muon lien ket tai khoan voi con" in the test fold easy. Here every example gets a
paraphrase group, and a whole group always falls in one fold, so each message is judged by a
model that saw no rewording of it.

Group key: an explicit ``metadata: {group: ...}`` on an NLU block wins; otherwise examples of
one intent are joined (complete link) when their normalised word sets overlap by at least
``GROUP_OVERLAP`` (Jaccard), compared on the normalised unaccented spelling
(:func:`grouping_key`), which also joins the accented, unaccented and teencode spellings of
one sentence.

Style of a training example (derived, the data files carry none): ``abbreviated`` when a word
is in the teencode table, else ``accented`` when it has Vietnamese marks, else ``unaccented``.
The ``typos`` style scores each held-out example again with typing slips (a seed distinct from
training augmentation), so every message is judged in four ways at most.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sklearn.pipeline import Pipeline

from chatbot.nlu.augment import typo_variant
from chatbot.nlu.evaluation import FALLBACK_INTENT, TRAINING_NLU, is_correct, load_training_examples
from chatbot.nlu.model import ModelConfig, train_model
from chatbot.nlu.text import ABBREVIATIONS, normalize, strip_diacritics

GROUP_OVERLAP = 0.5
TYPO_SEED = 7919


@dataclass(frozen=True)
class Example:
    text: str
    intent: str
    normalized: str
    group: str
    style: str


@dataclass
class Tally:
    """Right and total counts per key (intent or style)."""

    right: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    total: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, key: str, correct: bool) -> None:
        self.total[key] += 1
        self.right[key] += int(correct)

    def accuracy(self, key: str | None = None) -> float:
        keys = [key] if key else list(self.total)
        total = sum(self.total[k] for k in keys)
        return sum(self.right[k] for k in keys) / total if total else 0.0


@dataclass
class CrossValidation:
    """The outcome: per intent and per style, the misses, and the number of groups."""

    intents: Tally = field(default_factory=Tally)
    styles: Tally = field(default_factory=Tally)
    misses: list[tuple[Example, str, str]] = field(default_factory=list)
    groups: int = 0
    examples: int = 0

    @property
    def overall(self) -> float:
        """Accuracy over the examples as written (the ``typos`` re-scoring excluded)."""
        return self.intents.accuracy()


def style_of(text: str) -> str:
    """``abbreviated``, ``accented`` or ``unaccented`` (see the module docstring)."""
    lowered = text.lower()
    words = "".join(ch if ch.isalpha() else " " for ch in lowered).split()
    if any(word in ABBREVIATIONS for word in words):
        return "abbreviated"
    return "accented" if any(ord(ch) > 127 and ch.isalpha() for ch in lowered) else "unaccented"


def _overlap(a: set[str], b: set[str]) -> float:
    union = a | b
    return len(a & b) / len(union) if union else 1.0


def derived_groups(normalized: Sequence[str], threshold: float = GROUP_OVERLAP) -> list[int]:
    """Complete-link groups: a text joins the first group whose every member's word set it
    overlaps by Jaccard >= ``threshold``; otherwise it starts a group. Complete rather than
    single link, so that short replies ("có", "có nhé", "có chứ") do not chain one intent
    into a single group."""
    words = [set(text.split()) for text in normalized]
    groups: list[list[int]] = []
    labels = [0] * len(words)
    for i, current in enumerate(words):
        for number, members in enumerate(groups):
            if all(_overlap(current, words[j]) >= threshold for j in members):
                members.append(i)
                labels[i] = number
                break
        else:
            labels[i] = len(groups)
            groups.append([i])
    return labels


def grouping_key(text: str) -> str:
    """The words that decide ``text``'s group: its normalised *unaccented* spelling, so that
    the accented and unaccented spellings of one sentence always share a group, even where
    the normaliser reads an accented word its own way ("đừng", "tắt", "bật")."""
    return normalize(strip_diacritics(text))


def load_grouped_examples(folder: Path = TRAINING_NLU) -> list[Example]:
    """Every training example with its paraphrase group and derived style."""
    by_intent: dict[str, list[tuple[str, str | None]]] = defaultdict(list)
    for case in load_training_examples(folder):
        by_intent[case.intent].append((case.text, case.group))
    examples = []
    for intent, items in sorted(by_intent.items()):
        normalized = [normalize(text) for text, _ in items]
        derived = derived_groups([grouping_key(text) for text, _ in items])
        for (text, group), norm, root in zip(items, normalized, derived, strict=True):
            key = f"{intent}/{group}" if group else f"{intent}#{root}"
            examples.append(Example(text, intent, norm, key, style_of(text)))
    return examples


def _predict(model: Pipeline, texts: list[str], fallback_threshold: float) -> list[str]:
    """The model's intents, ``nlu_fallback`` below ``fallback_threshold`` (as Rasa's
    FallbackClassifier does; right for an out-of-scope message, wrong for any other)."""
    if not texts:
        return []
    probabilities = model.predict_proba(texts)
    return [str(model.classes_[row.argmax()]) if row.max() >= fallback_threshold else FALLBACK_INTENT
            for row in probabilities]


def cross_validate(
    examples: Sequence[Example],
    config: ModelConfig,
    folds: int = 5,
    typos: bool = True,
    fallback_threshold: float = 0.0,
) -> CrossValidation:
    """Grouped, stratified ``folds``-fold cross-validation of the intent model."""
    from sklearn.model_selection import StratifiedGroupKFold

    labels = [e.intent for e in examples]
    groups = [e.group for e in examples]
    splitter = StratifiedGroupKFold(folds, shuffle=True, random_state=config.random_state)
    result = CrossValidation(groups=len(set(groups)), examples=len(examples))
    rng = random.Random(TYPO_SEED)
    for train_idx, test_idx in splitter.split(labels, labels, groups):
        model = train_model([examples[i].normalized for i in train_idx],
                            [labels[i] for i in train_idx], config)
        held = [examples[i] for i in test_idx]
        predicted_held = _predict(model, [e.normalized for e in held], fallback_threshold)
        for example, predicted in zip(held, predicted_held, strict=True):
            correct = is_correct(example.intent, str(predicted))
            result.intents.add(example.intent, correct)
            result.styles.add(example.style, correct)
            if not correct:
                result.misses.append((example, str(predicted), example.style))
        if not typos:
            continue
        slipped = [(e, typo_variant(e.normalized, rng)) for e in held]
        slipped = [(e, t) for e, t in slipped if t != e.normalized]
        predicted = _predict(model, [t for _, t in slipped], fallback_threshold)
        for (example, text), label in zip(slipped, predicted, strict=True):
            correct = is_correct(example.intent, str(label))
            result.styles.add("typos", correct)
            if not correct:
                result.misses.append((Example(text, example.intent, text, example.group, "typos"),
                                      str(label), "typos"))
    return result


def report(result: CrossValidation) -> str:
    """Markdown tables: per style, then per intent (worst first)."""
    lines = [f"{result.examples} examples in {result.groups} paraphrase groups; "
             f"grouped cross-validation accuracy **{result.overall:.1%}**", "",
             "| style | messages | accuracy |", "| --- | ---: | ---: |"]
    for style in sorted(result.styles.total):
        lines.append(f"| {style} | {result.styles.total[style]} | {result.styles.accuracy(style):.1%} |")
    lines += ["", "| intent | examples | accuracy |", "| --- | ---: | ---: |"]
    for intent in sorted(result.intents.total, key=lambda k: (result.intents.accuracy(k), k)):
        lines.append(f"| {intent} | {result.intents.total[intent]} | "
                     f"{result.intents.accuracy(intent):.1%} |")
    return "\n".join(lines)
