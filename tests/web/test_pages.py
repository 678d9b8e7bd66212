"""Every page and form at once: roles reach only their pages, every POST needs the CSRF token,
and the unanswered questions and the audit log pages."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select
from starlette.routing import Route

from chatbot.db.base import Base
from chatbot.db.engine import session_scope
from chatbot.db.models import AuditEvent, School, SchoolClass, UnansweredMessage, WebRole
from chatbot.delivery.audience import Audience
from chatbot.delivery.notices import queue_notice
from chatbot.school.staff_accounts import find_by_username, issue_sign_in_link
from tests.web.conftest import ADMIN, OFFICE, OTHER_ADMIN, TEACHER_6A
from web.navigation import allowed_paths

ROLES = {OFFICE: WebRole.OFFICE, ADMIN: WebRole.ADMIN, TEACHER_6A: WebRole.TEACHER}
MENU_PATHS = [
    "/tong-quan",
    "/nhap-du-lieu",
    "/ma-moi",
    "/thong-bao",
    "/su-vu",
    "/bao-cao",
    "/cau-hoi",
    "/nhat-ky",
    "/bao-nghi",
    "/trao-doi",
    "/lien-he",
    "/kenh",
]
EXTRA_PAGES = {"/tai-khoan": set(WebRole), "/thong-bao/moi": {WebRole.ADMIN, WebRole.TEACHER}}


@pytest.mark.parametrize("username", list(ROLES))
def test_each_role_opens_exactly_its_pages(browser_for, username: str) -> None:
    browser = browser_for(username)
    allowed = set(allowed_paths(ROLES[username]))
    for path in MENU_PATHS:
        response = browser.get(path)
        assert response.status_code == (200 if path in allowed else 403), path
        if path not in allowed:
            assert "không có quyền" in response.text
    for path, roles in EXTRA_PAGES.items():
        assert browser.get(path).status_code == (200 if ROLES[username] in roles else 403), path


def _row_counts() -> dict[str, int]:
    with session_scope() as session:
        return {
            name: session.scalar(select(func.count()).select_from(table))
            for name, table in Base.metadata.tables.items()
            if name not in {"web_sessions"}
        }


def _post_urls() -> list[str]:
    """Every POST address of the app, with its path parameters filled with real ids."""
    from web.app import routes

    with session_scope() as session:
        school = session.scalar(select(School).where(School.code == "THCS-HOASEN"))
        six_a = session.scalar(
            select(SchoolClass).where(SchoolClass.school_id == school.id, SchoolClass.name == "6A")
        )
        queued = queue_notice(session, school, Audience(classes=("6A",)), "Thông báo thử", sender="test")
        link = issue_sign_in_link(session, find_by_username(session, TEACHER_6A)).rsplit("/", 1)[1]
        values = {
            "class_id": six_a.id,
            "student_id": six_a.students[0].id,
            "notice_id": queued.broadcast_id,
            "reference": "SC-2026-000101",
            "token": link,
        }
    urls = []
    for route in routes():
        if isinstance(route, Route) and "POST" in (route.methods or set()):
            path = route.path
            for name, value in values.items():
                path = path.replace(f"{{{name}}}", str(value)).replace(f"{{{name}:int}}", str(value))
            urls.append(path)
    return urls


def test_every_form_refuses_a_missing_or_wrong_csrf_token(browser_for) -> None:
    urls = _post_urls()
    assert len(urls) == 16  # the school channels page adds two (save, remove)
    admin = browser_for(ADMIN)
    admin.get("/dang-nhap")  # the sign-in forms check the token of their own cookie
    before = _row_counts()
    for url in urls:
        for token in (None, "sai-ma-bao-ve"):
            data = {
                "form_token": "abc",
                "note": "x",
                "role": "parent",
                "text": "x",
                "kind": "roster",
                "upload": "x",
                "current": "x",
                "new": "mat-khau-moi-1234",
                "again": "mat-khau-moi-1234",
            }
            if token:
                data["csrf_token"] = token
            response = admin.client.post(url, data=data, follow_redirects=False)
            assert response.status_code == 403, (url, token, response.status_code)
            assert "không hợp lệ" in response.text or "mở quá lâu" in response.text, url
    assert _row_counts() == before
    assert admin.get("/tong-quan").status_code == 200  # still signed in: sign-out refused too


def test_unanswered_questions_are_grouped_and_counted(browser_for) -> None:
    now = datetime.now(timezone.utc)
    with session_scope() as session:
        for text, hours in (
            ("Học phí tháng này bao nhiêu?", 1),
            ("hoc phi thang nay bao nhieu", 2),
            ("Học phí tháng này bao nhiêu?", 3),
            ("Trường có wifi không", 4),
            ("câu hỏi cũ", 24 * 40),
        ):
            session.add(
                UnansweredMessage(text=text, intent="out_of_scope", created_at=now - timedelta(hours=hours))
            )
    page = browser_for(ADMIN).get("/cau-hoi").text
    assert "4 tin nhắn trong 30 ngày qua" in page
    assert page.index("Học phí tháng này bao nhiêu?") < page.index("Trường có wifi không")
    assert (
        '<span class="count-pill">3</span>' in page and "Cách hỏi khác: hoc phi thang nay bao nhieu" in page
    )
    assert "câu hỏi cũ" not in page and "câu hỏi cũ" in browser_for(OFFICE).get("/cau-hoi?ngay=90").text


def test_the_audit_log_shows_a_school_only_its_own_events(browser_for) -> None:
    browser_for(OTHER_ADMIN)  # signs in: an event of Biển Xanh
    admin = browser_for(ADMIN)
    page = admin.get("/nhat-ky").text
    assert ADMIN in page and OTHER_ADMIN not in page and "Đăng nhập" in page
    office = browser_for(OFFICE).get("/nhat-ky").text
    assert ADMIN in office and OTHER_ADMIN in office
    with session_scope() as session:
        assert session.scalar(select(func.count(AuditEvent.id))) == 3


def test_the_office_changes_no_data_through_any_form(browser_for) -> None:
    own_account = {"/dang-nhap", "/dang-xuat", "/tai-khoan/mat-khau", "/tai-khoan/dang-xuat-moi-noi"}
    urls = [url for url in _post_urls() if url not in own_account and not url.startswith("/dang-nhap/")]
    office = browser_for(OFFICE)
    before = _row_counts()
    for url in urls:
        data = {
            "form_token": f"t-{url}",
            "note": "x",
            "role": "parent",
            "text": "Thông báo",
            "kind": "roster",
            "upload": "x",
            "scope": "school",
            "group": "parents",
        }
        response = office.post(url, data)
        assert response.status_code == 403, url
        assert "chỉ xem số liệu và báo cáo" in response.text or "không có quyền" in response.text, url
    assert _row_counts() == before
