"""One builder for the ``set-webhook URL`` and ``poll`` commands of the bot channels.

``chatbot telegram …`` and ``chatbot zalo-bot …`` differ only in names, texts and the
``connectors`` code they use (:class:`BotChannelCode`). The CLI stands above ``chatbot`` and
``connectors``: it imports the channel code plainly, inside the commands, so that the other
commands start without loading the Telegram and Zalo libraries.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import typer

from chatbot.settings import SettingsError


@dataclass(frozen=True)
class BotChannelCode:
    """What a bot channel's commands use from ``connectors``."""

    load_config: Callable[[], Any]
    set_webhook: Callable[[Any, str, str], Awaitable[str]]
    poll: Callable[..., Awaitable[None]]
    refused_error: type[Exception]


def register_bot_channel(
    app: typer.Typer,
    *,
    name: str,
    help: str,
    token_variable: str,
    webhook_path: str,
    set_webhook_help: str,
    code: Callable[[], BotChannelCode],
    refusal: Callable[[Any], str],
) -> None:
    """Add the ``name`` command group with ``set-webhook`` and ``poll`` to ``app``.

    ``code()`` imports the channel's code: its config loader returns ``None`` when
    ``token_variable`` is unset (a settings error); its ``refused_error`` from ``set_webhook``
    is reported as ``refusal(error)`` with exit code 1.
    """
    group = typer.Typer(help=help)
    channel_name = name.replace("-", "_")
    school_help = "Mã trường: dùng bot riêng của trường (chatbot school channels set)."

    def config(school: str | None = None) -> Any:
        if school is not None:
            from connectors.school_bots import load_school_config

            loaded = load_school_config(channel_name, school.strip().upper())
            if loaded is None:
                raise SettingsError(f"school {school} has no {name} channel (chatbot school channels list)")
            return loaded
        loaded = code().load_config()
        if loaded is None:
            raise SettingsError(f"{token_variable} is not set")
        return loaded

    def with_school(school: str | None) -> contextvars.Context:
        """A context whose ``BOT_SCHOOL`` is ``school``: chats polled are that school's."""
        context = contextvars.copy_context()
        if school is not None:
            from connectors.school_bots import BOT_SCHOOL

            context.run(BOT_SCHOOL.set, school.strip().upper())
        return context

    @group.command("set-webhook", help=set_webhook_help)
    def set_webhook_command(
        url: str = typer.Argument(
            ..., help=f"Public HTTPS address; the path {webhook_path} is added if absent."
        ),
        school: str | None = typer.Option(None, "--school", help=school_help),
    ) -> None:
        from connectors.school_bots import school_webhook_path

        channel = code()
        settings = config(school)
        path = school_webhook_path(webhook_path, school)
        try:
            target = asyncio.run(channel.set_webhook(settings, url, path))
        except ValueError as exc:
            raise SettingsError(str(exc)) from None
        except channel.refused_error as exc:
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

        poll = code().poll
        settings = config(school)
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
        with_school(school).run(run_until_signalled, lambda stop: poll(settings, rasa_url, stop))

    app.add_typer(group, name=name)
