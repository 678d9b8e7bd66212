"""Fixtures of the web app tests: a demo-school database built once, copied per test, and
signed-in HTTP clients for each role.

The template database holds the demo school (Trường THCS Hoa Sen, 8 classes) with families
linked (``tests.web.seed``), two reports, and a second school (Trường THCS Biển Xanh) whose
data no account of the first may ever see.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from chatbot.db.engine import reset_engine, session_scope
from chatbot.db.migrate import upgrade_database
from chatbot.db.models import (
    Channel,
    IncidentKind,
    School,
    SchoolClass,
    StaffMember,
    StaffRole,
    Student,
    WebRole,
)
from chatbot.school.demo import DEMO_OFFICE_USERNAME, load_demo
from chatbot.school.staff_accounts import (
    account_of_staff_member,
    create_account,
    find_by_username,
    set_password,
)
from chatbot.settings import reset_settings
from tests.web.seed import add_report, link_family, seed_families

PASSWORD = "mat-khau-thu-nghiem-1"
OFFICE = DEMO_OFFICE_USERNAME
ADMIN = "trinh.van.quang@thcshoasen.edu.vn"
TEACHER_6A = "nguyen.thi.lan@thcshoasen.edu.vn"
TEACHER_6B = "tran.van.hung@thcshoasen.edu.vn"
OTHER_ADMIN = "quantri.bienxanh"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
FORM_TOKEN = re.compile(r'name="form_token" value="([^"]+)"')


def _build_template(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.setenv("CHATBOT_DATA_DIR", str(path.parent))
    reset_settings()
    reset_engine()
    upgrade_database()
    with session_scope() as session:
        result = load_demo(session, with_invites=False)
        assert result.logins
        school = session.scalar(select(School).where(School.code == "THCS-HOASEN"))
        seed_families(session, school.id)
        add_report(
            session,
            school.id,
            "6A",
            IncidentKind.STRANGER,
            "Có người lạ tên “abc” vào lớp Toán và bật micro.",
            "SC-2026-000101",
        )
        parent_7b = session.scalar(
            select(Student)
            .join(SchoolClass)
            .where(SchoolClass.school_id == school.id, SchoolClass.name == "7B", Student.roll_number == 1)
        )
        add_report(
            session,
            school.id,
            "7B",
            IncidentKind.SCAM,
            "Có người gọi điện xưng là cán bộ Phòng GD bán tài liệu ôn thi.",
            "SC-2026-000102",
            account=parent_7b
            and link_family(session, parent_7b, Channel.ZALO, "zalo-reporter-7b", acknowledged=True),
        )
        for username in (OFFICE, ADMIN, TEACHER_6A, TEACHER_6B):
            set_password(find_by_username(session, username), PASSWORD)
        other = School(code="THCS-BIENXANH", name="Trường THCS Biển Xanh")
        session.add(other)
        session.flush()
        teacher = StaffMember(school_id=other.id, full_name="Hoàng Văn Biển", role=StaffRole.TEACHER)
        session.add(teacher)
        session.flush()
        other_class = SchoolClass(school_id=other.id, grade=6, name="6A", homeroom_teacher_id=teacher.id)
        session.add(other_class)
        session.flush()
        secret_student = Student(class_id=other_class.id, roll_number=1, full_name="Lê Bí Mật")
        session.add(secret_student)
        session.flush()
        link_family(session, secret_student, Channel.ZALO, "zalo-bienxanh-1", acknowledged=True)
        add_report(
            session, other.id, "6A", IncidentKind.HARASSMENT, "Báo cáo riêng của Biển Xanh.", "SC-2026-000201"
        )
        create_account(
            session,
            username=OTHER_ADMIN,
            full_name="Quản trị Biển Xanh",
            role=WebRole.ADMIN,
            school=other,
            password=PASSWORD,
        )
        create_account(
            session,
            username="gv.bienxanh",
            full_name="Hoàng Văn Biển",
            role=WebRole.TEACHER,
            school=other,
            staff_member=teacher,
            password=PASSWORD,
        )
        assert account_of_staff_member(session, teacher.id) is not None
    reset_engine()


@pytest.fixture(scope="session")
def web_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("web-template") / "template.sqlite3"
    with pytest.MonkeyPatch.context() as monkeypatch:
        _build_template(path, monkeypatch)
    reset_settings()
    return path


@pytest.fixture
def web_db(web_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh copy of the template database for one test; yields its URL."""
    target = tmp_path / "web.sqlite3"
    shutil.copyfile(web_template, target)
    url = f"sqlite:///{target}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("CHATBOT_DATA_DIR", str(tmp_path))
    reset_settings()
    reset_engine()
    yield url
    reset_engine()
    reset_settings()


@dataclass
class Browser:
    """A TestClient with helpers to fill in forms like a browser would."""

    client: TestClient

    def get(self, url: str, **kwargs):  # noqa: ANN201
        return self.client.get(url, **kwargs)

    def csrf(self, url: str = "/tai-khoan") -> str:
        return CSRF.search(self.client.get(url).text).group(1)

    def form_tokens(self, url: str) -> tuple[str, str]:
        page = self.client.get(url).text
        return CSRF.search(page).group(1), FORM_TOKEN.search(page).group(1)

    def post(
        self,
        url: str,
        data: dict | None = None,
        *,
        page: str = "/tai-khoan",
        csrf: bool = True,
        once: bool = False,
        **kwargs,
    ):  # noqa: ANN201
        data = dict(data or {})
        if once:
            data["csrf_token"], data["form_token"] = self.form_tokens(page)
        elif csrf:
            data["csrf_token"] = self.csrf(page)
        return self.client.post(url, data=data, follow_redirects=False, **kwargs)


def sign_in(client: TestClient, username: str, password: str = PASSWORD):  # noqa: ANN201
    page = client.get("/dang-nhap")
    token = CSRF.search(page.text).group(1)
    return client.post(
        "/dang-nhap",
        data={"username": username, "password": password, "csrf_token": token},
        follow_redirects=False,
    )


@pytest.fixture
def app(web_db: str):  # noqa: ANN201
    from web.app import create_app

    return create_app()


@pytest.fixture
def browser_for(app) -> Iterator[Callable[[str], Browser]]:  # noqa: ANN001
    """``browser_for(username)``: a client signed in as that account."""
    clients: list[TestClient] = []

    def make(username: str | None) -> Browser:
        client = TestClient(app, base_url="http://testserver")
        clients.append(client)
        if username is not None:
            response = sign_in(client, username)
            assert response.status_code == 303, response.text
        return Browser(client)

    yield make
    for client in clients:
        client.close()
