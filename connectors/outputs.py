"""A Rasa output channel that speaks through a channel's :class:`Sender`.

Conversational replies and broadcasts go through the same sending code.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from rasa.core.channels.channel import OutputChannel

from chatbot.channels import split_address, split_sender_id
from chatbot.delivery.outbound import Button, OutboundMessage, Sender, SendResult

logger = logging.getLogger(__name__)


def rasa_buttons(buttons: Iterable[dict[str, Any]] | None) -> tuple[Button, ...]:
    """Rasa button dicts as :class:`Button` values; a URL button keeps its URL as payload."""
    result = []
    for button in buttons or ():
        title = str(button.get("title") or "").strip()
        payload = str(button.get("url") or button.get("payload") or title).strip()
        if title and payload:
            result.append(Button(title=title, payload=payload))
    return tuple(result)


class SenderOutputChannel(OutputChannel):
    """Sends Rasa responses with a :class:`Sender`; ``recipient_id`` is the Rasa sender id."""

    channel_name = "sender"

    def __init__(self, sender: Sender) -> None:
        self.sender = sender

    @classmethod
    def name(cls) -> str:
        return cls.channel_name

    async def _send(self, recipient_id: str, message: OutboundMessage) -> SendResult:
        _, external_id = split_sender_id(recipient_id)
        _, chat_id = split_address(external_id)  # a school's bot knows the chat by its own id
        result = await self.sender.send(chat_id, message)
        if not result.ok:
            logger.warning(
                "%s reply not delivered: %s (permanent=%s)",
                self.sender.channel,
                result.error,
                result.permanent,
            )
        return result

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._send(recipient_id, OutboundMessage(text=text))

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self._send(recipient_id, OutboundMessage(text=text, buttons=rasa_buttons(buttons)))

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self._send(recipient_id, OutboundMessage(text=image))

    async def send_attachment(self, recipient_id: str, attachment: Any, **kwargs: Any) -> None:
        if isinstance(attachment, str):
            await self._send(recipient_id, OutboundMessage(text=attachment))

    async def send_custom_json(
        self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any
    ) -> None:
        logger.debug("%s: custom JSON responses are not sent", self.sender.channel)

    async def send_elements(
        self, recipient_id: str, elements: Iterable[dict[str, Any]], **kwargs: Any
    ) -> None:
        for element in elements:
            text = "\n".join(
                part for part in (element.get("title"), element.get("subtitle")) if part
            )
            buttons = rasa_buttons(element.get("buttons"))
            if text:
                await self._send(recipient_id, OutboundMessage(text=text, buttons=buttons))
