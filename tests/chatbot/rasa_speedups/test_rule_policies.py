"""The indexed rule lookup finds the same rules in the same order; an empty memory predicts nothing."""

from __future__ import annotations

import json

import pytest
from rasa.core.policies.memoization import MemoizationPolicy
from rasa.core.policies.rule_policy import RULES, RULES_FOR_LOOP_UNHAPPY_PATH, RulePolicy

from chatbot.rasa_speedups import rule_policies
from tests.chatbot.rasa_speedups.conftest import MESSAGES, conversation


def _policies(runner) -> tuple[RulePolicy, MemoizationPolicy]:  # noqa: ANN001
    nodes = {type(node._component): node._component for node in runner._instantiated_nodes.values()}
    return nodes[RulePolicy], nodes[MemoizationPolicy]


def _state_sequences(runners) -> list[list[dict]]:  # noqa: ANN001
    """States of real conversations (text and intent variants) and of every rule and its tails."""
    metadata, dask_runner, _ = runners
    rule_policy, _ = _policies(dask_runner)
    sequences = []
    for tracker in conversation(dask_runner, metadata, metadata.domain, MESSAGES):
        for use_text in (True, False):
            sequences.append(rule_policy._prediction_states(
                tracker, metadata.domain, use_text, rule_only_data=rule_policy._get_rule_only_data()))
    for key in rule_policy.lookup[RULES]:
        states = json.loads(key)
        sequences += [states[start:] for start in range(len(states))]
    return sequences


@pytest.mark.parametrize("table", [RULES, RULES_FOR_LOOP_UNHAPPY_PATH])
def test_possible_rules_are_rasas_in_rasas_order(runners, table: str) -> None:  # noqa: ANN001
    rule_policy, _ = _policies(runners[1])
    lookup = rule_policy.lookup[table]
    matched = 0
    for states in _state_sequences(runners) + [[]]:
        ours = rule_policies.get_possible_keys(rule_policy, lookup, states)
        rasas = rule_policies._RASA_GET_POSSIBLE_KEYS(rule_policy, lookup, states)
        assert list(ours) == list(rasas)  # same set, same iteration order: same pick among ties
        matched += bool(ours)
    assert matched >= min(50, len(lookup))  # it covered rules that apply, not only empty results


def test_the_index_follows_a_lookup_that_changes(runners) -> None:  # noqa: ANN001
    rule_policy, _ = _policies(runners[1])
    lookup = dict(rule_policy.lookup[RULES])
    first = rule_policies.rule_index(lookup)
    removed = next(iter(lookup))
    del lookup[removed]
    second = rule_policies.rule_index(lookup)
    assert second is not first and removed not in second.order
    assert rule_policies.rule_index(lookup) is second


def test_an_empty_memory_predicts_what_rasa_predicts(runners) -> None:  # noqa: ANN001
    metadata, dask_runner, _ = runners
    _, memoization = _policies(dask_runner)
    assert memoization.lookup == {}  # the assistant has rules only
    for tracker in conversation(dask_runner, metadata, metadata.domain, MESSAGES[:4]):
        ours = rule_policies.predict_action_probabilities(memoization, tracker, metadata.domain)
        rasas = rule_policies._RASA_MEMOIZATION_PREDICT(memoization, tracker, metadata.domain)
        assert ours == rasas


def test_a_memory_with_stories_is_still_consulted(runners) -> None:  # noqa: ANN001
    metadata, dask_runner, _ = runners
    _, memoization = _policies(dask_runner)
    tracker = next(iter(conversation(dask_runner, metadata, metadata.domain, ["xin chào"])))
    states = memoization._prediction_states(tracker, metadata.domain)
    memoization.lookup = {memoization._create_feature_key(states): "utter_goodbye"}
    try:
        prediction = rule_policies.predict_action_probabilities(memoization, tracker, metadata.domain)
    finally:
        memoization.lookup = {}
    assert metadata.domain.action_names_or_texts[prediction.max_confidence_index] == "utter_goodbye"
