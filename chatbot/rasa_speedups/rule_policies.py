"""Rule-only dialogue predicted without scanning every rule or featurising for an empty memory.

The assistant's dialogue is rules only (``RulePolicy``), beside a ``MemoizationPolicy`` with
no stories to remember. Per prediction Rasa 3.6 spends its time on two things that do not
depend on the conversation's content:

- ``RulePolicy._get_possible_keys`` checks every rule (106 here) against the current state,
  then the survivors against the states before it: 10 % of a replica's CPU. Most rules fail
  at once on the previous action or the intent. :class:`RuleIndex` groups the rules by the
  previous action and intent their last state requires, so only the rules that can match
  are checked, in the same order and with the same check, so the result is the same set.
- ``MemoizationPolicy.predict_action_probabilities`` featurises the whole tracker before
  looking it up in its memory, which is empty without stories: 5 % of the CPU for a
  prediction that is always "nothing". With an empty memory it now returns that at once.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from rasa.core.policies.memoization import MemoizationPolicy
from rasa.core.policies.policy import PolicyPrediction
from rasa.core.policies.rule_policy import RulePolicy
from rasa.shared.core.constants import PREVIOUS_ACTION, SHOULD_NOT_BE_SET, USER
from rasa.shared.core.domain import Domain, State
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import ACTION_NAME, INTENT

_RASA_GET_POSSIBLE_KEYS = RulePolicy._get_possible_keys
_RASA_MEMOIZATION_PREDICT = MemoizationPolicy.predict_action_probabilities
_MAX_INDEXES = 16

Need = tuple[str | None, str | None]  # (previous action, intent) a rule's last state requires


def _required(sub_state: Any, key: str) -> str | None:
    """The value a rule state requires for ``key`` (None: anything may be there)."""
    value = sub_state.get(key) if isinstance(sub_state, dict) else None
    return value if isinstance(value, str) and value and value != SHOULD_NOT_BE_SET else None


class RuleIndex:
    """The rule keys of one lookup, grouped by what their last state requires."""

    def __init__(self, lookup: dict[str, Any]) -> None:
        self.keys = tuple(lookup)
        self.order = list(set(lookup.keys()))  # the order in which Rasa's filter visits the keys
        self.starters: frozenset[str] = frozenset()
        by_need: dict[Need, set[str]] = defaultdict(set)
        starters = set()
        for key in self.keys:
            last = json.loads(key)[-1]
            previous = last.get(PREVIOUS_ACTION)
            if not previous:
                starters.add(key)
            else:
                by_need[(_required(previous, ACTION_NAME), _required(last.get(USER), INTENT))].add(key)
        self.starters = frozenset(starters)
        self.by_need = {need: frozenset(keys) for need, keys in by_need.items()}

    def candidates(self, state: State) -> frozenset[str]:
        """Every rule whose last state can match ``state`` (a superset of those that do)."""
        previous = state.get(PREVIOUS_ACTION)
        if not previous:
            return self.starters  # Rasa: a conversation start matches only a starter
        user = state.get(USER)
        action = previous.get(ACTION_NAME)
        intent = user.get(INTENT) if isinstance(user, dict) else None
        found: set[str] = set()
        for need_action in {action, None}:
            for need_intent in {intent, None}:
                found.update(self.by_need.get((need_action, need_intent), ()))
        return frozenset(found)


_indexes: dict[int, RuleIndex] = {}


def rule_index(lookup: dict[str, Any]) -> RuleIndex:
    """The index of ``lookup``, rebuilt whenever its keys change."""
    index = _indexes.get(id(lookup))
    if index is None or index.keys != tuple(lookup):
        if len(_indexes) >= _MAX_INDEXES:
            _indexes.clear()
        index = _indexes[id(lookup)] = RuleIndex(lookup)
    return index


def get_possible_keys(self: RulePolicy, lookup: dict[str, Any], states: list[State]) -> set[str]:
    """``RulePolicy._get_possible_keys``, checking at the current state only candidate rules."""
    if not states:
        return _RASA_GET_POSSIBLE_KEYS(self, lookup, states)
    index = rule_index(lookup)
    current = states[-1]
    allowed = index.candidates(current)
    possible_keys = set(
        filter(lambda key: key in allowed and self._is_rule_applicable(key, 0, current), index.order)
    )
    for turn, state in enumerate(reversed(states[:-1]), start=1):
        possible_keys = set(
            filter(lambda key: self._is_rule_applicable(key, turn, state), possible_keys)  # noqa: B023
        )
    return possible_keys


def predict_action_probabilities(
    self: MemoizationPolicy,
    tracker: DialogueStateTracker,
    domain: Domain,
    rule_only_data: dict[str, Any] | None = None,
    **kwargs: Any,
) -> PolicyPrediction:
    """``MemoizationPolicy.predict_action_probabilities``; with nothing memorised, no featurising."""
    if not self.lookup:
        return self._prediction(self._default_predictions(domain))
    return _RASA_MEMOIZATION_PREDICT(self, tracker, domain, rule_only_data=rule_only_data, **kwargs)


def install() -> None:
    """Patch both policies in this process (idempotent)."""
    RulePolicy._get_possible_keys = get_possible_keys  # type: ignore[method-assign]
    MemoizationPolicy.predict_action_probabilities = predict_action_probabilities  # type: ignore[method-assign]
