"""Invite codes are stored as HMAC-SHA256 with a pepper from the environment (issue 11, point 7)."""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select, text

from chatbot.db.engine import build_engine, session_scope
from chatbot.db.migrate import upgrade_database
from chatbot.db.models import InviteCode, Role, School, SchoolClass, Student
from chatbot.school import invites
from chatbot.settings import SettingsError, get_settings, reset_settings
from tests.conftest import fresh_postgres

NOW = datetime(2026, 11, 30, 1, 0, tzinfo=timezone.utc)


@pytest.fixture
def student_id(any_db: str) -> int:
    with session_scope() as session:
        student = Student(
            school_class=SchoolClass(school=School(code="S1", name="Trường Thử"), grade=6, name="6A"),
            roll_number=5, full_name="Nguyễn Minh Anh",
        )
        session.add(student)
        session.flush()
        return student.id


def test_the_stored_hash_is_keyed_with_the_pepper(student_id: int) -> None:
    with session_scope() as session:
        code = invites.issue_invite(session, role=Role.PARENT, student_id=student_id, now=NOW)
        row = session.execute(select(InviteCode)).scalar_one()
    canonical = code.replace("-", "")
    assert row.hash_scheme == "hmac-sha256"
    assert row.code_hash != hashlib.sha256(canonical.encode()).hexdigest()
    assert row.code_hash == invites.hash_code(canonical, get_settings().pepper())
    assert row.code_hash != invites.hash_code(canonical, "another-pepper-0123456789")
    with session_scope() as session:
        assert invites.check_code(session, code, now=NOW).problem is None


def test_a_leaked_database_without_the_pepper_finds_no_code(student_id: int) -> None:
    """Trying every code against the plain SHA-256 of the stored hashes finds nothing."""
    with session_scope() as session:
        code = invites.issue_invite(session, role=Role.PARENT, student_id=student_id, now=NOW)
        stored = session.execute(select(InviteCode.code_hash)).scalar_one()
    assert invites.legacy_hash(code.replace("-", "")) != stored


def _legacy_row(student_id: int, code: str, expires: datetime) -> None:
    with session_scope() as session:
        session.add(InviteCode(
            code_hash=invites.legacy_hash(code), hash_scheme="sha256", role=Role.PARENT,
            student_id=student_id, created_at=expires - timedelta(days=14), expires_at=expires,
        ))


def test_codes_issued_before_the_pepper_work_until_they_expire(student_id: int) -> None:
    _legacy_row(student_id, "ABCD2345", NOW + timedelta(days=3))
    with session_scope() as session:
        assert invites.check_code(session, "abcd-2345", now=NOW).problem is None
        later = NOW + timedelta(days=4)
        assert invites.check_code(session, "ABCD-2345", now=later).problem is invites.CodeProblem.EXPIRED


def test_a_plain_hash_counts_only_on_rows_marked_legacy(student_id: int) -> None:
    with session_scope() as session:
        session.add(InviteCode(
            code_hash=invites.legacy_hash("WXYZ2345"), hash_scheme="hmac-sha256", role=Role.PARENT,
            student_id=student_id, created_at=NOW, expires_at=NOW + timedelta(days=14),
        ))
    with session_scope() as session:
        assert invites.check_code(session, "WXYZ-2345", now=NOW).problem is invites.CodeProblem.UNKNOWN


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_migration_marks_existing_codes_legacy(backend: str, tmp_path: Path) -> None:
    with contextlib.ExitStack() as stack:
        if backend == "sqlite":
            url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
        else:
            url = stack.enter_context(fresh_postgres("chatbot_migration"))
        engine = build_engine(url)
        stack.callback(engine.dispose)
        upgrade_database(engine, revision="0002")
        with engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO invite_codes (code_hash, role, created_at, expires_at) "
                "VALUES (:h, 'staff', '2026-11-01 00:00:00+00', '2026-12-31 00:00:00+00')"
            ), {"h": invites.legacy_hash("ABCD2345")})
        upgrade_database(engine)
        with engine.begin() as connection:
            assert connection.execute(text("SELECT hash_scheme FROM invite_codes")).scalar_one() == "sha256"
            connection.execute(text(
                "INSERT INTO invite_codes (code_hash, role, created_at, expires_at) "
                "VALUES ('new', 'staff', '2026-11-01 00:00:00+00', '2026-12-31 00:00:00+00')"
            ))
            scheme = connection.execute(text("SELECT hash_scheme FROM invite_codes WHERE code_hash = 'new'"))
            assert scheme.scalar_one() == "hmac-sha256"


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):  # noqa: ANN201
    monkeypatch.setenv("CHATBOT_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("INVITE_CODE_PEPPER", raising=False)
    monkeypatch.delenv("CHATBOT_ENV", raising=False)
    reset_settings()
    yield monkeypatch
    reset_settings()


def test_production_refuses_to_start_without_a_pepper(environment: pytest.MonkeyPatch) -> None:
    environment.setenv("CHATBOT_ENV", "production")
    with pytest.raises(SettingsError, match="INVITE_CODE_PEPPER must be set when CHATBOT_ENV=production"):
        get_settings()
    environment.setenv("INVITE_CODE_PEPPER", "short")
    reset_settings()
    with pytest.raises(SettingsError, match="at least 16"):
        get_settings()
    environment.setenv("INVITE_CODE_PEPPER", "a-long-enough-production-pepper")
    reset_settings()
    settings = get_settings()
    assert settings.production and settings.invite_code_pepper == "a-long-enough-production-pepper"


def test_an_unknown_environment_name_is_refused(environment: pytest.MonkeyPatch) -> None:
    environment.setenv("CHATBOT_ENV", "prod")
    with pytest.raises(SettingsError, match="CHATBOT_ENV must be one of development, production"):
        get_settings()


def test_outside_production_a_pepper_is_generated_once_in_the_data_folder(
    environment: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "invite_code_pepper"
    assert get_settings().invite_code_pepper is None and not path.exists()  # only when needed
    first = get_settings().pepper()
    assert len(first) == 64 and path.read_text() == first
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    reset_settings()
    assert get_settings().pepper() == first
    assert first not in repr(get_settings())
