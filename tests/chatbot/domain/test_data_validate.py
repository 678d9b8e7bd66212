"""``rasa data validate`` over the project runs clean: no error, and no warning except the
unused responses that are used after all, by code Rasa's validator cannot see.

The accepted warnings are derived, not listed by hand (see ``accepted_unused_responses``):
- a response an action utters by name (a ``"utter_…"`` literal in actions/, chatbot/,
  connectors/);
- ``utter_ask_<slot>`` / ``utter_ask_<form>_<slot>`` of a form's required slot (the form
  asks with it);
- ``utter_default`` when the RulePolicy falls back to Rasa's ``action_default_fallback``;
- an intent without examples only for the relay's buttons (:mod:`chatbot.relay_keys`): they
  carry the thread's id, which a typed message cannot name; a typed message in a thread goes
  through ``ask_human`` instead.
Any other warning (an intent without examples, a response nobody uses, an unknown action or
slot in a story, a story conflict) fails the test.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from chatbot import relay_keys
from chatbot.settings import PROJECT_ROOT
from tests.chatbot.domain.rasa_project import (
    BOT_DIR,
    CONFIG,
    DOMAIN_DIR,
    domain_responses,
    form_ask_responses,
    rasa_default_responses,
    responses_named_in_code,
)

_WARNING = re.compile(r"UserWarning: (.*)$")
_UNUSED_RESPONSE = re.compile(r"^The utterance '([a-z0-9_]+)' is not used in any story or rule\.$")


_UNTYPED_INTENT = re.compile(r"The intent '(\w{1,64})' is listed in the domain file, but is not found")
BUTTON_ONLY_INTENTS = {relay_keys.REPLY_INTENT, relay_keys.CLOSE_INTENT}


def accepted_unused_responses() -> set[str]:
    return responses_named_in_code() | form_ask_responses() | rasa_default_responses()


@pytest.fixture(scope="module")
def validation() -> subprocess.CompletedProcess[str]:
    rasa = str(Path(sys.executable).with_name("rasa"))
    command = [rasa, "data", "validate", "--config", str(CONFIG), "--domain", str(DOMAIN_DIR),
               "--data", str(BOT_DIR / "data")]
    return subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300,
                          env={"PYTHONWARNINGS": "default", "TF_CPP_MIN_LOG_LEVEL": "3",
                               "PATH": str(Path(sys.executable).parent)})


def _warnings(result: subprocess.CompletedProcess[str]) -> list[str]:
    output = re.sub(r"\x1b\[[0-9;]*m", "", result.stdout + result.stderr)
    return [m.group(1).strip() for line in output.splitlines() if (m := _WARNING.search(line))]


def test_validate_finds_no_error(validation: subprocess.CompletedProcess[str]) -> None:
    assert validation.returncode == 0, validation.stdout[-3000:] + validation.stderr[-3000:]
    assert "Validating intents" in validation.stdout + validation.stderr


def test_validate_warns_only_about_responses_that_code_uses(
    validation: subprocess.CompletedProcess[str],
) -> None:
    accepted = accepted_unused_responses()
    unexpected = []
    for warning in _warnings(validation):
        match = _UNUSED_RESPONSE.match(warning)
        untyped = _UNTYPED_INTENT.match(warning)
        if match and match.group(1) in accepted:
            continue
        if untyped and untyped.group(1) in BUTTON_ONLY_INTENTS:
            continue
        unexpected.append(warning)
    assert unexpected == []


def test_the_accepted_responses_exist_in_the_domain() -> None:
    """Every response the code names is in the domain (form asks may be left to defaults)."""
    assert responses_named_in_code() - set(domain_responses()) == set()
