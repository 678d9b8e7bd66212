"""Two schools' own bots on one running Rasa server: routes that name the school, each checked
with that school's secret, each answered through that school's bot; the deployment's own bot
(environment variables) keeps working unchanged beside them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from chatbot.db.engine import build_engine, reset_engine
from chatbot.db.migrate import upgrade_database
from chatbot.db.models import School
from chatbot.school.school_channels import set_channel
from chatbot.settings import reset_settings
from tests.connectors.conftest import TELEGRAM_SECRET, Fakes, RasaServer, channel_env, start_rasa, stop_rasa
from tests.connectors.payloads import new_chat_id, new_zalo_user, tg_update, zalo_signed, zalo_text
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.fakes.zalo_api import FakeZaloAPI

HEADER = "X-Telegram-Bot-Api-Secret-Token"
CODES = ("THCS-A", "THCS-B")


@dataclass
class City:
    server: RasaServer
    telegram: dict[str, FakeTelegramAPI]
    zalo: dict[str, FakeZaloAPI]

    @staticmethod
    def secret(code: str) -> str:
        return f"webhook-secret-of-{code}-0123"

    @staticmethod
    def oa_key(code: str) -> str:
        return f"oa-secret-key-of-{code}"

    def post_telegram(self, code: str, update: dict, secret: str | None = None):  # noqa: ANN201
        headers = {HEADER: secret if secret is not None else self.secret(code)}
        return self.server.post(f"/webhooks/telegram/{code}/webhook", json=update, headers=headers)


def _store_channels(database_url: str, key: str, telegram: dict, zalo: dict) -> None:
    engine = build_engine(database_url)
    upgrade_database(engine)
    from sqlalchemy.orm import Session

    with Session(engine) as session:
        for code in CODES:
            school = School(code=code, name=f"Trường THCS {code}")
            session.add(school)
            session.flush()
            set_channel(session, school, "telegram", {
                "token": telegram[code].token, "api_base_url": telegram[code].base_url,
                "webhook_secret": City.secret(code), "bot_username": f"{code.lower().replace('-', '_')}_bot",
            })
            set_channel(session, school, "zalo", {
                "app_id": zalo[code].app_id, "app_secret": zalo[code].app_secret,
                "oa_secret_key": City.oa_key(code), "access_token": "access-0", "refresh_token": "refresh-0",
                "api_base_url": zalo[code].url, "oauth_base_url": zalo[code].url,
            })
        session.commit()
    engine.dispose()


@pytest.fixture(scope="module")
def city(
    fakes: Fakes, connector_model: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[City]:
    telegram = {code: FakeTelegramAPI(token=f"{n}11:{code}-token").start() for n, code in enumerate(CODES, 7)}
    zalo = {code: FakeZaloAPI(app_id=f"app-{code}", app_secret=f"s-{code}").start() for code in CODES}
    workdir = tmp_path_factory.mktemp("city-rasa")
    database_url = f"sqlite:///{workdir / 'chatbot.sqlite3'}"
    key = Fernet.generate_key().decode()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CHANNEL_SECRETS_KEY", key)
        reset_settings()
        _store_channels(database_url, key, telegram, zalo)
    reset_settings()
    reset_engine()
    env = {**channel_env(fakes), "DATABASE_URL": database_url, "CHANNEL_SECRETS_KEY": key}
    url, process, log_path = start_rasa(connector_model, env, workdir)
    yield City(RasaServer(url, database_url, log_path, process), telegram, zalo)
    stop_rasa(process)
    for server in (*telegram.values(), *zalo.values()):
        server.stop()


def _replies(api: FakeTelegramAPI, chat_id: int) -> list[str]:
    api.wait_for(lambda: bool(api.sent_texts(chat_id)), timeout=20)
    return api.sent_texts(chat_id)


def test_each_school_bot_answers_its_own_families_through_its_own_bot(
    city: City, telegram_api: FakeTelegramAPI
) -> None:
    chat = new_chat_id()
    update = tg_update(chat, text="xin chào")
    for code in CODES:  # the same Telegram user, and even the same update id, on both bots
        reply = city.post_telegram(code, update)
        assert reply.status_code == 200, reply.text
        assert reply.json() == {"status": "message"}
        assert _replies(city.telegram[code], chat) == ["Dạ, xin chào Quý phụ huynh!"]
    assert city.server.user_texts(f"telegram:THCS-A:{chat}") == ["xin chào"]
    assert city.server.user_texts(f"telegram:THCS-B:{chat}") == ["xin chào"]
    assert city.server.user_texts(f"telegram:{chat}") == []
    assert telegram_api.sent_texts(chat) == []  # the deployment's own bot said nothing


def test_a_school_webhook_needs_that_school_s_secret(city: City) -> None:
    chat = new_chat_id()
    update = tg_update(chat, text="xin chào")
    assert city.post_telegram("THCS-B", update, secret=City.secret("THCS-A")).status_code == 403
    assert city.post_telegram("THCS-B", update, secret="").status_code == 403
    assert city.post_telegram("THCS-B", update, secret=TELEGRAM_SECRET).status_code == 403
    assert city.post_telegram("THCS-Z", update, secret=City.secret("THCS-A")).status_code == 503
    assert city.post_telegram("../etc", update).status_code in (404, 503)
    assert city.server.user_texts(f"telegram:THCS-B:{chat}") == []
    assert not city.telegram["THCS-B"].sent_texts(chat)


def test_the_deployment_s_own_bot_works_unchanged(city: City, telegram_api: FakeTelegramAPI) -> None:
    chat = new_chat_id()
    reply = city.server.post(
        "/webhooks/telegram/webhook", json=tg_update(chat, text="xin chào"), headers={HEADER: TELEGRAM_SECRET}
    )
    assert reply.status_code == 200
    assert _replies(telegram_api, chat) == ["Dạ, xin chào Quý phụ huynh!"]
    assert city.server.user_texts(f"telegram:{chat}") == ["xin chào"]
    assert all(not api.sent_texts(chat) for api in city.telegram.values())


def test_a_school_zalo_oa_is_checked_with_its_own_key(city: City) -> None:
    user = new_zalo_user()
    event = zalo_text(user, "xin chào")
    body, headers = zalo_signed(event, city.zalo["THCS-A"].app_id, City.oa_key("THCS-B"))
    assert city.server.post("/webhooks/zalo/THCS-A/webhook", content=body, headers=headers).status_code == 403
    body, headers = zalo_signed(event, city.zalo["THCS-A"].app_id, City.oa_key("THCS-A"))
    reply = city.server.post("/webhooks/zalo/THCS-A/webhook", content=body, headers=headers)
    assert reply.status_code == 200
    api = city.zalo["THCS-A"]
    assert api.wait_for(lambda: bool(api.sent(user)), timeout=20)
    assert city.server.user_texts(f"zalo:THCS-A:{user}") == ["xin chào"]
    assert not city.zalo["THCS-B"].sent(user)


def _bot_message(chat: int, code: str, text: str, city: City) -> dict:
    """A message ``code``'s own bot sent to ``chat`` (what a Telegram reply quotes)."""
    bot_id = int(city.telegram[code].token.split(":")[0])
    return {
        "message_id": 77, "date": 0, "chat": {"id": chat, "type": "private"},
        "from": {"id": bot_id, "is_bot": True, "first_name": "Trợ lý"}, "text": text,
    }


def test_a_reply_to_a_relayed_message_on_a_school_bot_names_its_thread(city: City) -> None:
    chat = new_chat_id()
    relayed = "💬 Phụ huynh em 01 - Học sinh (lớp 6A) nhắn [Trao đổi số 4242]:\n«Cô ơi…»"
    quoted = _bot_message(chat, "THCS-A", relayed, city)
    reply = city.post_telegram("THCS-A", tg_update(chat, text="Dạ cô đã nhận.", reply_to_message=quoted))
    assert reply.json() == {"status": "relay_reply"}
    assert city.server.user_texts(f"telegram:THCS-A:{chat}") == ['/relay_reply{"relay_thread":"4242"}']
    # The answer (this server's small model has no relay action) comes through A's bot alone.
    assert _replies(city.telegram["THCS-A"], chat)
    assert city.telegram["THCS-B"].sent_texts(chat) == []
    # On B's bot a quote of A's bot's message is not B's bot's: an ordinary message.
    other = tg_update(chat, text="Dạ cô đã nhận.", reply_to_message=quoted)
    assert city.post_telegram("THCS-B", other).json() == {"status": "message"}
    assert city.server.user_texts(f"telegram:THCS-B:{chat}") == ["Dạ cô đã nhận."]
