"""The main conversations as Rasa test stories (tests/journeys/stories/test_*.yml), run by
``rasa test core --e2e``: the typed messages go through the NLU (intent and entities) and
every action is predicted by the policies, as in production.

``rasa test`` predicts actions without running them, so no action server is needed: each
story writes the events its actions return (slots, forms) after them.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml

from chatbot.settings import PROJECT_ROOT
from chatbot.training import train

STORIES = PROJECT_ROOT / "tests" / "journeys" / "stories"
MAIN_CONVERSATIONS = {
    "action_link_account", "action_timetable", "action_join_class", "action_submit_incident",
    "action_submit_scam", "action_ask_human", "action_forget_account", "action_broadcast_send",
}
# The first "Correct: x / y" line Rasa logs is the conversation level (then the action level).
_CORRECT = re.compile(r"Correct:\s+(\d+) / (\d+)")


def _stories() -> list[dict]:
    return [story for path in sorted(STORIES.glob("test_*.yml"))
            for story in yaml.safe_load(path.read_text(encoding="utf-8"))["stories"]]


def test_stories_cover_the_main_conversations() -> None:
    actions = {step["action"] for story in _stories() for step in story["steps"] if "action" in step}
    assert MAIN_CONVERSATIONS - actions == set()


def test_every_test_story_passes(tmp_path: Path) -> None:
    rasa = str(Path(sys.executable).with_name("rasa"))
    command = [rasa, "test", "core", "--e2e", "--model", str(train()), "--stories", str(STORIES),
               "--out", str(tmp_path), "--no-plot"]
    result = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600,
                            env={"TF_CPP_MIN_LOG_LEVEL": "3", "PATH": str(Path(sys.executable).parent)})
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    failed = (tmp_path / "failed_test_stories.yml").read_text(encoding="utf-8")
    assert "None of the test stories failed" in failed, failed
    counts = _CORRECT.search(output)
    assert counts, output[-3000:]
    assert int(counts.group(1)) == int(counts.group(2)) == len(_stories())
