"""The ``chatbot`` command: thin wrappers over ``chatbot.school`` and ``chatbot.delivery``.

Each command group lives in its own module with a ``register(app)`` function; this module
only assembles them and turns configuration errors into one-line messages.
"""

from __future__ import annotations

import importlib
import sys

import typer

from chatbot.db.engine import DatabaseUnavailable
from chatbot.settings import SettingsError

COMMAND_MODULES = [
    "chatbot.cli.database",
    "chatbot.cli.demo",
    "chatbot.cli.run",
    "chatbot.cli.unanswered",
    "chatbot.cli.imports",
    "chatbot.cli.invites",
    "chatbot.cli.status",
    "chatbot.cli.incidents",
    "chatbot.cli.report",
    "chatbot.cli.broadcast",
    "chatbot.cli.worker",
    "chatbot.cli.telegram",
    "chatbot.cli.zalo_bot",
    "chatbot.cli.zalo",
    "chatbot.cli.staff",
]

app = typer.Typer(
    help="Lớp học An toàn: the assistant's data, training, servers and delivery.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _register_all() -> None:
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:  # a command group not built yet
                continue
            raise
        module.register(app)


_register_all()


def main() -> None:
    """Entry point of the ``chatbot`` console script."""
    try:
        app()
    except (SettingsError, DatabaseUnavailable) as exc:
        typer.echo(f"Error: {exc}", err=True)
        sys.exit(2)
