"""The Zalo OA webhook of a running Rasa server, with the fake Zalo OpenAPI behind it."""

from __future__ import annotations

import json
import time

import pytest

from tests.connectors.conftest import ZALO_APP_ID, ZALO_OA_SECRET, RasaServer
from tests.connectors.payloads import new_zalo_user, zalo_event, zalo_follow, zalo_signed, zalo_text
from tests.fakes.zalo_api import FakeZaloAPI

WEBHOOK = "/webhooks/zalo/webhook"


def post_signed(server: RasaServer, event: dict, header_prefix: str = "mac="):
    body, headers = zalo_signed(event, ZALO_APP_ID, ZALO_OA_SECRET)
    headers["X-ZEvent-Signature"] = header_prefix + headers["X-ZEvent-Signature"].removeprefix("mac=")
    return server.post(WEBHOOK, content=body, headers=headers)


@pytest.mark.parametrize("prefix", ["mac=", ""], ids=["with-prefix", "bare"])
def test_signed_text_reaches_rasa_and_reply_is_sent(
    rasa_server: RasaServer, zalo_api: FakeZaloAPI, prefix: str
) -> None:
    user = new_zalo_user()
    reply = post_signed(rasa_server, zalo_text(user, "lịch học"), header_prefix=prefix)
    assert reply.status_code == 200
    assert reply.json() == {"status": "accepted"}
    assert zalo_api.wait_for(lambda: len(zalo_api.sent(user)) == 1)
    assert zalo_api.sent(user) == [{"text": "Dạ, đây là lịch học."}]
    assert rasa_server.user_texts(f"zalo:{user}") == ["lịch học"]


def _tamper(body: bytes) -> bytes:
    return body.replace("lịch học".encode(), "xin chào".encode())


@pytest.mark.parametrize(
    "forge",
    [
        lambda body, headers: (body, {**headers, "X-ZEvent-Signature": "mac=" + "0" * 64}),
        lambda body, headers: (body, {k: v for k, v in headers.items() if k != "X-ZEvent-Signature"}),
        lambda body, headers: (_tamper(body), headers),
        lambda body, headers: (body, {**headers, "X-ZEvent-Signature": "mac="}),
    ],
    ids=["wrong-mac", "missing", "tampered-body", "empty"],
)
def test_bad_signature_is_refused_and_nothing_is_processed(
    rasa_server: RasaServer, zalo_api: FakeZaloAPI, forge
) -> None:
    user = new_zalo_user()
    body, headers = forge(*zalo_signed(zalo_text(user, "lịch học"), ZALO_APP_ID, ZALO_OA_SECRET))
    reply = rasa_server.post(WEBHOOK, content=body, headers=headers)
    assert reply.status_code == 403
    assert not zalo_api.wait_for(lambda: zalo_api.counts["message/cs"] > 0, timeout=1)
    assert rasa_server.user_texts(f"zalo:{user}") == []


def test_signature_with_another_timestamp_is_refused(rasa_server: RasaServer, zalo_api: FakeZaloAPI) -> None:
    user = new_zalo_user()
    event = zalo_text(user, "lịch học")
    _, headers = zalo_signed(event, ZALO_APP_ID, ZALO_OA_SECRET)
    event["timestamp"] = str(int(event["timestamp"]) + 1)
    body = json.dumps(event, ensure_ascii=False).encode()
    assert rasa_server.post(WEBHOOK, content=body, headers=headers).status_code == 403


def test_malformed_json_is_a_400(rasa_server: RasaServer, zalo_api: FakeZaloAPI) -> None:
    reply = rasa_server.post(WEBHOOK, content=b"{oops", headers={"X-ZEvent-Signature": "mac=00"})
    assert reply.status_code == 400


def test_duplicate_msg_id_is_answered_once(rasa_server: RasaServer, zalo_api: FakeZaloAPI) -> None:
    user = new_zalo_user()
    event = zalo_text(user, "lịch học", msg_id="dup-" + user)
    replies = [post_signed(rasa_server, event) for _ in range(3)]
    assert [r.status_code for r in replies] == [200, 200, 200]
    assert zalo_api.wait_for(lambda: len(zalo_api.sent(user)) >= 1)
    assert not zalo_api.wait_for(lambda: len(zalo_api.sent(user)) > 1, timeout=1.5)
    assert rasa_server.user_texts(f"zalo:{user}") == ["lịch học"]


def test_follow_starts_onboarding_with_greet(rasa_server: RasaServer, zalo_api: FakeZaloAPI) -> None:
    user = new_zalo_user()
    assert post_signed(rasa_server, zalo_follow(user)).status_code == 200
    assert zalo_api.wait_for(lambda: len(zalo_api.sent(user)) == 1)
    [message] = zalo_api.sent(user)
    assert message["text"] == "Dạ, xin chào Quý phụ huynh!"
    buttons = message["attachment"]["payload"]["buttons"]
    assert buttons[0] == {"title": "Lịch học", "type": "oa.query.show", "payload": "/ask_schedule"}
    assert rasa_server.user_texts(f"zalo:{user}") == ["/greet"]


