"""SequentialGraphRunner gives exactly what Rasa's DaskGraphRunner gives, node for node."""

from __future__ import annotations

import pytest
import rasa.core.processor
from rasa.engine.constants import PLACEHOLDER_TRACKER
from rasa.engine.exceptions import GraphRunError
from rasa.shared.core.trackers import DialogueStateTracker

from chatbot import rasa_speedups
from chatbot.rasa_speedups.graph_runner import SequentialGraphRunner
from tests.chatbot.rasa_speedups.conftest import MESSAGES, conversation, parse, predict


def test_nlu_parses_are_the_same(runners) -> None:  # noqa: ANN001
    metadata, dask_runner, sequential = runners
    for text in MESSAGES:
        assert parse(sequential, metadata, text) == parse(dask_runner, metadata, text), text


def test_policy_predictions_are_the_same(runners) -> None:  # noqa: ANN001
    metadata, dask_runner, sequential = runners
    count = 0
    for tracker in conversation(dask_runner, metadata, metadata.domain, MESSAGES):
        assert predict(sequential, metadata, tracker) == predict(dask_runner, metadata, tracker)
        count += 1
    assert count > 2 * len(MESSAGES)  # every message got an answer and a listen


def test_one_or_several_targets_give_the_same_outputs(runners) -> None:  # noqa: ANN001
    metadata, dask_runner, sequential = runners
    tracker = DialogueStateTracker.from_events("x", [], metadata.domain.slots)
    inputs = {PLACEHOLDER_TRACKER: tracker}
    targets = ["rule_only_data_provider", "domain_provider"]
    for chosen in ([targets[0]], [targets[1]], targets):
        ours, rasas = sequential.run(inputs, chosen), dask_runner.run(inputs, chosen)
        assert list(ours) == list(rasas) == chosen
    assert ours["rule_only_data_provider"] == rasas["rule_only_data_provider"]
    assert ours["domain_provider"].as_dict() == rasas["domain_provider"].as_dict()


def test_an_input_named_like_a_node_is_refused_like_dask(runners) -> None:  # noqa: ANN001
    metadata, dask_runner, sequential = runners
    for runner in (dask_runner, sequential):
        with pytest.raises(GraphRunError, match="clashes with a node name"):
            runner.run(inputs={PLACEHOLDER_TRACKER: "domain_provider"}, targets=["domain_provider"])


def test_install_makes_the_processor_load_the_sequential_runner() -> None:
    rasa_speedups.install()
    assert rasa.core.processor.DaskGraphRunner is SequentialGraphRunner
    rasa_speedups.install()  # idempotent
    assert rasa.core.processor.DaskGraphRunner is SequentialGraphRunner
