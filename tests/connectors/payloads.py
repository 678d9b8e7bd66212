"""Builders for the webhook bodies Telegram, Zalo OA and Zalo Bot send."""

from __future__ import annotations

import hashlib
import itertools
import json
import random
import time
import uuid
from typing import Any

_update_ids = itertools.count(random.randint(10_000_000, 90_000_000))


def new_chat_id() -> int:
    return random.randint(10_000_000, 99_999_999)


def _telegram_message(chat_id: int, chat_type: str, **fields: Any) -> dict[str, Any]:
    return {
        "message_id": random.randint(1, 1_000_000),
        "date": int(time.time()),
        "chat": {"id": chat_id, "type": chat_type, **({"title": "Lớp 6A"} if chat_type != "private" else {})},
        "from": {"id": abs(chat_id), "is_bot": False, "first_name": "Phụ huynh"},
        **fields,
    }


def tg_update(
    chat_id: int, chat_type: str = "private", edited: bool = False, **fields: Any
) -> dict[str, Any]:
    """A message update; ``fields`` are the message's content (``text=...``, ``photo=[...]``)."""
    key = "edited_message" if edited else "message"
    return {"update_id": next(_update_ids), key: _telegram_message(chat_id, chat_type, **fields)}


def tg_callback(chat_id: int, data: str, chat_type: str = "private") -> dict[str, Any]:
    return {
        "update_id": next(_update_ids),
        "callback_query": {
            "id": str(random.randint(1, 10**12)),
            "from": {"id": chat_id, "is_bot": False, "first_name": "Phụ huynh"},
            "chat_instance": "ci-1",
            "data": data,
            "message": _telegram_message(chat_id, chat_type, text="Dạ, xin chào Quý phụ huynh!"),
        },
    }


PHOTO = [{"file_id": "f1", "file_unique_id": "u1", "width": 90, "height": 90}]
STICKER = {
    "file_id": "s1",
    "file_unique_id": "su1",
    "width": 512,
    "height": 512,
    "is_animated": False,
    "is_video": False,
    "type": "regular",
}


def new_zalo_user() -> str:
    return str(random.randint(10**15, 10**16 - 1))


def zalo_text(user_id: str, text: str, msg_id: str | None = None) -> dict[str, Any]:
    return {
        "app_id": "1234567890",
        "user_id_by_app": "55" + user_id[:10],
        "event_name": "user_send_text",
        "sender": {"id": user_id},
        "recipient": {"id": "4321"},
        "message": {"text": text, "msg_id": msg_id or uuid.uuid4().hex},
        "timestamp": str(int(time.time() * 1000)),
    }


def zalo_event(name: str, user_id: str, **fields: Any) -> dict[str, Any]:
    return {
        "app_id": "1234567890",
        "event_name": name,
        "sender": {"id": user_id},
        "recipient": {"id": "4321"},
        "timestamp": str(int(time.time() * 1000)),
        **fields,
    }


def zalo_follow(user_id: str) -> dict[str, Any]:
    return {
        "app_id": "1234567890",
        "oa_id": "4321",
        "event_name": "follow",
        "source": "oa_profile",
        "follower": {"id": user_id},
        "timestamp": str(int(time.time() * 1000)),
    }


def zalo_signed(event: dict[str, Any], app_id: str, oa_secret: str) -> tuple[bytes, dict[str, str]]:
    """The raw body and the headers Zalo would send for ``event``."""
    body = json.dumps(event, ensure_ascii=False).encode("utf-8")
    mac = hashlib.sha256(
        app_id.encode() + body + str(event["timestamp"]).encode() + oa_secret.encode()
    ).hexdigest()
    return body, {"X-ZEvent-Signature": f"mac={mac}", "Content-Type": "application/json"}


def zalo_bot_event(chat_id: str, text: str | None = None, event_name: str | None = None) -> dict[str, Any]:
    message: dict[str, Any] = {
        "from": {"id": chat_id, "display_name": "Phụ huynh", "is_bot": False},
        "chat": {"id": chat_id, "chat_type": "PRIVATE"},
        "message_id": uuid.uuid4().hex,
        "date": int(time.time() * 1000),
    }
    if text is not None:
        message["text"] = text
    name = event_name or ("message.text.received" if text is not None else "message.image.received")
    return {"event_name": name, "message": message}
