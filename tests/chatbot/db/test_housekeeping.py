"""Old webhook ids, wrong-code attempts and spent web app rows are purged; recent ones stay."""

from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from chatbot.db.engine import session_scope
from chatbot.db.housekeeping import purge_expired
from chatbot.db.models import (
    Channel,
    ImportUpload,
    InviteAttempt,
    ProcessedEvent,
    School,
    SignInFailure,
    SignInLink,
    UsedFormToken,
    WebRole,
    WebSession,
)
from chatbot.school.staff_accounts import create_account

NOW = datetime(2026, 11, 30, 1, 0, tzinfo=timezone.utc)
NOTHING_WEB = {
    "web_sessions": 0,
    "sign_in_links": 0,
    "form_tokens": 0,
    "import_uploads": 0,
    "sign_in_failures": 0,
}


NOTHING_NEEDED = {"conversation_events": 0, "button_choices": 0, **NOTHING_WEB}


def test_purge_keeps_what_is_still_needed(any_db: str) -> None:
    with session_scope() as session:
        session.add_all(
            [
                ProcessedEvent(channel="zalo", event_id="old", created_at=NOW - timedelta(days=8)),
                ProcessedEvent(channel="zalo", event_id="new", created_at=NOW - timedelta(days=6)),
                InviteAttempt(channel=Channel.ZALO, external_id="u", attempted_at=NOW - timedelta(days=2)),
                InviteAttempt(channel=Channel.ZALO, external_id="u", attempted_at=NOW - timedelta(minutes=5)),
            ]
        )
    assert purge_expired(NOW) == {"processed_events": 1, "invite_attempts": 1, **NOTHING_NEEDED}
    with session_scope() as session:
        assert session.scalars(select(ProcessedEvent.event_id)).all() == ["new"]
        assert session.scalar(select(func.count()).select_from(InviteAttempt)) == 1
    assert purge_expired(NOW) == {"processed_events": 0, "invite_attempts": 0, **NOTHING_NEEDED}


def test_purge_removes_the_web_app_rows_no_longer_needed(db: str) -> None:
    with session_scope() as session:
        school = School(code="HS", name="Trường THCS HS")
        session.add(school)
        session.flush()
        user = create_account(
            session, username="quantri.hs", full_name="Quản trị", role=WebRole.ADMIN, school=school
        )
        for age, tag in ((timedelta(hours=13), "old"), (timedelta(minutes=5), "new")):
            session.add_all(
                [
                    WebSession(
                        token_hash=f"s-{tag}",
                        user_id=user.id,
                        csrf_token="c",
                        created_at=NOW - age,
                        last_seen_at=NOW - age,
                        expires_at=NOW - age + timedelta(hours=12),
                    ),
                    SignInLink(
                        token_hash=f"l-{tag}",
                        user_id=user.id,
                        created_at=NOW - age,
                        expires_at=NOW - age + timedelta(minutes=10),
                    ),
                ]
            )
        session.add_all(
            [
                UsedFormToken(token_hash="f-old", used_at=NOW - timedelta(days=3)),
                UsedFormToken(token_hash="f-new", used_at=NOW - timedelta(hours=1)),
                ImportUpload(
                    token_hash="u-old",
                    user_id=user.id,
                    school_id=school.id,
                    kind="roster",
                    filename="a.csv",
                    content=b"x",
                    created_at=NOW - timedelta(hours=3),
                ),
                SignInFailure(username="x", address="127.0.0.1", attempted_at=NOW - timedelta(days=2)),
            ]
        )
    removed = purge_expired(NOW)
    assert {k: removed[k] for k in NOTHING_WEB} == {
        "web_sessions": 1,
        "sign_in_links": 1,
        "form_tokens": 1,
        "import_uploads": 1,
        "sign_in_failures": 1,
    }
    with session_scope() as session:
        assert session.scalars(select(WebSession.token_hash)).all() == ["s-new"]
        assert session.scalars(select(UsedFormToken.token_hash)).all() == ["f-new"]
