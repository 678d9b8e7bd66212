"""``chatbot telegram set-webhook URL`` and ``chatbot telegram poll``.

``connectors`` is imported inside the commands: ``chatbot`` does not depend on it at import time.
"""

from __future__ import annotations

import asyncio
import logging

import typer

from chatbot.settings import SettingsError


def _config():  # noqa: ANN202 - connectors.config.TelegramConfig, imported lazily
    from connectors.config import telegram_config

    config = telegram_config()
    if config is None:
        raise SettingsError("TELEGRAM_BOT_TOKEN is not set")
    return config


def register(app: typer.Typer) -> None:
    telegram = typer.Typer(help="Telegram: register the webhook, or poll without one.")

    @telegram.command("set-webhook")
    def set_webhook_command(
        url: str = typer.Argument(
            ..., help="Public HTTPS address; the path /webhooks/telegram/webhook is added if absent."
        ),
    ) -> None:
        """Point Telegram at this server's webhook, with TELEGRAM_WEBHOOK_SECRET."""
        from telegram.error import TelegramError

        from connectors.telegram_polling import set_webhook

        config = _config()
        try:
            target = asyncio.run(set_webhook(config, url))
        except ValueError as exc:
            raise SettingsError(str(exc)) from None
        except TelegramError as exc:
            typer.echo(f"Error: Telegram refused the webhook ({type(exc).__name__})", err=True)
            raise typer.Exit(1) from None
        typer.echo(f"Webhook set: {target}")

    @telegram.command("poll")
    def poll_command(
        rasa_url: str | None = typer.Option(
            None, help="Rasa server address (default RASA_URL or http://127.0.0.1:5005)."
        ),
    ) -> None:
        """Fetch updates with getUpdates (no public address needed) until Ctrl-C."""
        from connectors.polling import run_until_signalled
        from connectors.telegram_polling import poll

        config = _config()
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
        run_until_signalled(lambda stop: poll(config, rasa_url, stop))

    app.add_typer(telegram, name="telegram")
