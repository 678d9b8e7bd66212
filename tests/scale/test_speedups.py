"""The cached action-response validator behaves like Rasa's, without re-checking the schema."""

from __future__ import annotations

import jsonschema
import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

from chatbot import rasa_speedups
from chatbot.rasa_stores import EnvironmentLockStore

VALID = {"events": [{"event": "slot", "name": "linked", "value": True}], "responses": [{"text": "Chào"}]}
INVALID = {"events": [{"event": "slot", "name": "linked"}], "responses": "not a list"}


@pytest.fixture
def action() -> RemoteAction:
    rasa_speedups.install()
    return RemoteAction("action_unanswered", EndpointConfig("http://127.0.0.1:1/webhook"))


def test_lock_store_creation_installs_the_speedup(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOCK_STORE_URL", raising=False)
    EnvironmentLockStore()
    assert RemoteAction._validate_action_result is rasa_speedups._validate_action_result


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
