"""The Rasa server's log names channels, events and statuses, never tokens or message text."""

from __future__ import annotations

from tests.connectors.conftest import (
    SECRETS,
    TELEGRAM_SECRET,
    ZALO_APP_ID,
    ZALO_BOT_SECRET,
    ZALO_OA_SECRET,
    RasaServer,
)
from tests.connectors.payloads import (
    new_chat_id,
    new_zalo_user,
    tg_update,
    zalo_bot_event,
    zalo_signed,
    zalo_text,
)
from tests.fakes.telegram_api import FakeTelegramAPI, telegram_error
from tests.fakes.zalo_api import FakeZaloAPI, zalo_error
from tests.fakes.zalo_bot_api import FakeZaloBotAPI, bot_error

MARKER = "Bí mật riêng tư của gia đình"


def test_server_log_has_no_tokens_or_message_text(
    rasa_server: RasaServer,
    telegram_api: FakeTelegramAPI,
    zalo_api: FakeZaloAPI,
    zalo_bot_api: FakeZaloBotAPI,
) -> None:
    telegram_api.fail("sendMessage", telegram_error(500, "Internal Server Error"))
    zalo_api.fail("message/cs", zalo_error(-230, "outside window"))
    zalo_bot_api.fail("sendMessage", bot_error(502, "Bad Gateway"))
    zalo_api.revoke_access()

    chat_id = new_chat_id()
    rasa_server.post(
        "/webhooks/telegram/webhook",
        json=tg_update(chat_id, text=MARKER),
        headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET},
    )
    rasa_server.post(
        "/webhooks/telegram/webhook",
        json=tg_update(chat_id, text=MARKER),
        headers={"X-Telegram-Bot-Api-Secret-Token": "forged"},
    )
    body, headers = zalo_signed(zalo_text(new_zalo_user(), MARKER), ZALO_APP_ID, ZALO_OA_SECRET)
    rasa_server.post("/webhooks/zalo/webhook", content=body, headers=headers)
    rasa_server.post(
        "/webhooks/zalo_bot/webhook",
        json=zalo_bot_event(f"zb{chat_id}", MARKER),
        headers={"X-Bot-Api-Secret-Token": ZALO_BOT_SECRET},
    )
    assert telegram_api.wait_for(lambda: telegram_api.counts["sendMessage"] >= 1)
    assert zalo_api.wait_for(lambda: zalo_api.counts["message/cs"] >= 2)
    assert zalo_bot_api.wait_for(lambda: zalo_bot_api.counts["sendMessage"] >= 1)
    rasa_server.tracker("flush-logs")  # one more round trip so background handlers finished

    log = rasa_server.log_path.read_text(encoding="utf-8", errors="replace")
    assert "telegram reply not delivered" in log
    assert "zalo send failed: zalo -230" in log
    assert "zalo_bot send failed: HTTP 502" in log
    assert "telegram webhook rejected" in log
    for secret in SECRETS:
        assert secret not in log
    refreshed = rasa_server.zalo_token()
    assert refreshed is not None
    assert refreshed.access_token not in log and refreshed.refresh_token not in log
    assert MARKER not in log
