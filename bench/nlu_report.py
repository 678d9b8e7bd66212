"""Run ``rasa test nlu`` on the held-out test set and print the figures for the README.

    .venv/bin/python bench/nlu_report.py [--out results/nlu] [--cv]

Prints Rasa's own intent accuracy, macro and weighted F1, then the per-style table of
:mod:`chatbot.nlu.evaluation` from Rasa's predictions. ``rasa test nlu`` undoes the
FallbackClassifier, so these are the classifier's raw predictions. ``--cv`` adds a 5-fold
cross-validation of the intent model on the training examples alone: every phrasing is
judged by a model that never saw it, a stricter figure than the hand-written test set.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import yaml

from chatbot.nlu.evaluation import TEST_SET, Score, load_test_set, load_training_examples
from chatbot.nlu.model import ModelConfig, train_model
from chatbot.nlu.text import normalize
from chatbot.settings import PROJECT_ROOT
from chatbot.training import CONFIG, train


def run_rasa_test(model: Path, out: Path) -> dict:
    rasa = Path(sys.executable).with_name("rasa")
    command = [str(rasa), "test", "nlu", "--model", str(model), "--nlu", str(TEST_SET),
               "--out", str(out), "--no-plot"]
    subprocess.run(command, check=True, cwd=PROJECT_ROOT)
    return json.loads((out / "intent_report.json").read_text(encoding="utf-8"))


def predictions(out: Path) -> dict[str, str]:
    """Predicted intent per text, from Rasa's errors file (texts not in it were right)."""
    errors = out / "intent_errors.json"
    rows = json.loads(errors.read_text(encoding="utf-8")) if errors.exists() else []
    return {row["text"]: row["intent_prediction"]["name"] for row in rows}


def model_config() -> ModelConfig:
    """The intent classifier's settings as written in chatbot/config.yml."""
    pipeline = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))["pipeline"]
    entry = next(c for c in pipeline if c["name"].endswith("TfidfIntentClassifier"))
    return ModelConfig.from_dict(entry)


def cross_validate(folds: int = 5) -> float:
    """Accuracy of the raw intent model over ``folds`` stratified folds of the training data."""
    from sklearn.model_selection import StratifiedKFold

    examples = load_training_examples()
    texts = [normalize(case.text) for case in examples]
    labels = [case.intent for case in examples]
    config = model_config()
    right = 0
    splitter = StratifiedKFold(folds, shuffle=True, random_state=config.random_state)
    for train_idx, test_idx in splitter.split(texts, labels):
        model = train_model([texts[i] for i in train_idx], [labels[i] for i in train_idx], config)
        predicted = model.predict([texts[i] for i in test_idx])
        right += sum(p == labels[i] for p, i in zip(predicted, test_idx, strict=True))
    return right / len(texts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "results" / "nlu")
    parser.add_argument("--cv", action="store_true", help="also cross-validate on training data")
    args = parser.parse_args()
    report = run_rasa_test(train(), args.out)
    print(f"rasa test nlu: accuracy {report['accuracy']:.1%}, "
          f"macro F1 {report['macro avg']['f1-score']:.3f}, "
          f"weighted F1 {report['weighted avg']['f1-score']:.3f}")
    wrong = predictions(args.out)
    result = Score()
    for case in load_test_set():
        result.add(case, wrong.get(case.text, case.intent))
    print(result.table())
    for case, predicted in result.misses:
        print(f"  miss [{case.style}] {case.intent} -> {predicted}: {case.text}")
    if args.cv:
        print(f"5-fold cross-validation on the training data: {cross_validate():.1%}")


if __name__ == "__main__":
    main()
