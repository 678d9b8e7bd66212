"""The Telegram webhook of a running Rasa server, with the fake Bot API behind it."""

from __future__ import annotations

import json

import pytest

from tests.connectors.conftest import TELEGRAM_SECRET, RasaServer
from tests.connectors.payloads import PHOTO, STICKER, new_chat_id, tg_callback, tg_update
from tests.connectors.rasa_project import LONG_REPLY
from tests.fakes.telegram_api import FakeTelegramAPI

WEBHOOK = "/webhooks/telegram/webhook"
HEADERS = {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}


def post(server: RasaServer, update: dict, headers: dict | None = None):
    return server.post(WEBHOOK, json=update, headers=HEADERS if headers is None else headers)


@pytest.mark.parametrize(
    "headers",
    [{}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}, {"X-Telegram-Bot-Api-Secret-Token": ""}],
    ids=["missing", "wrong", "empty"],
)
def test_forged_secret_is_refused_and_nothing_is_processed(
    rasa_server: RasaServer, telegram_api: FakeTelegramAPI, headers: dict
) -> None:
    chat_id = new_chat_id()
    reply = post(rasa_server, tg_update(chat_id, text="xin chào"), headers=headers)
    assert reply.status_code == 403
    assert not telegram_api.wait_for(lambda: telegram_api.counts["sendMessage"] > 0, timeout=1)
    assert rasa_server.user_texts(f"telegram:{chat_id}") == []


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b'"text"', b""])
def test_malformed_json_is_a_400(rasa_server: RasaServer, telegram_api: FakeTelegramAPI, body: bytes) -> None:
    reply = rasa_server.post(WEBHOOK, content=body, headers=HEADERS)
    assert reply.status_code == 400
    assert telegram_api.counts["sendMessage"] == 0


def test_object_that_is_not_an_update_is_a_400(rasa_server: RasaServer) -> None:
    assert post(rasa_server, {"message": {"text": "no update id"}}).status_code == 400


def test_text_message_reaches_rasa_and_reply_has_inline_keyboard(
    rasa_server: RasaServer, telegram_api: FakeTelegramAPI
) -> None:
    chat_id = new_chat_id()
    reply = post(rasa_server, tg_update(chat_id, text="xin chào"))
    assert reply.status_code == 200
    assert reply.json() == {"status": "message"}
    assert rasa_server.user_texts(f"telegram:{chat_id}") == ["xin chào"]
    [call] = telegram_api.calls("sendMessage")
    assert call.params["chat_id"] == str(chat_id)
    assert call.params["text"] == "Dạ, xin chào Quý phụ huynh!"
    keyboard = call.params["reply_markup"]["inline_keyboard"]
    assert [row[0]["text"] for row in keyboard] == ["Lịch học", "Lịch cả tuần"]
    assert keyboard[0][0]["callback_data"] == "/ask_schedule"
    assert len(keyboard[1][0]["callback_data"].encode()) <= 64  # long payload stored by key


def test_button_callbacks_are_answered_and_passed_on(
    rasa_server: RasaServer, telegram_api: FakeTelegramAPI
) -> None:
    chat_id = new_chat_id()
    post(rasa_server, tg_update(chat_id, text="xin chào"))
    keyboard = telegram_api.calls("sendMessage")[-1].params["reply_markup"]["inline_keyboard"]
    telegram_api.reset()

    assert post(rasa_server, tg_callback(chat_id, keyboard[0][0]["callback_data"])).json() == {
        "status": "callback"
    }
    assert post(rasa_server, tg_callback(chat_id, keyboard[1][0]["callback_data"])).status_code == 200

    assert telegram_api.counts["answerCallbackQuery"] == 2
    assert telegram_api.sent_texts(chat_id) == ["Dạ, đây là lịch học.", "Dạ, đây là lịch cả tuần."]
    texts = rasa_server.user_texts(f"telegram:{chat_id}")
    assert texts[-2:] == [
        "/ask_schedule",
        "/ask_schedule_for_the_whole_week_including_weekend_and_holiday_sessions",
    ]


def test_unknown_long_payload_key_gets_a_polite_reply(
    rasa_server: RasaServer, telegram_api: FakeTelegramAPI
) -> None:
    chat_id = new_chat_id()
    reply = post(rasa_server, tg_callback(chat_id, "#" + "0" * 32))
    assert reply.json() == {"status": "expired_button"}
    assert telegram_api.sent_texts(chat_id)[0].startswith("Dạ, lựa chọn này đã hết hạn")
    assert rasa_server.user_texts(f"telegram:{chat_id}") == []


