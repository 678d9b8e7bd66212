"""Run ``rasa test nlu`` on the held-out test set and print the figures for the README.

    .venv/bin/python bench/nlu_report.py [--out results/nlu]

Prints Rasa's own intent accuracy, macro and weighted F1, then the per-style table of
:mod:`chatbot.nlu.evaluation` from Rasa's predictions. ``rasa test nlu`` undoes the
FallbackClassifier, so these are the classifier's raw predictions.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from chatbot.nlu.evaluation import TEST_SET, Score, load_test_set
from chatbot.settings import PROJECT_ROOT
from chatbot.training import train


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "results" / "nlu")
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


if __name__ == "__main__":
    main()
