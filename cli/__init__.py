"""The ``chatbot`` command: thin wrappers over ``chatbot.school`` and ``chatbot.delivery``.

Each command group lives in its own module with a ``register(app)`` function; this module
only assembles them and turns configuration errors into one-line messages.
"""

from __future__ import annotations

import sys

import typer

from chatbot.db.engine import DatabaseUnavailable
from chatbot.settings import SettingsError
from cli import (
    broadcast,
    contacts,
    database,
    demo,
    imports,
    incidents,
    invites,
    relay,
    report,
    run,
    staff,
    status,
    telegram,
    unanswered,
    worker,
    zalo,
    zalo_bot,
)

# In the order of ``chatbot --help``.
COMMAND_MODULES = [
    database, demo, run, unanswered, imports, invites, status, incidents, report, broadcast, worker,
    telegram, zalo_bot, zalo, staff, contacts, relay,
]

app = typer.Typer(
    help="Lớp học An toàn: the assistant's data, training, servers and delivery.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

for _module in COMMAND_MODULES:
    _module.register(app)


def main() -> None:
    """Entry point of the ``chatbot`` console script."""
    try:
        app()
    except (SettingsError, DatabaseUnavailable) as exc:
        typer.echo(f"Error: {exc}", err=True)
        sys.exit(2)