def test_start_deep_link_hands_rasa_the_invite_code(
    rasa_server: RasaServer, telegram_api: FakeTelegramAPI
) -> None:
    chat_id = new_chat_id()
    post(rasa_server, tg_update(chat_id, text="/start abcd2345"))
    assert rasa_server.user_texts(f"telegram:{chat_id}") == ['/link_account{"invite_code":"ABCD2345"}']
    assert telegram_api.sent_texts(chat_id) == ["Dạ, trợ lý đã nhận mã ABCD2345."]


@pytest.mark.parametrize(
    "payload",
    ['x"}', "ABCD{}", "/greet", "AB", "ABCD2345%7B%7D", "ABCD_2345"],
)
def test_start_payload_outside_the_code_alphabet_is_a_plain_greeting(
    rasa_server: RasaServer, telegram_api: FakeTelegramAPI, payload: str
) -> None:
    chat_id = new_chat_id()
    post(rasa_server, tg_update(chat_id, text=f"/start {payload}"))
    assert rasa_server.user_texts(f"telegram:{chat_id}") == ["/greet"]


def test_edited_message_is_handled_like_a_message(
    rasa_server: RasaServer, telegram_api: FakeTelegramAPI
) -> None:
    chat_id = new_chat_id()
    reply = post(rasa_server, tg_update(chat_id, edited=True, text="lịch học", edit_date=1))
    assert reply.json() == {"status": "message"}
    assert telegram_api.sent_texts(chat_id) == ["Dạ, đây là lịch học."]


@pytest.mark.parametrize("content", [{"photo": PHOTO}, {"sticker": STICKER}], ids=["photo", "sticker"])
def test_photo_and_sticker_get_a_text_only_reply(
    rasa_server: RasaServer, telegram_api: FakeTelegramAPI, content: dict
) -> None:
    chat_id = new_chat_id()
    reply = post(rasa_server, tg_update(chat_id, **content))
    assert reply.json() == {"status": "unsupported"}
    [text] = telegram_api.sent_texts(chat_id)
    assert text.startswith("Dạ, hiện em chỉ đọc được tin nhắn chữ")
    assert rasa_server.user_texts(f"telegram:{chat_id}") == []


def test_group_chatter_is_ignored(rasa_server: RasaServer, telegram_api: FakeTelegramAPI) -> None:
    chat_id = -new_chat_id()
    reply = post(rasa_server, tg_update(chat_id, chat_type="supergroup", text="xin chào"))
    assert reply.json() == {"status": "group_ignored"}
    assert telegram_api.counts["sendMessage"] == 0
    assert rasa_server.user_texts(f"telegram:{chat_id}") == []


