"""Sealing secrets kept in the database (a school's bot tokens) with a key from the environment.

The key is ``CHANNEL_SECRETS_KEY``, a Fernet key (``chatbot school channels key`` prints a new
one). Fernet authenticates what it decrypts, so a token sealed with another key, or altered in
the database, is refused rather than misread. Neither the key nor a sealed value is logged.
"""

from __future__ import annotations

import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

from chatbot.settings import get_settings


class SecretsKeyError(RuntimeError):
    """The key is missing, malformed, or not the one the secrets were sealed with."""


def new_key() -> str:
    return Fernet.generate_key().decode("ascii")


def _fernet(key: str | None = None) -> Fernet:
    key = key if key is not None else get_settings().channel_secrets_key
    if not key:
        raise SecretsKeyError("CHANNEL_SECRETS_KEY is not set (make one: chatbot school channels key)")
    try:
        return Fernet(key.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        raise SecretsKeyError("CHANNEL_SECRETS_KEY is not a valid Fernet key") from None


def seal(values: dict[str, Any], key: str | None = None) -> bytes:
    """``values`` as JSON, encrypted and authenticated."""
    return _fernet(key).encrypt(json.dumps(values, sort_keys=True).encode("utf-8"))


def unseal(token: bytes, key: str | None = None) -> dict[str, Any]:
    """The values :func:`seal` sealed; :class:`SecretsKeyError` for another key or altered data."""
    try:
        data = json.loads(_fernet(key).decrypt(bytes(token)).decode("utf-8"))
    except InvalidToken:
        raise SecretsKeyError("the stored channel secrets do not match CHANNEL_SECRETS_KEY") from None
    if not isinstance(data, dict):
        raise SecretsKeyError("the stored channel secrets are not an object")
    return data
