"""Paraphrase-grouped cross-validation of the intent model, per style and per intent.

    .venv/bin/python bench/nlu_crossval.py [--folds 5] [--misses]

Trains the raw scikit-learn intent model (no Rasa) ``folds`` times with the settings of
chatbot/config.yml; every paraphrase group of the training data is held out whole (see
chatbot/nlu/crossval.py). Takes about a minute on two cores.
"""

from __future__ import annotations

import argparse
import time

from nlu_report import model_config

from chatbot.nlu.crossval import cross_validate, load_grouped_examples, report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--misses", action="store_true", help="list every wrongly predicted example")
    args = parser.parse_args()
    start = time.perf_counter()
    result = cross_validate(load_grouped_examples(), model_config(), folds=args.folds)
    print(report(result))
    if args.misses:
        for example, predicted, style in result.misses:
            print(f"  miss [{style}] {example.intent} -> {predicted}: {example.text}")
    print(f"\n{args.folds} folds in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
