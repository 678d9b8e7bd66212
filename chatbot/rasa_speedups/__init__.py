"""Rasa 3.6 hot paths made cheap without changing what they do.

Each module replaces one Rasa function or class in the running process, with a test under
``tests/chatbot/rasa_speedups/`` that compares it with Rasa's own on the assistant's model and data.
:func:`install` applies them all; ``chatbot.rasa_stores.EnvironmentLockStore`` calls it,
because Rasa builds the lock store once per server process, before it loads the model.

Measured on the embedded path (``bench/profile_turns.py``, CPU per message in one process,
this project's message mix; the share is of a replica's CPU before the change):

| module | what it removes | share |
| --- | --- | ---: |
| :mod:`.action_validation` | the JSON Schema meta-schema check per custom action call | 27 ms per call |
| :mod:`.graph_runner` | dask's scheduling around the prediction graph's nodes | 15 % |
| :mod:`.rule_policies` | checking all 106 rules per prediction; featurising for an empty memory | 15 % |
| :mod:`.event_types` | walking the ``Event`` class tree for every loaded event | 5 % |
| :mod:`.tracker_copies` | generic ``copy.copy`` of each slot per tracker copy; ``is_empty`` | 8 % |
"""

from __future__ import annotations

from chatbot.rasa_speedups import (
    action_validation,
    event_types,
    graph_runner,
    rule_policies,
    tracker_copies,
)
from chatbot.rasa_speedups.action_validation import _validate_action_result, action_response_validator

__all__ = ["install", "action_response_validator", "_validate_action_result"]


def install() -> None:
    """Apply every speed-up to this process (idempotent)."""
    action_validation.install()
    graph_runner.install()
    rule_policies.install()
    event_types.install()
    tracker_copies.install()
