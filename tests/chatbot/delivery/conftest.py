"""Fixtures of the delivery tests: a small school with linked accounts, and a scripted sender."""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import time

import pytest
from sqlalchemy.orm import Session

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
from chatbot.delivery.limits import ChannelLimiter, PerChatSpacer, Spacer
from chatbot.delivery.outbound import OutboundMessage, SendResult
from chatbot.settings import reset_settings
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.fakes.zalo_api import FakeZaloAPI
from tests.fakes.zalo_bot_api import FakeZaloBotAPI


@dataclass
class SchoolData:
    """Ids of what :func:`make_school` created."""

    school_id: int
    code: str
    classes: dict[str, int] = field(default_factory=dict)
    students: dict[tuple[str, int], int] = field(default_factory=dict)
    accounts: dict[str, int] = field(default_factory=dict)
    staff: dict[str, int] = field(default_factory=dict)
    entries: dict[str, int] = field(default_factory=dict)


def add_account(
    session: Session,
    external_id: str,
    student_ids: Iterable[int] = (),
    channel: Channel = Channel.TELEGRAM,
    role: Role = Role.PARENT,
    active: bool = True,
    staff_member_id: int | None = None,
) -> int:
    account = ChatAccount(
        channel=channel, external_id=external_id, role=role, active=active,
        staff_member_id=staff_member_id,
    )
    session.add(account)
    session.flush()
    for student_id in student_ids:
        session.add(AccountLink(account_id=account.id, student_id=student_id, role=role))
    session.flush()
    return account.id


def make_school(
    code: str = "HS",
    classes: dict[str, int] | None = None,
    students_per_class: int = 3,
) -> SchoolData:
    """A school with classes, students, one parent account per student (``p-<class>-<roll>``),
    a homeroom teacher of 6A with a Telegram account, and a staff member."""
    classes = classes or {"6A": 6, "6B": 6, "7A": 7}
    with session_scope() as session:
        school = School(code=code, name=f"Trường THCS {code}")
        session.add(school)
        session.flush()
        data = SchoolData(school.id, code)
        teacher = StaffMember(school_id=school.id, full_name="Nguyễn Thị Lan", role=StaffRole.TEACHER)
        head = StaffMember(school_id=school.id, full_name="Trịnh Văn Quang", role=StaffRole.STAFF)
        session.add_all([teacher, head])
        session.flush()
        data.staff = {"teacher": teacher.id, "head": head.id}
        for name, grade in classes.items():
            school_class = SchoolClass(
                school_id=school.id, grade=grade, name=name,
                homeroom_teacher_id=teacher.id if name == "6A" else None,
            )
            session.add(school_class)
            session.flush()
            data.classes[name] = school_class.id
            for roll in range(1, students_per_class + 1):
                student = Student(class_id=school_class.id, roll_number=roll, full_name=f"HS {name} {roll}")
                session.add(student)
                session.flush()
                data.students[(name, roll)] = student.id
                data.accounts[f"p-{name}-{roll}"] = add_account(
                    session, f"p-{name}-{roll}", [student.id]
                )
        data.accounts["teacher"] = add_account(
            session, "t-lan", role=Role.TEACHER, staff_member_id=teacher.id
        )
        data.accounts["head"] = add_account(
            session, "t-quang", role=Role.STAFF, staff_member_id=head.id
        )
    return data


def add_entry(class_id: int, weekday: int, starts: time, subject: str = "Toán") -> int:
    with session_scope() as session:
        ends = time(starts.hour + 1 if starts.hour < 23 else 23, starts.minute)
        entry = TimetableEntry(
            class_id=class_id, weekday=weekday, starts_at=starts, ends_at=ends, subject=subject
        )
        session.add(entry)
        session.flush()
        return entry.id


class ScriptedSender:
    """A :class:`~chatbot.delivery.outbound.Sender` whose answers tests script per chat."""

    def __init__(self, channel: str = "telegram") -> None:
        self.channel = channel
        self.sent: list[tuple[str, OutboundMessage]] = []
        self.calls: list[str] = []
        self.script: dict[str, deque[SendResult]] = defaultdict(deque)

    def answer(self, external_id: str, *results: SendResult) -> None:
        self.script[external_id].extend(results)

    async def send(self, external_id: str, message: OutboundMessage) -> SendResult:
        self.calls.append(external_id)
        queue = self.script.get(external_id)
        result = queue.popleft() if queue else SendResult.delivered()
        if result.ok:
            self.sent.append((external_id, message))
        return result

    def delivered_to(self) -> list[str]:
        return [external_id for external_id, _ in self.sent]

    async def aclose(self) -> None:
        return None


def fast_limiters(*channels: str) -> dict[str, ChannelLimiter]:
    """Limits high enough not to slow tests, and no pause after a 429."""
    return {
        channel: ChannelLimiter(Spacer(10_000), PerChatSpacer(10_000), max_pause=0)
        for channel in channels
    }


@pytest.fixture
def school(db: str) -> SchoolData:
    return make_school()


@pytest.fixture
def any_school(any_db: str) -> SchoolData:
    return make_school()


TELEGRAM_TOKEN = "123456:TEST-delivery-token"
ZALO_BOT_TOKEN = "zbot-42:TEST-delivery"


@dataclass
class Fakes:
    telegram: FakeTelegramAPI
    zalo: FakeZaloAPI
    zalo_bot: FakeZaloBotAPI

    def env(self) -> dict[str, str]:
        return {
            "TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN,
            "TELEGRAM_API_BASE_URL": self.telegram.base_url,
            "ZALO_APP_ID": self.zalo.app_id,
            "ZALO_APP_SECRET": self.zalo.app_secret,
            "ZALO_OA_SECRET_KEY": "oa-secret",
            "ZALO_ACCESS_TOKEN": "access-0",
            "ZALO_REFRESH_TOKEN": "refresh-0",
            "ZALO_API_BASE_URL": self.zalo.url,
            "ZALO_OAUTH_BASE_URL": self.zalo.url,
            "ZALO_ZNS_BASE_URL": self.zalo.url,
            "ZALO_BOT_TOKEN": ZALO_BOT_TOKEN,
            "ZALO_BOT_API_BASE_URL": self.zalo_bot.base_url,
            "QUIET_HOURS_START": "00:00",  # the test must not depend on the time of day
            "QUIET_HOURS_END": "00:00",
        }


@pytest.fixture
def fakes(db: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Fakes]:
    servers = Fakes(
        FakeTelegramAPI(token=TELEGRAM_TOKEN).start(),
        FakeZaloAPI().start(),
        FakeZaloBotAPI(token=ZALO_BOT_TOKEN).start(),
    )
    for name, value in servers.env().items():
        monkeypatch.setenv(name, value)
    reset_settings()
    yield servers
    for server in (servers.telegram, servers.zalo, servers.zalo_bot):
        server.stop()
    reset_settings()
