"""Custom action responses validated without checking Rasa's schema again each time.

Every call of a custom action ends in ``RemoteAction._validate_action_result``, which calls
``jsonschema.validate``. That function first checks the (constant) schema against the JSON
Schema 2020-12 meta-schema and only then the action server's response: about 27 ms of CPU
per action with jsonschema 4.17, blocking the server's event loop, against 0.3 ms for the
response alone. :func:`install` builds the validator once and keeps the rest: the same
schema, the same best-match error, the same message suffix.

The load benchmark (bench/bench_load.py) found it: a third of a replica's CPU went there.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jsonschema import exceptions
from jsonschema.protocols import Validator
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL

_INSTALLED_FLAG = "_chatbot_cached_validator"


@lru_cache(maxsize=1)
def action_response_validator() -> Validator:
    """The validator of Rasa's action server response schema, schema checked once."""
    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    """``RemoteAction._validate_action_result`` with a validator built once."""
    error = exceptions.best_match(action_response_validator().iter_errors(result))
    if error is None:
        return True
    error.message += (
        f". Failed to validate Action server response from API, "
        f"make sure your response from the Action endpoint is valid. "
        f"For more information about the format visit "
        f"{DOCS_BASE_URL}/custom-actions"
    )
    raise error


def install() -> None:
    """Replace the slow validation in this process (idempotent)."""
    if getattr(RemoteAction, _INSTALLED_FLAG, False):
        return
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
    setattr(RemoteAction, _INSTALLED_FLAG, True)

