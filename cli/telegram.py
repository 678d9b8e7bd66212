"""``chatbot telegram set-webhook URL`` and ``chatbot telegram poll``.

The channel code is imported when a command runs, so other commands start faster.
"""

from __future__ import annotations

import typer

from cli.bot_channel import BotChannelCode, register_bot_channel


def _code() -> BotChannelCode:
    from telegram.error import TelegramError

    from connectors import telegram_polling
    from connectors.config import telegram_config

    return BotChannelCode(telegram_config, telegram_polling.set_webhook, telegram_polling.poll, TelegramError)


def register(app: typer.Typer) -> None:
    register_bot_channel(
        app,
        name="telegram",
        help="Telegram: register the webhook, or poll without one.",
        token_variable="TELEGRAM_BOT_TOKEN",
        webhook_path="/webhooks/telegram/webhook",
        set_webhook_help="Point Telegram at this server's webhook, with TELEGRAM_WEBHOOK_SECRET.",
        code=_code,
        refusal=lambda exc: f"Telegram refused the webhook ({type(exc).__name__})",
    )
