"""The whole NLU pipeline (Rasa's tokenizer, the normaliser, the classifier, the regex entity
extractor) takes linear time on crafted messages (see tests/hardening/test_linear_text.py)."""

from __future__ import annotations

import asyncio

import pytest
from rasa.core.agent import Agent

from tests.house.test_linear_text import assert_linear


@pytest.mark.filterwarnings("ignore:Failed to parse arguments")  # the crafted "/x{" payloads
def test_parsing_takes_linear_time(agent: Agent) -> None:
    """1,024 and 4,096 characters: no channel passes a longer message to Rasa."""
    assert_linear(lambda text: asyncio.run(agent.parse_message(text)), "NLU pipeline", size=1024)
