"""Two schools side by side in one deployment, each with its own fake Telegram bot and Zalo OA."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

import pytest
from cryptography.fernet import Fernet

from chatbot.db.engine import session_scope
from chatbot.db.models import (
    AccountLink,
    Channel,
    ChatAccount,
    Role,
    School,
    SchoolClass,
    StaffMember,
    StaffRole,
    Student,
    TimetableEntry,
)
from chatbot.school.school_channels import set_channel
from chatbot.settings import TIMEZONE, reset_settings
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.fakes.zalo_api import FakeZaloAPI

CHANNEL_VARIABLES = (
    "TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET", "TELEGRAM_API_BASE_URL", "TELEGRAM_BOT_USERNAME",
    "ZALO_APP_ID", "ZALO_APP_SECRET", "ZALO_OA_SECRET_KEY", "ZALO_ACCESS_TOKEN", "ZALO_REFRESH_TOKEN",
    "ZALO_API_BASE_URL", "ZALO_OAUTH_BASE_URL", "ZALO_BOT_TOKEN", "ZALO_BOT_WEBHOOK_SECRET",
    "ZALO_BOT_API_BASE_URL",
)
RATE = 20  # each fake bot's limit (messages a second), and the worker's setting


@dataclass
class DemoSchool:
    code: str
    school_id: int
    class_id: int
    teacher_id: int
    telegram: FakeTelegramAPI
    zalo: FakeZaloAPI
    students: list[int] = field(default_factory=list)

    @property
    def telegram_token(self) -> str:
        return self.telegram.token


def add_school(code: str, students: int, telegram: FakeTelegramAPI, zalo: FakeZaloAPI) -> DemoSchool:
    with session_scope() as session:
        school = School(code=code, name=f"Trường THCS {code}")
        session.add(school)
        session.flush()
        teacher = StaffMember(school_id=school.id, full_name=f"Cô chủ nhiệm {code}", role=StaffRole.TEACHER)
        session.add(teacher)
        session.flush()
        school_class = SchoolClass(school_id=school.id, grade=6, name="6A", homeroom_teacher_id=teacher.id)
        session.add(school_class)
        session.flush()
        demo = DemoSchool(code, school.id, school_class.id, teacher.id, telegram, zalo)
        for roll in range(1, students + 1):
            student = Student(class_id=school_class.id, roll_number=roll, full_name=f"Học sinh {code} {roll}")
            session.add(student)
            session.flush()
            demo.students.append(student.id)
        set_channel(session, school, "telegram", {
            "token": telegram.token, "api_base_url": telegram.base_url, "bot_username": f"{code}_bot",
            "webhook_secret": f"secret-of-{code}-0123456789",
        })
        set_channel(session, school, "zalo", {
            "app_id": zalo.app_id, "app_secret": zalo.app_secret, "oa_secret_key": f"oa-key-{code}",
            "access_token": "access-0", "refresh_token": "refresh-0", "api_base_url": zalo.url,
            "oauth_base_url": zalo.url,
        })
    return demo


def link_family(school: DemoSchool, student_id: int, channel: Channel, chat: str) -> int:
    """A family on ``school``'s own bot, linked to one of its students (as an invite would)."""
    with session_scope() as session:
        account = ChatAccount(channel=channel, external_id=f"{school.code}:{chat}", role=Role.PARENT)
        session.add(account)
        session.flush()
        session.add(AccountLink(account_id=account.id, student_id=student_id, role=Role.PARENT))
        return account.id


def first_lesson(school: DemoSchool, minutes: int = 10) -> datetime:
    """A lesson of 6A starting in ``minutes`` (its reminder is due now)."""
    starts = (datetime.now(TIMEZONE) + timedelta(minutes=minutes)).replace(second=0, microsecond=0)
    with session_scope() as session:
        ends = time(min(starts.hour + 1, 23), starts.minute)
        session.add(TimetableEntry(
            class_id=school.class_id, weekday=starts.weekday(), starts_at=starts.time(), ends_at=ends,
            subject="Toán",
        ))
    return starts


@pytest.fixture
def city_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """No deployment-wide bot; a secrets key; no quiet hours; the bots' limit :data:`RATE`."""
    for name in CHANNEL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    key = Fernet.generate_key().decode()
    monkeypatch.setenv("CHANNEL_SECRETS_KEY", key)
    monkeypatch.setenv("QUIET_HOURS_START", "00:00")
    monkeypatch.setenv("QUIET_HOURS_END", "00:00")
    monkeypatch.setenv("TELEGRAM_RATE_PER_SECOND", str(RATE))
    monkeypatch.setenv("ZALO_RATE_PER_SECOND", str(RATE))
    reset_settings()
    yield key
    reset_settings()


@pytest.fixture
def fake_bots() -> Iterator[dict[str, tuple[FakeTelegramAPI, FakeZaloAPI]]]:
    """Each school's own Telegram bot (limited to :data:`RATE` a second) and Zalo OA."""
    bots = {
        code: (
            FakeTelegramAPI(token=f"{n}00:{code}-token", rate_limit=RATE, retry_after=1).start(),
            FakeZaloAPI(app_id=f"app-{code}", app_secret=f"app-secret-{code}").start(),
        )
        for n, code in enumerate(("THCS-A", "THCS-B"), start=1)
    }
    yield bots
    for telegram, zalo in bots.values():
        telegram.stop()
        zalo.stop()
