"""``chatbot zalo-bot set-webhook URL`` and ``chatbot zalo-bot poll``.

The channel code is imported when a command runs, so other commands start faster.
"""

from __future__ import annotations

import typer

from cli.bot_channel import BotChannelCode, register_bot_channel


def _code() -> BotChannelCode:
    from connectors import zalo_bot_polling
    from connectors.config import zalo_bot_config
    from connectors.zalo_bot_sender import ZaloBotError

    return BotChannelCode(zalo_bot_config, zalo_bot_polling.set_webhook, zalo_bot_polling.poll, ZaloBotError)


def register(app: typer.Typer) -> None:
    register_bot_channel(
        app,
        name="zalo-bot",
        help="Zalo Bot: register the webhook, or poll without one.",
        token_variable="ZALO_BOT_TOKEN",
        webhook_path="/webhooks/zalo_bot/webhook",
        set_webhook_help=(
            "Point the Zalo Bot platform at this server's webhook, with ZALO_BOT_WEBHOOK_SECRET."
        ),
        code=_code,
        refusal=lambda exc: f"Zalo refused the webhook (HTTP {exc.status})",
    )
