"""Migrations create exactly the models' schema, and running them again changes nothing."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from chatbot.db.base import Base
from chatbot.db.engine import get_engine
from chatbot.db.migrate import upgrade_database


def test_migrations_match_models(any_db: str) -> None:
    with get_engine().connect() as connection:
        context = MigrationContext.configure(connection)
        assert compare_metadata(context, Base.metadata) == []


def test_upgrade_twice_changes_nothing(any_db: str) -> None:
    before = sorted(inspect(get_engine()).get_table_names())
    upgrade_database()
    after = sorted(inspect(get_engine()).get_table_names())
    assert before == after
    assert set(Base.metadata.tables) <= set(after)
