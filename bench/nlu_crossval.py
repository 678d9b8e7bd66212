"""Paraphrase-grouped cross-validation of the intent model, per style and per intent.

    .venv/bin/python bench/nlu_crossval.py [--folds 5] [--misses]

Trains the raw scikit-learn intent model (no Rasa) ``folds`` times with the settings of
chatbot/config.yml; every paraphrase group of the training data is held out whole (see
chatbot/nlu/crossval.py), and a prediction below the FallbackClassifier threshold counts as
``nlu_fallback``, as in the running assistant. Takes about two minutes on two cores.
"""

from __future__ import annotations

import argparse
import time

import yaml
from nlu_report import model_config

from chatbot.nlu.crossval import cross_validate, load_grouped_examples, report
from chatbot.training import CONFIG


def fallback_threshold() -> float:
    """The FallbackClassifier threshold of chatbot/config.yml (0 when there is none)."""
    pipeline = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))["pipeline"]
    return float(next((c.get("threshold", 0.3) for c in pipeline if c["name"] == "FallbackClassifier"), 0.0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--misses", action="store_true", help="list every wrongly predicted example")
    args = parser.parse_args()
    start = time.perf_counter()
    result = cross_validate(load_grouped_examples(), model_config(), folds=args.folds,
                            fallback_threshold=fallback_threshold())
    print(report(result))
    if args.misses:
        for example, predicted, style in result.misses:
            print(f"  miss [{style}] {example.intent} -> {predicted}: {example.text}")
    print(f"\n{args.folds} folds in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
