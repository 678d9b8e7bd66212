"""The school's own bots from the browser: the administrator sets them; nobody sees a secret."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from chatbot.db.engine import session_scope
from chatbot.db.models import AuditEvent
from chatbot.settings import reset_settings
from connectors.school_bots import load_school_config
from tests.web.conftest import ADMIN, OFFICE, TEACHER_6A

TOKEN = "4242:secret-token-of-hoa-sen"


@pytest.fixture
def secrets_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHANNEL_SECRETS_KEY", Fernet.generate_key().decode())
    reset_settings()
    yield
    reset_settings()


def test_the_admin_sets_the_school_telegram_bot_and_never_sees_the_token_again(
    browser_for, secrets_key: None
) -> None:
    admin = browser_for(ADMIN)
    form = {"kenh": "telegram", "token": TOKEN, "bot_username": "@hoasen_bot"}
    saved = admin.post("/kenh/luu", form, page="/kenh", once=True)
    assert saved.status_code == 303
    page = admin.get("/kenh").text
    assert "@hoasen_bot" in page and TOKEN not in page
    config = load_school_config("telegram", "THCS-HOASEN")
    assert config is not None and config.token == TOKEN
    with session_scope() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.action.like("school_%")))
        details = [e.detail for e in events]
    assert details == ["Telegram"]
    wrong = admin.post("/kenh/luu", {"kenh": "zalo", "app_id": "1"}, page="/kenh", once=True)
    assert wrong.status_code == 400 and "zalo cần app_secret, oa_secret_key" in wrong.text
    removed = admin.post("/kenh/xoa", {"kenh": "telegram"}, page="/kenh")
    assert removed.status_code == 303 and load_school_config("telegram", "THCS-HOASEN") is None


def test_without_the_key_nothing_is_stored_and_the_admin_is_told(browser_for) -> None:
    form = {"kenh": "telegram", "token": TOKEN}
    reply = browser_for(ADMIN).post("/kenh/luu", form, page="/kenh", once=True)
    assert reply.status_code == 503 and "CHANNEL_SECRETS_KEY" in reply.text and TOKEN not in reply.text


@pytest.mark.parametrize("username", [OFFICE, TEACHER_6A])
def test_only_the_admin_opens_the_channels(browser_for, username: str) -> None:
    assert browser_for(username).get("/kenh").status_code == 403