def _command(text: str) -> dict:
    return {"text": text, "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]}


@pytest.mark.parametrize(
    "fields",
    [
        _command("/start@truong_test_bot ABCD2345"),
        _command("/help"),
        {
            "text": "@truong_test_bot mã ABCD2345",
            "entities": [{"type": "mention", "offset": 0, "length": 16}],
        },
        {"text": "ABCD2345", "reply_to_message": {
            "message_id": 1, "date": 1, "chat": {"id": -5, "type": "group", "title": "Lớp 6A"},
            "from": {"id": 123456, "is_bot": True, "first_name": "Trợ lý"}, "text": "Dạ",
        }},
    ],
    ids=["start-command", "general-command", "mention", "reply-to-bot"],
)
def test_a_group_message_to_the_bot_gets_a_pointer_and_never_links(
    rasa_server: RasaServer, telegram_api: FakeTelegramAPI, fields: dict
) -> None:
    chat_id = -new_chat_id()
    reply = post(rasa_server, tg_update(chat_id, chat_type="group", **fields))
    assert reply.json() == {"status": "group_pointer"}
    [call] = telegram_api.calls("sendMessage")
    assert call.params["chat_id"] == str(chat_id)
    assert call.params["text"].startswith("Dạ, để giữ kín thông tin của học sinh")
    [[button]] = call.params["reply_markup"]["inline_keyboard"]
    assert button == {"text": "Nhắn riêng cho trợ lý", "url": "https://t.me/truong_test_bot"}
    assert rasa_server.user_texts(f"telegram:{chat_id}") == []  # nothing reaches Rasa: no link

    again = post(rasa_server, tg_update(chat_id, chat_type="group", **fields))
    assert again.json() == {"status": "group_ignored"}  # once per person every ten minutes
    assert telegram_api.counts["sendMessage"] == 1


def test_another_bots_command_in_a_group_is_ignored(
    rasa_server: RasaServer, telegram_api: FakeTelegramAPI
) -> None:
    chat_id = -new_chat_id()
    reply = post(rasa_server, tg_update(chat_id, chat_type="group", **_command("/start@other_bot")))
    assert reply.json() == {"status": "group_ignored"}
    assert telegram_api.counts["sendMessage"] == 0


def test_a_button_pressed_in_a_group_is_answered_with_the_pointer(
    rasa_server: RasaServer, telegram_api: FakeTelegramAPI
) -> None:
    chat_id = -new_chat_id()
    reply = post(rasa_server, tg_callback(chat_id, "/ask_schedule", chat_type="group"))
    assert reply.json() == {"status": "group_pointer"}
    [answer] = telegram_api.calls("answerCallbackQuery")
    assert answer.params["text"].startswith("Dạ, để giữ kín thông tin của học sinh")
    assert rasa_server.user_texts(f"telegram:{chat_id}") == []


def test_a_message_over_the_cap_gets_a_polite_reply_and_skips_rasa(
    rasa_server: RasaServer, telegram_api: FakeTelegramAPI
) -> None:
    chat_id = new_chat_id()
    too_long = "chào " * 1000  # 5,000 characters: more than Telegram's 4,096
    reply = post(rasa_server, tg_update(chat_id, text=too_long))
    assert reply.json() == {"status": "too_long"}
    [text] = telegram_api.sent_texts(chat_id)
    assert text.startswith("Dạ, tin nhắn dài quá") and "4.096 ký tự" in text
    assert rasa_server.user_texts(f"telegram:{chat_id}") == []

    longest = "a" * 4096
    assert post(rasa_server, tg_update(chat_id, text=longest)).json() == {"status": "message"}
    assert post(rasa_server, tg_update(chat_id, text="😀🙏👍")).json() == {"status": "message"}
    assert rasa_server.user_texts(f"telegram:{chat_id}") == [longest, "😀🙏👍"]


def test_long_reply_is_split_on_line_boundaries(
    rasa_server: RasaServer, telegram_api: FakeTelegramAPI
) -> None:
    chat_id = new_chat_id()
    post(rasa_server, tg_update(chat_id, text="trả lời dài"))
    parts = telegram_api.sent_texts(chat_id)
    assert len(parts) == 2
    assert all(len(p.encode("utf-16-le")) // 2 <= 4096 for p in parts)
    assert parts[0].endswith("chia tin.") and parts[1].startswith("Dòng ")  # whole lines
    assert "\n".join(parts).strip() == LONG_REPLY.strip()


def test_unknown_update_types_are_acknowledged_and_ignored(
    rasa_server: RasaServer, telegram_api: FakeTelegramAPI
) -> None:
    chat_id = new_chat_id()
    update = {
        "update_id": 1,
        "my_chat_member": {
            "chat": {"id": chat_id, "type": "private"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "A"},
            "date": 1,
            "old_chat_member": {"status": "member", "user": {"id": 1, "is_bot": True, "first_name": "B"}},
            "new_chat_member": {
                "status": "kicked",
                "until_date": 0,
                "user": {"id": 1, "is_bot": True, "first_name": "B"},
            },
        },
        "some_future_field": {"x": 1},
    }
    update["update_id"] = tg_update(chat_id)["update_id"]
    reply = post(rasa_server, update)
    assert reply.status_code == 200
    assert reply.json() == {"status": "ignored"}
    assert telegram_api.counts["sendMessage"] == 0


def test_a_resent_update_is_handled_once(rasa_server: RasaServer, telegram_api: FakeTelegramAPI) -> None:
    chat_id = new_chat_id()
    update = tg_update(chat_id, text="lịch học")
    assert post(rasa_server, update).json() == {"status": "message"}
    assert post(rasa_server, update).json() == {"status": "duplicate"}
    assert telegram_api.sent_texts(chat_id) == ["Dạ, đây là lịch học."]


def test_send_failure_does_not_break_the_webhook(
    rasa_server: RasaServer, telegram_api: FakeTelegramAPI
) -> None:
    chat_id = new_chat_id()
    telegram_api.blocked_chats.add(str(chat_id))
    try:
        reply = post(rasa_server, tg_update(chat_id, text="lịch học"))
    finally:
        telegram_api.blocked_chats.discard(str(chat_id))
    assert reply.status_code == 200
    assert json.loads(reply.content) == {"status": "message"}
