"""Score intent predictions on the held-out test set, overall and per typing style.

The test set (tests/data/nlu_test_set.yml) is Rasa NLU YAML whose blocks carry
``metadata: {style: ...}``. A prediction of ``nlu_fallback`` counts as right for an
``out_of_scope`` message, since both get the help menu and are logged.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from chatbot.settings import PROJECT_ROOT

TEST_SET = PROJECT_ROOT / "tests" / "data" / "nlu_test_set.yml"
TRAINING_NLU = PROJECT_ROOT / "chatbot" / "data" / "nlu"
FALLBACK_INTENT = "nlu_fallback"
OUT_OF_SCOPE = "out_of_scope"
_ENTITY_MARKUP = re.compile(r"\[([^\]]+)\]\([^)]*\)")


@dataclass(frozen=True)
class TestCase:
    text: str
    intent: str
    style: str
    group: str | None = None  # paraphrase group (``metadata: {group: ...}``), if written


@dataclass
class Score:
    """Right and total counts per style, and the misses for the report."""

    right: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    total: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    misses: list[tuple[TestCase, str]] = field(default_factory=list)

    def add(self, case: TestCase, predicted: str) -> None:
        self.total[case.style] += 1
        if is_correct(case.intent, predicted):
            self.right[case.style] += 1
        else:
            self.misses.append((case, predicted))

    def accuracy(self, style: str | None = None) -> float:
        styles = [style] if style else list(self.total)
        total = sum(self.total[s] for s in styles)
        return sum(self.right[s] for s in styles) / total if total else 0.0

    def table(self) -> str:
        """A Markdown table: one row per style, then the overall row."""
        rows = ["| style | messages | correct | accuracy |", "| --- | ---: | ---: | ---: |"]
        for style in sorted(self.total):
            rows.append(f"| {style} | {self.total[style]} | {self.right[style]} | "
                        f"{self.accuracy(style):.1%} |")
        total, right = sum(self.total.values()), sum(self.right.values())
        rows.append(f"| **overall** | {total} | {right} | {self.accuracy():.1%} |")
        return "\n".join(rows)


def is_correct(expected: str, predicted: str) -> bool:
    return predicted == expected or (expected == OUT_OF_SCOPE and predicted == FALLBACK_INTENT)


def load_examples(path: Path, default_style: str = "unknown") -> list[TestCase]:
    """Every intent example of a Rasa NLU YAML file, with entity markup removed."""
    cases: list[TestCase] = []
    for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu", []):
        if "intent" not in block:
            continue
        metadata = block.get("metadata") or {}
        style, group = metadata.get("style", default_style), metadata.get("group")
        for line in block["examples"].splitlines():
            line = line.strip()
            if line.startswith("- "):
                text = _ENTITY_MARKUP.sub(r"\1", line[2:].strip())
                cases.append(TestCase(text=text, intent=block["intent"], style=style, group=group))
    return cases


def load_test_set(path: Path = TEST_SET) -> list[TestCase]:
    return load_examples(path)


def load_training_examples(folder: Path = TRAINING_NLU) -> list[TestCase]:
    """The training examples of every NLU file of the assistant."""
    return [case for path in sorted(folder.glob("*.yml")) for case in load_examples(path, "training")]


def score(cases: Iterable[TestCase], predict: Callable[[str], str]) -> Score:
    result = Score()
    for case in cases:
        result.add(case, predict(case.text))
    return result
