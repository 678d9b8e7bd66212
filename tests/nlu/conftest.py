"""The trained Rasa model (cached by content hash) and an agent loaded once per session."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.core.agent import Agent
from rasa.shared.core.constants import ACTION_SESSION_START_NAME

from chatbot.training import train


@pytest.fixture(scope="session")
def trained_model() -> Path:
    """The model for the current config, domain and data; trained only if it changed."""
    return train()


@pytest.fixture(scope="session")
def agent(trained_model: Path) -> Agent:
    """An agent without an action server: enough for NLU and for responses of rules.

    The project's ``action_session_start`` runs on the action server, so here Rasa's own
    session start stands in for it: the ``role`` slot stays empty and rules answer with the
    unconditional (adult) variation of each response.
    """
    agent = Agent.load(str(trained_model))
    agent.domain.user_actions_and_forms.remove(ACTION_SESSION_START_NAME)  # a cached list
    return agent
