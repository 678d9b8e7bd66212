"""One builder for the ``set-webhook URL`` and ``poll`` commands of the bot channels.

``chatbot telegram …`` and ``chatbot zalo-bot …`` differ only in names, texts and the
``connectors`` code they use. That code is named by ``"module:attribute"`` strings and imported
inside the commands: ``chatbot`` does not depend on ``connectors`` at import time.
"""

from __future__ import annotations

import asyncio
import contextvars
import importlib
import logging
from collections.abc import Callable
from typing import Any

import typer

from chatbot.settings import SettingsError


def _load(reference: str) -> Any:
    """The object ``"module:attribute"`` names, imported now."""
    module_name, _, attribute = reference.partition(":")
    return getattr(importlib.import_module(module_name), attribute)


def register_bot_channel(
    app: typer.Typer,
    *,
    name: str,
    help: str,
    token_variable: str,
    webhook_path: str,
    set_webhook_help: str,
    config_loader: str,
    polling_module: str,
    refused_error: str,
    refusal: Callable[[Any], str],
) -> None:
    """Add the ``name`` command group with ``set-webhook`` and ``poll`` to ``app``.

    ``config_loader`` returns ``None`` when ``token_variable`` is unset (a settings error);
    ``polling_module`` has ``set_webhook(config, url)`` and ``poll(config, rasa_url, stop)``;
    a ``refused_error`` from ``set_webhook`` is reported as ``refusal(error)`` with exit code 1.
    """
    group = typer.Typer(help=help)
    channel = name.replace("-", "_")
    school_help = "Mã trường: dùng bot riêng của trường (chatbot school channels set)."

    def config(school: str | None = None) -> Any:
        if school is not None:
            loaded = _load("connectors.school_bots:load_school_config")(channel, school.strip().upper())
            if loaded is None:
                raise SettingsError(f"school {school} has no {name} channel (chatbot school channels list)")
            return loaded
        loaded = _load(config_loader)()
        if loaded is None:
            raise SettingsError(f"{token_variable} is not set")
        return loaded

    def with_school(school: str | None) -> contextvars.Context:
        """A context whose :data:`BOT_SCHOOL` is ``school``: chats polled are that school's."""
        context = contextvars.copy_context()
        if school is not None:
            context.run(_load("connectors.school_bots:BOT_SCHOOL").set, school.strip().upper())
        return context

    @group.command("set-webhook", help=set_webhook_help)
    def set_webhook_command(
        url: str = typer.Argument(
            ..., help=f"Public HTTPS address; the path {webhook_path} is added if absent."
        ),
        school: str | None = typer.Option(None, "--school", help=school_help),
    ) -> None:
        error = _load(refused_error)
        set_webhook = _load(f"{polling_module}:set_webhook")
        path = _load("connectors.school_bots:school_webhook_path")(webhook_path, school)
        settings = config(school)
        try:
            target = asyncio.run(set_webhook(settings, url, path))
        except ValueError as exc:
            raise SettingsError(str(exc)) from None
        except error as exc:
            typer.echo(f"Error: {refusal(exc)}", err=True)
            raise typer.Exit(1) from None
        typer.echo(f"Webhook set: {target}")

    @group.command("poll")
    def poll_command(
        rasa_url: str | None = typer.Option(
            None, help="Rasa server address (default RASA_URL or http://127.0.0.1:5005)."
        ),
        school: str | None = typer.Option(None, "--school", help=school_help),
    ) -> None:
        """Fetch updates with getUpdates (no public address needed) until Ctrl-C."""
        from connectors.polling import run_until_signalled

        poll = _load(f"{polling_module}:poll")
        settings = config(school)
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
        with_school(school).run(run_until_signalled, lambda stop: poll(settings, rasa_url, stop))

    app.add_typer(group, name=name)
