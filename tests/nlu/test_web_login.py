"""Teachers asking for the web app are understood, however they type it."""

from __future__ import annotations

import pytest
from rasa.core.agent import Agent


@pytest.mark.parametrize(
    "text",
    [
        "đăng nhập web",
        "cho tôi xin link đăng nhập trang quản lý",
        "dang nhap trang quan ly",
        "link vào trang web quản lý",
    ],
)
async def test_asking_for_the_web_app_is_the_web_login_intent(agent: Agent, text: str) -> None:
    parsed = await agent.parse_message(text)
    assert parsed["intent"]["name"] == "web_login"


async def test_the_intent_runs_the_sign_in_link_action(agent: Agent) -> None:
    rules = agent.domain.action_names_or_texts
    assert "action_web_login" in rules and "web_login" in agent.domain.intents
