"""``chatbot zalo-bot set-webhook URL`` and ``chatbot zalo-bot poll``.

``connectors`` is imported inside the commands: ``chatbot`` does not depend on it at import time.
"""

from __future__ import annotations

import asyncio
import logging

import typer

from chatbot.settings import SettingsError


def _config():  # noqa: ANN202 - connectors.config.ZaloBotConfig, imported lazily
    from connectors.config import zalo_bot_config

    config = zalo_bot_config()
    if config is None:
        raise SettingsError("ZALO_BOT_TOKEN is not set")
    return config


def register(app: typer.Typer) -> None:
    zalo_bot = typer.Typer(help="Zalo Bot: register the webhook, or poll without one.")

    @zalo_bot.command("set-webhook")
    def set_webhook_command(
        url: str = typer.Argument(
            ..., help="Public HTTPS address; the path /webhooks/zalo_bot/webhook is added if absent."
        ),
    ) -> None:
        """Point the Zalo Bot platform at this server's webhook, with ZALO_BOT_WEBHOOK_SECRET."""
        from connectors.zalo_bot_polling import set_webhook
        from connectors.zalo_bot_sender import ZaloBotError

        config = _config()
        try:
            target = asyncio.run(set_webhook(config, url))
        except ValueError as exc:
            raise SettingsError(str(exc)) from None
        except ZaloBotError as exc:
            typer.echo(f"Error: Zalo refused the webhook (HTTP {exc.status})", err=True)
            raise typer.Exit(1) from None
        typer.echo(f"Webhook set: {target}")

    @zalo_bot.command("poll")
    def poll_command(
        rasa_url: str | None = typer.Option(
            None, help="Rasa server address (default RASA_URL or http://127.0.0.1:5005)."
        ),
    ) -> None:
        """Fetch updates with getUpdates (no public address needed) until Ctrl-C."""
        from connectors.polling import run_until_signalled
        from connectors.zalo_bot_polling import poll

        config = _config()
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
        run_until_signalled(lambda stop: poll(config, rasa_url, stop))

    app.add_typer(zalo_bot, name="zalo-bot")
