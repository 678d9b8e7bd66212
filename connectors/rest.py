"""The project's REST channel: Rasa's ``RestInput`` with its input checked first.

Same address (``/webhooks/rest/webhook``) and answers as Rasa's own, used by the terminal chat,
the tests and the polling relays. A body that is not a JSON object, or whose fields have the
wrong types, gets 400 (Rasa's own channel answers 500); a message longer than the cap of the
sender's channel (``REST_MAX_MESSAGE_CHARS`` for plain sender ids, the channel's own cap for
``telegram:…``/``zalo:…`` ids relayed by polling) gets a polite reply and does not reach Rasa.
The sender id is trusted: keep this channel private (see docs/deployment.md).
"""

from __future__ import annotations

import logging
from asyncio import CancelledError
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput as RasaRestInput
from rasa.utils.endpoints import bool_arg
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse, ResponseStream

from chatbot.channels import split_sender_id
from chatbot.replies import message_too_long
from chatbot.settings import rest_settings
from connectors.webhook import parse_json_object, record_inbound, too_long

logger = logging.getLogger(__name__)

SENDER_LIMIT = 128


class RestRequestError(ValueError):
    """The request body cannot be handled; the message says why (it becomes the 400 answer)."""


def parse_rest_body(body: bytes) -> dict[str, Any]:
    """The checked request: ``sender``, ``message``, ``input_channel`` and ``metadata``."""
    data = parse_json_object(body)
    if data is None:
        raise RestRequestError("body must be a JSON object")
    sender = data.get("sender")
    if not isinstance(sender, str) or not sender.strip() or len(sender) > SENDER_LIMIT:
        raise RestRequestError(f"sender must be a non-empty string of at most {SENDER_LIMIT} characters")
    message = data.get("message")
    if not isinstance(message, str):
        raise RestRequestError("message must be a string")
    input_channel = data.get("input_channel")
    if input_channel is not None and not isinstance(input_channel, str):
        raise RestRequestError("input_channel must be a string")
    metadata = data.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise RestRequestError("metadata must be a JSON object")
    return {
        "sender": sender.strip(),
        "message": message,
        "input_channel": input_channel or RestInput.name(),
        "metadata": metadata,
    }


def bad_rest_request(reason: str) -> HTTPResponse:
    logger.warning("rest webhook rejected: %s", reason)
    return response.json({"error": reason}, status=400)


class RestInput(RasaRestInput):
    """Rasa's REST channel behind input checks, the length cap and inbound activity."""

    def __init__(self) -> None:
        self.limits = rest_settings().max_message_chars

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> RestInput:
        return cls()

    def limit_for(self, sender_id: str) -> int:
        channel, _ = split_sender_id(sender_id)
        return self.limits.get(channel, self.limits["rest"])

    def blueprint(self, on_new_message: Any) -> Blueprint:
        webhook = Blueprint("project_rest_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse | ResponseStream:
            try:
                body = parse_rest_body(request.body or b"")
            except RestRequestError as exc:
                return bad_rest_request(str(exc))
            sender_id, text = body["sender"], body["message"]
            await record_inbound(*split_sender_id(sender_id))
            limit = self.limit_for(sender_id)
            if too_long(text, limit):
                return response.json([{"recipient_id": sender_id, "text": message_too_long(limit)}])
            if bool_arg(request, "stream", default=False):
                return response.stream(
                    self.stream_response(
                        on_new_message, text, sender_id, body["input_channel"], body["metadata"]
                    ),
                    content_type="text/event-stream",
                )
            collector = CollectingOutputChannel()
            message = UserMessage(
                text, collector, sender_id,
                input_channel=body["input_channel"], metadata=body["metadata"],
            )
            try:
                await on_new_message(message)
            except CancelledError:
                logger.error("rest message timed out")
            except Exception as exc:  # noqa: BLE001 - answer with what was said so far
                logger.error("rest message failed (%s)", type(exc).__name__)
            return response.json(collector.messages)

        return webhook
