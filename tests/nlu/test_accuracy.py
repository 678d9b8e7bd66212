"""Intent accuracy on the held-out test set: >= 93% overall and >= 90% in every style."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import yaml
from rasa.core.agent import Agent

from chatbot.nlu.evaluation import TEST_SET, load_test_set, score
from chatbot.training import DATA

MIN_OVERALL = 0.93
MIN_PER_STYLE = 0.90
STYLES = {"accented", "unaccented", "abbreviated", "typos"}


def _training_texts() -> dict[str, str]:
    texts: dict[str, str] = {}
    for path in sorted(Path(DATA, "nlu").glob("*.yml")):
        for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
            if "intent" in block:
                for line in block["examples"].splitlines():
                    if line.strip().startswith("- "):
                        text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", line.strip()[2:])
                        texts[text.strip().lower()] = block["intent"]
    return texts


def test_test_set_is_held_out_and_covers_every_intent_in_every_style() -> None:
    cases = load_test_set(TEST_SET)
    training = _training_texts()
    assert len(cases) >= 300
    assert [c.text for c in cases if c.text.lower() in training] == []
    covered = Counter((c.intent, c.style) for c in cases)
    missing = [(i, s) for i in set(training.values()) for s in STYLES if not covered[(i, s)]]
    assert missing == []


async def test_intent_accuracy(agent: Agent) -> None:
    cases = load_test_set(TEST_SET)
    predictions = {}
    for case in cases:
        parsed = await agent.parse_message(case.text)
        predictions[case.text] = parsed["intent"]["name"]
    result = score(cases, predictions.__getitem__)
    print("\n" + result.table())
    for case, predicted in result.misses:
        print(f"  miss [{case.style}] {case.intent} -> {predicted}: {case.text}")
    assert result.accuracy() >= MIN_OVERALL
    for style in STYLES:
        assert result.accuracy(style) >= MIN_PER_STYLE, style
