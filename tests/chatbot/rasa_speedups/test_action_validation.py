"""The cached action-response validator behaves like Rasa's, without re-checking the schema."""

from __future__ import annotations

import jsonschema
import pytest
import rasa.core.processor
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.core.policies.memoization import MemoizationPolicy
from rasa.core.policies.rule_policy import RulePolicy
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event
from rasa.shared.core.slots import Slot
from rasa.utils.endpoints import EndpointConfig

from chatbot import rasa_speedups
from chatbot.rasa_speedups import event_types, rule_policies, tracker_copies
from chatbot.rasa_speedups.graph_runner import SequentialGraphRunner
from chatbot.rasa_stores import EnvironmentLockStore

VALID = {"events": [{"event": "slot", "name": "linked", "value": True}], "responses": [{"text": "Chào"}]}
INVALID = {"events": [{"event": "slot", "name": "linked"}], "responses": "not a list"}


@pytest.fixture
def action() -> RemoteAction:
    rasa_speedups.install()
    return RemoteAction("action_unanswered", EndpointConfig("http://127.0.0.1:1/webhook"))


def test_lock_store_creation_installs_every_speedup(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOCK_STORE_URL", raising=False)
    EnvironmentLockStore()
    assert RemoteAction._validate_action_result is rasa_speedups._validate_action_result
    assert rasa.core.processor.DaskGraphRunner is SequentialGraphRunner
    assert RulePolicy._get_possible_keys is rule_policies.get_possible_keys
    assert MemoizationPolicy.predict_action_probabilities is rule_policies.predict_action_probabilities
    assert Event.resolve_by_type is event_types.resolve_by_type
    assert Slot.__copy__ is tracker_copies.copy_slot and Domain.is_empty is tracker_copies.is_empty


def test_valid_response_passes_without_checking_the_schema_again(
    action: RemoteAction, monkeypatch: pytest.MonkeyPatch
) -> None:
    validator_class = type(rasa_speedups.action_response_validator())

    def forbidden(*_: object) -> None:
        raise AssertionError("the schema was checked again")

    monkeypatch.setattr(validator_class, "check_schema", classmethod(forbidden))
    assert action._validate_action_result(VALID) is True
    assert action._validate_action_result({"events": [], "responses": []}) is True


def test_invalid_response_raises_the_error_rasa_raises(action: RemoteAction) -> None:
    with pytest.raises(ValidationError) as expected:
        jsonschema.validate(INVALID, RemoteAction.action_response_format_spec())
    with pytest.raises(ValidationError, match="Failed to validate Action server response") as raised:
        action._validate_action_result(INVALID)
    assert raised.value.message.startswith(expected.value.message)
    assert list(raised.value.path) == list(expected.value.path)