def test_image_and_sticker_get_a_text_only_reply(rasa_server: RasaServer, zalo_api: FakeZaloAPI) -> None:
    user = new_zalo_user()
    for name in ("user_send_image", "user_send_sticker"):
        event = zalo_event(name, user, message={"msg_id": f"{name}-{user}", "attachments": []})
        assert post_signed(rasa_server, event).status_code == 200
    assert zalo_api.wait_for(lambda: len(zalo_api.sent(user)) == 2)
    assert all(m["text"].startswith("Dạ, hiện em chỉ đọc được tin nhắn chữ") for m in zalo_api.sent(user))
    assert rasa_server.user_texts(f"zalo:{user}") == []


@pytest.mark.parametrize("name", ["user_seen_message", "oa_send_text", "unfollow", "brand_new_event"])
def test_other_events_are_acknowledged_and_ignored(
    rasa_server: RasaServer, zalo_api: FakeZaloAPI, name: str
) -> None:
    user = new_zalo_user()
    event = zalo_event(name, user, message={"msg_id": f"{name}-{user}", "text": "xin chào"})
    assert post_signed(rasa_server, event).status_code == 200
    assert not zalo_api.wait_for(lambda: zalo_api.counts["message/cs"] > 0, timeout=1)
    assert rasa_server.user_texts(f"zalo:{user}") == []


@pytest.mark.parametrize(
    "age_seconds", [301, 3600, 86400 * 8, -301], ids=["just-too-old", "an-hour", "after-purge", "future"]
)
def test_a_signed_event_outside_five_minutes_is_refused(
    rasa_server: RasaServer, zalo_api: FakeZaloAPI, age_seconds: int
) -> None:
    user = new_zalo_user()
    event = zalo_text(user, "lịch học")
    event["timestamp"] = str(int((time.time() - age_seconds) * 1000))  # signed with this time
    assert post_signed(rasa_server, event).status_code == 403
    assert not zalo_api.wait_for(lambda: zalo_api.counts["message/cs"] > 0, timeout=1)
    assert rasa_server.user_texts(f"zalo:{user}") == []


def test_a_signed_event_within_five_minutes_is_accepted(
    rasa_server: RasaServer, zalo_api: FakeZaloAPI
) -> None:
    user = new_zalo_user()
    event = zalo_text(user, "lịch học")
    event["timestamp"] = str(int((time.time() - 240) * 1000))  # delivered four minutes late
    assert post_signed(rasa_server, event).status_code == 200
    assert zalo_api.wait_for(lambda: len(zalo_api.sent(user)) == 1)


def test_group_events_never_reach_rasa(rasa_server: RasaServer, zalo_api: FakeZaloAPI) -> None:
    user = new_zalo_user()
    event = zalo_event(
        "user_send_group_text", user, message={"msg_id": f"g-{user}", "text": "mã ABCD2345"},
        recipient={"id": "group-1"},
    )
    assert post_signed(rasa_server, event).status_code == 200
    assert not zalo_api.wait_for(lambda: zalo_api.counts["message/cs"] > 0, timeout=1)
    assert rasa_server.user_texts(f"zalo:{user}") == []


def test_emoji_only_message(rasa_server: RasaServer, zalo_api: FakeZaloAPI) -> None:
    user = new_zalo_user()
    assert post_signed(rasa_server, zalo_text(user, "😀🙏")).status_code == 200
    assert zalo_api.wait_for(lambda: len(zalo_api.sent(user)) == 1)
    assert rasa_server.user_texts(f"zalo:{user}") == ["😀🙏"]


def test_long_reply_is_split_at_2000_characters(rasa_server: RasaServer, zalo_api: FakeZaloAPI) -> None:
    user = new_zalo_user()
    post_signed(rasa_server, zalo_text(user, "trả lời dài"))
    assert zalo_api.wait_for(lambda: len(zalo_api.sent(user)) == 4)
    assert all(len(m["text"]) <= 2000 for m in zalo_api.sent(user))


def test_expired_access_token_is_refreshed_and_rotation_persisted(
    rasa_server: RasaServer, zalo_api: FakeZaloAPI
) -> None:
    user = new_zalo_user()
    post_signed(rasa_server, zalo_text(user, "xin chào"))  # makes sure the row exists
    assert zalo_api.wait_for(lambda: len(zalo_api.sent(user)) == 1)
    before = rasa_server.zalo_token()
    assert before is not None
    zalo_api.reset()
    zalo_api.revoke_access()

    post_signed(rasa_server, zalo_text(user, "lịch học"))
    assert zalo_api.wait_for(lambda: len(zalo_api.calls("message/cs")) == 2)

    [oauth] = zalo_api.calls("access_token")
    assert oauth.params["refresh_token"] == before.refresh_token
    first, second = zalo_api.calls("message/cs")
    assert first.headers["access_token"] == before.access_token
    after = rasa_server.zalo_token()
    assert second.headers["access_token"] == after.access_token != before.access_token
    assert after.refresh_token != before.refresh_token
    assert after.refresh_token in zalo_api.valid_refresh
    assert after.version == before.version + 2
