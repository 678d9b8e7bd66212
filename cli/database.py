"""``chatbot db``: migrations and a connection check."""

from __future__ import annotations

import typer

from chatbot.db.engine import check_connection
from chatbot.db.migrate import upgrade_database


def register(app: typer.Typer) -> None:
    db_app = typer.Typer(help="The school data store.", no_args_is_help=True)

    @db_app.command("upgrade")
    def upgrade() -> None:
        """Create or update the tables (safe to run again)."""
        upgrade_database()
        typer.echo("Database is up to date.")

    @db_app.command("check")
    def check() -> None:
        """Check that DATABASE_URL points at a reachable database."""
        check_connection()
        typer.echo("Database reachable.")

    app.add_typer(db_app, name="db")
