"""The trained Rasa model (cached by content hash) and an agent loaded once per session."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.core.agent import Agent

from chatbot.training import train


@pytest.fixture(scope="session")
def trained_model() -> Path:
    """The model for the current config, domain and data; trained only if it changed."""
    return train()


@pytest.fixture(scope="session")
def agent(trained_model: Path) -> Agent:
    """An agent without an action server: enough for NLU and for responses of rules."""
    return Agent.load(str(trained_model))
