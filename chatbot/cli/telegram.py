"""``chatbot telegram set-webhook URL`` and ``chatbot telegram poll``.

``connectors`` is imported inside the commands: ``chatbot`` does not depend on it at import time.
"""

from __future__ import annotations

import typer

from chatbot.cli.bot_channel import register_bot_channel


def register(app: typer.Typer) -> None:
    register_bot_channel(
        app,
        name="telegram",
        help="Telegram: register the webhook, or poll without one.",
        token_variable="TELEGRAM_BOT_TOKEN",
        webhook_path="/webhooks/telegram/webhook",
        set_webhook_help="Point Telegram at this server's webhook, with TELEGRAM_WEBHOOK_SECRET.",
        config_loader="connectors.config:telegram_config",
        polling_module="connectors.telegram_polling",
        refused_error="telegram.error:TelegramError",
        refusal=lambda exc: f"Telegram refused the webhook ({type(exc).__name__})",
    )
