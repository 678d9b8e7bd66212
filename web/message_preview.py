"""How a notice will look on each channel: the same splitting and button rules as the senders.

Telegram shows the "Đã nhận" button under the last part; Zalo OA puts it in a button
template on the last part; the Zalo Bot platform has no buttons, so choices become numbered
lines (``connectors.text.numbered_text``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from chatbot.delivery.outbound import Button
from chatbot.delivery.receipts import RECEIPT_TITLE
from connectors.telegram_sender import TEXT_LIMIT as TELEGRAM_LIMIT
from connectors.text import numbered_text, split_text
from connectors.zalo_bot_sender import TEXT_LIMIT as ZALO_BOT_LIMIT
from connectors.zalo_sender import TEXT_LIMIT as ZALO_LIMIT


@dataclass(frozen=True)
class ChannelPreview:
    channel: str
    title: str
    sender: str
    parts: list[str]
    buttons: list[str] = field(default_factory=list)
    note: str = ""


def channel_previews(text: str, ask_receipt: bool, school_name: str) -> list[ChannelPreview]:
    buttons = [RECEIPT_TITLE] if ask_receipt else []
    telegram = split_text(text, TELEGRAM_LIMIT) or ["…"]
    zalo = split_text(text, ZALO_LIMIT) or ["…"]
    bot_text = numbered_text(text, [Button(RECEIPT_TITLE, "")]) if ask_receipt else text
    zalo_bot = split_text(bot_text, ZALO_BOT_LIMIT) or ["…"]

    def parts_note(parts: list[str], limit: int) -> str:
        return (
            f"Dài hơn {limit:,} ký tự nên được chia thành {len(parts)} tin.".replace(",", ".")
            if len(parts) > 1
            else ""
        )

    return [
        ChannelPreview(
            "telegram", "Telegram", school_name, telegram, buttons, parts_note(telegram, TELEGRAM_LIMIT)
        ),
        ChannelPreview("zalo", "Zalo OA", school_name, zalo, buttons, parts_note(zalo, ZALO_LIMIT)),
        ChannelPreview(
            "zalo_bot",
            "Zalo Bot",
            school_name,
            zalo_bot,
            [],
            "Zalo Bot không có nút bấm: gia đình trả lời bằng số."
            if ask_receipt
            else parts_note(zalo_bot, ZALO_BOT_LIMIT),
        ),
    ]
