"""Zalo OA sending: messages, error codes, and the rotating refresh token in the database."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from chatbot.db.engine import session_scope
from chatbot.db.models import ChannelToken
from chatbot.delivery.outbound import Button, OutboundMessage
from connectors.config import ZaloConfig
from connectors.zalo_sender import ZALO_CHOICES, ZaloSender
from connectors.zalo_tokens import LEASE_SECONDS, TokenStore
from tests.fakes.zalo_api import FakeZaloAPI, zalo_error

APP_ID = "1234567890"
APP_SECRET = "zalo-app-secret-value"


@pytest.fixture
def zalo(db: str) -> Iterator[FakeZaloAPI]:
    with FakeZaloAPI(app_id=APP_ID, app_secret=APP_SECRET) as fake:
        yield fake


def config(
    fake: FakeZaloAPI, access: str | None = "access-0", refresh: str | None = "refresh-0"
) -> ZaloConfig:
    return ZaloConfig(
        app_id=APP_ID,
        app_secret=APP_SECRET,
        oa_secret_key="oa-secret",
        access_token=access,
        refresh_token=refresh,
        api_base_url=fake.url,
        oauth_base_url=fake.url,
    )


def stored() -> ChannelToken:
    with session_scope() as session:
        return session.execute(select(ChannelToken).where(ChannelToken.channel == "zalo")).scalar_one()


async def test_text_is_sent_with_the_access_token_header(zalo: FakeZaloAPI) -> None:
    sender = ZaloSender(config(zalo))
    result = await sender.send("777", OutboundMessage("Dạ, xin chào Quý phụ huynh!"))
    await sender.aclose()
    assert result.ok
    [call] = zalo.calls("message/cs")
    assert call.headers["access_token"] == "access-0"
    assert call.params == {
        "recipient": {"user_id": "777"},
        "message": {"text": "Dạ, xin chào Quý phụ huynh!"},
    }
    row = stored()
    assert (row.access_token, row.refresh_token, row.version) == ("access-0", "refresh-0", 1)


async def test_token_is_refreshed_on_216_and_rotated_refresh_token_persisted(zalo: FakeZaloAPI) -> None:
    sender = ZaloSender(config(zalo))
    assert (await sender.send("777", OutboundMessage("một"))).ok
    zalo.revoke_access()  # Zalo now answers -216 to access-0

    result = await sender.send("777", OutboundMessage("hai"))
    await sender.aclose()

    assert result.ok
    [oauth] = zalo.calls("access_token")
    assert oauth.params == {
        "refresh_token": "refresh-0",
        "app_id": APP_ID,
        "grant_type": "refresh_token",
        "secret_key": APP_SECRET,
    }
    sends = zalo.calls("message/cs")
    assert [c.headers["access_token"] for c in sends] == ["access-0", "access-0", "access-1"]
    row = stored()
    assert (row.access_token, row.refresh_token, row.version) == ("access-1", "refresh-1", 3)
    assert row.expires_at > datetime.now(timezone.utc) + timedelta(hours=24)


async def test_token_expiring_soon_is_refreshed_before_sending(zalo: FakeZaloAPI) -> None:
    sender = ZaloSender(config(zalo))
    await sender.send("777", OutboundMessage("một"))
    with session_scope() as session:
        session.execute(
            update(ChannelToken).values(expires_at=datetime.now(timezone.utc) + timedelta(minutes=1))
        )
    fresh = ZaloSender(config(zalo))  # a replica that has not cached the token yet
    assert (await fresh.send("777", OutboundMessage("hai"))).ok
    await sender.aclose()
    await fresh.aclose()
    assert zalo.counts["access_token"] == 1
    assert [c.headers["access_token"] for c in zalo.calls("message/cs")] == ["access-0", "access-1"]


async def test_two_replicas_never_use_one_refresh_token_twice(zalo: FakeZaloAPI) -> None:
    replicas = [ZaloSender(config(zalo)) for _ in range(4)]
    for replica in replicas:
        await replica.tokens.current()  # every replica caches access-0
    zalo.revoke_access()
    zalo.delays["access_token"] = 0.5  # the others try while the first refresh is under way

    results = await asyncio.gather(*(r.send("777", OutboundMessage("x")) for r in replicas))
    for replica in replicas:
        await replica.aclose()

    assert all(r.ok for r in results)
    assert zalo.counts["access_token"] == 1  # one refresh, the others adopted its result
    assert stored().refresh_token == "refresh-1"


async def test_abandoned_refresh_claim_is_taken_over(zalo: FakeZaloAPI) -> None:
    sender = ZaloSender(config(zalo))
    await sender.tokens.current()
    store = TokenStore()
    assert store.claim(1)  # a replica claimed the row and died
    stale = datetime.now(timezone.utc) - timedelta(seconds=LEASE_SECONDS + 5)
    with session_scope() as session:
        session.execute(update(ChannelToken).values(updated_at=stale))
    zalo.revoke_access()

    result = await sender.send("777", OutboundMessage("x"))
    await sender.aclose()
    assert result.ok
    row = stored()
    assert (row.refresh_token, row.version) == ("refresh-1", 5)


async def test_rejected_refresh_gives_a_clear_error_and_keeps_the_row_usable(
    zalo: FakeZaloAPI, caplog: pytest.LogCaptureFixture
) -> None:
    zalo.valid_refresh.clear()
    sender = ZaloSender(config(zalo))
    zalo.revoke_access()
    result = await sender.send("777", OutboundMessage("x"))
    await sender.aclose()
    assert not result.ok and not result.permanent
    assert result.error == "zalo access token unavailable"
    assert "re-authorise the OA" in caplog.text
    row = stored()
    assert row.version % 2 == 1 and row.refresh_token == "refresh-0"


async def test_no_seed_and_no_stored_token_is_reported(zalo: FakeZaloAPI) -> None:
    sender = ZaloSender(config(zalo, access=None, refresh=None))
    result = await sender.send("777", OutboundMessage("x"))
    await sender.aclose()
    assert result.error == "zalo access token unavailable"
    assert zalo.counts["message/cs"] == 0


async def test_refresh_token_only_seed_refreshes_first(zalo: FakeZaloAPI) -> None:
    sender = ZaloSender(config(zalo, access=None))
    assert (await sender.send("777", OutboundMessage("x"))).ok
    await sender.aclose()
    assert zalo.counts["access_token"] == 1
    assert zalo.calls("message/cs")[0].headers["access_token"] == "access-1"


@pytest.mark.parametrize(
    ("code", "fall_through", "give_up", "retry_after", "recipient_only"),
    [
        (-230, True, False, None, False),  # outside the window: the next route, not a failure
        (-232, True, False, None, False),
        (-217, True, False, None, False),
        (-244, True, False, None, False),
        (-213, True, False, None, False),  # never a deactivation (issue 13)
        (-227, True, False, None, False),
        (-201, False, True, None, False),
        (-211, False, False, 3600.0, False),
        (-224, False, False, 3600.0, False),
        (-218, False, False, 3600.0, True),
        (-32, False, False, 60.0, False),
    ],
)
async def test_error_codes_become_send_results(
    zalo: FakeZaloAPI,
    code: int,
    fall_through: bool,
    give_up: bool,
    retry_after: float | None,
    recipient_only: bool,
    caplog: pytest.LogCaptureFixture,
) -> None:
    sender = ZaloSender(config(zalo))
    zalo.fail("message/cs", zalo_error(code, "Zalo says no"))
    result = await sender.send("777", OutboundMessage("Nội dung riêng tư"))
    await sender.aclose()
    assert not result.ok and not result.permanent
    assert (result.fall_through, result.give_up) == (fall_through, give_up)
    assert (result.retry_after, result.recipient_only) == (retry_after, recipient_only)
    assert result.unfollowed is (code == -213)
    assert str(code) in (result.error or "")
    assert f"zalo {code}" in caplog.text
    assert "Nội dung riêng tư" not in caplog.text


async def test_server_errors_and_timeouts_are_transient(zalo: FakeZaloAPI) -> None:
    sender = ZaloSender(config(zalo), timeout=0.5)
    await sender.tokens.current()
    zalo.fail("message/cs", zalo_error(0, times=1, delay=2))
    slow = await sender.send("777", OutboundMessage("x"))
    from tests.fakes.base import Failure

    zalo.fail("message/cs", Failure(status=503, body={"error": "unavailable"}))
    down = await sender.send("777", OutboundMessage("x"))
    await sender.aclose()
    assert not slow.ok and not slow.permanent and slow.retry_after is None
    assert slow.error == "network error (ReadTimeout)"
    assert (down.ok, down.permanent, down.error) == (False, False, "HTTP 503")


async def test_buttons_become_a_template_with_query_show(zalo: FakeZaloAPI) -> None:
    sender = ZaloSender(config(zalo))
    buttons = (Button("Lịch học", "/ask_schedule"), Button("Trang trường", "https://example.edu.vn"))
    await sender.send("777", OutboundMessage("Dạ, mời chọn:", buttons))
    await sender.aclose()
    [message] = zalo.sent("777")
    assert message["text"] == "Dạ, mời chọn:"
    assert message["attachment"] == {
        "type": "template",
        "payload": {
            "buttons": [
                {"title": "Lịch học", "type": "oa.query.show", "payload": "/ask_schedule"},
                {
                    "title": "Trang trường",
                    "type": "oa.open.url",
                    "payload": {"url": "https://example.edu.vn"},
                },
            ]
        },
    }


async def test_too_many_buttons_become_numbered_options(zalo: FakeZaloAPI) -> None:
    sender = ZaloSender(config(zalo))
    buttons = tuple(Button(f"Lựa chọn {n}", f"/choice_{n}") for n in range(1, 8))
    await sender.send("778", OutboundMessage("Dạ, mời chọn:", buttons))
    await sender.aclose()
    [message] = zalo.sent("778")
    assert "attachment" not in message
    assert "1. Lựa chọn 1" in message["text"] and "7. Lựa chọn 7" in message["text"]
    assert await ZALO_CHOICES.resolve("778", " 7 ") == "/choice_7"
    assert await ZALO_CHOICES.resolve("778", "8") is None
    assert await ZALO_CHOICES.resolve("779", "1") is None


async def test_long_text_is_split_at_2000_characters(zalo: FakeZaloAPI) -> None:
    sender = ZaloSender(config(zalo))
    text = "\n".join(f"Dòng {n}: " + " ".join(["chữ"] * 20) for n in range(100))
    result = await sender.send("777", OutboundMessage(text, (Button("OK", "/affirm"),)))
    await sender.aclose()
    assert result.ok
    messages = zalo.sent("777")
    assert len(messages) > 1
    assert all(len(m["text"]) <= 2000 for m in messages)
    assert [("attachment" in m) for m in messages] == [False] * (len(messages) - 1) + [True]
    assert "\n".join(m["text"] for m in messages) == text
