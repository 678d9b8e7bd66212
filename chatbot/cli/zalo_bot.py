"""``chatbot zalo-bot set-webhook URL`` and ``chatbot zalo-bot poll``.

``connectors`` is imported inside the commands: ``chatbot`` does not depend on it at import time.
"""

from __future__ import annotations

import typer

from chatbot.cli.bot_channel import register_bot_channel


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
        config_loader="connectors.config:zalo_bot_config",
        polling_module="connectors.zalo_bot_polling",
        refused_error="connectors.zalo_bot_sender:ZaloBotError",
        refusal=lambda exc: f"Zalo refused the webhook (HTTP {exc.status})",
    )
