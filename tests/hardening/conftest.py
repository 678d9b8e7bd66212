"""The sample school on SQLite and PostgreSQL (tests/school/conftest.py)."""

from tests.school.conftest import school  # noqa: F401
