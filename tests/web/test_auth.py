"""Sign-in, sessions, the rate limit, one-time links, sign-out everywhere, headers."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, update

from chatbot.db.engine import session_scope
from chatbot.db.models import AuditEvent, SignInLink, WebSession
from chatbot.school.staff_accounts import find_by_username, issue_sign_in_link
from tests.web.conftest import ADMIN, CSRF, PASSWORD, TEACHER_6A, sign_in


def sessions_of(username: str) -> int:
    with session_scope() as session:
        user = find_by_username(session, username)
        return session.scalar(select(func.count()).where(WebSession.user_id == user.id))


def test_sign_in_opens_a_session_with_a_safe_cookie(browser_for) -> None:
    browser = browser_for(None)
    response = sign_in(browser.client, ADMIN)
    assert response.status_code == 303 and response.headers["location"] == "/tong-quan"
    cookie = response.headers["set-cookie"]
    assert "lhat_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Tổng quan" in browser.get("/tong-quan").text
    with session_scope() as session:
        stored = session.scalars(select(WebSession.token_hash)).all()
        events = session.scalars(select(AuditEvent.action)).all()
    token = browser.client.cookies.get("lhat_session")
    assert token not in stored and len(stored) == 1  # only the hash is kept
    assert events == ["sign_in"]


def test_wrong_password_is_refused_in_vietnamese(browser_for) -> None:
    browser = browser_for(None)
    response = sign_in(browser.client, ADMIN, "sai-mat-khau-roi")
    assert response.status_code == 401
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in response.text
    assert sessions_of(ADMIN) == 0
    assert sign_in(browser.client, "khong-co-ai", PASSWORD).status_code == 401


def test_sign_in_without_the_form_token_is_refused(browser_for) -> None:
    browser = browser_for(None)
    browser.get("/dang-nhap")
    response = browser.client.post(
        "/dang-nhap", data={"username": ADMIN, "password": PASSWORD}, follow_redirects=False
    )
    assert response.status_code == 403 and sessions_of(ADMIN) == 0


def test_too_many_failures_lock_the_name_even_with_the_right_password(browser_for) -> None:
    browser = browser_for(None)
    for _ in range(5):
        assert sign_in(browser.client, ADMIN, "sai-mat-khau-roi").status_code == 401
    response = sign_in(browser.client, ADMIN)
    assert response.status_code == 429
    assert "Đăng nhập sai quá nhiều lần" in response.text
    assert sessions_of(ADMIN) == 0


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example", "/\\evil.example"])
def test_next_never_leaves_the_site(browser_for, target: str) -> None:
    browser = browser_for(None)
    page = browser.get("/dang-nhap", params={"next": target})
    token = CSRF.search(page.text).group(1)
    response = browser.client.post(
        "/dang-nhap",
        params={"next": target},
        follow_redirects=False,
        data={"username": ADMIN, "password": PASSWORD, "csrf_token": token},
    )
    assert response.headers["location"] == "/tong-quan"


def test_pages_need_a_session(browser_for) -> None:
    browser = browser_for(None)
    response = browser.get("/tong-quan", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/dang-nhap?next=")


def test_an_expired_session_asks_to_sign_in_again_and_changes_nothing(browser_for) -> None:
    browser = browser_for(ADMIN)
    token = browser.csrf()
    with session_scope() as session:
        long_ago = datetime.now(timezone.utc) - timedelta(hours=5)
        session.execute(update(WebSession).values(last_seen_at=long_ago))
    response = browser.client.post(
        "/tai-khoan/mat-khau",
        follow_redirects=False,
        data={
            "csrf_token": token,
            "current": PASSWORD,
            "new": "mot-mat-khau-moi-1",
            "again": "mot-mat-khau-moi-1",
        },
    )
    assert response.status_code == 401
    assert "Phiên đăng nhập đã hết hạn" in response.text
    assert sign_in(browser_for(None).client, ADMIN).status_code == 303  # the old password still works
    page = browser.get("/tong-quan", follow_redirects=False)
    assert page.status_code == 303 and "het-han=1" in page.headers["location"]


def test_sign_out_and_sign_out_everywhere(browser_for) -> None:
    first, second = browser_for(ADMIN), browser_for(ADMIN)
    assert sessions_of(ADMIN) == 2
    assert first.post("/dang-xuat").status_code == 303
    assert sessions_of(ADMIN) == 1
    third = browser_for(ADMIN)
    assert third.post("/tai-khoan/dang-xuat-moi-noi").status_code == 303
    assert sessions_of(ADMIN) == 0
    assert second.get("/tong-quan", follow_redirects=False).status_code == 303


def test_password_change_needs_the_current_password(browser_for) -> None:
    browser = browser_for(ADMIN)
    wrong = browser.post(
        "/tai-khoan/mat-khau",
        {"current": "khong-phai", "new": "mat-khau-moi-123", "again": "mat-khau-moi-123"},
    )
    assert wrong.status_code == 400 and "Mật khẩu hiện tại không đúng" in wrong.text
    short = browser.post("/tai-khoan/mat-khau", {"current": PASSWORD, "new": "ngan", "again": "ngan"})
    assert short.status_code == 400 and "ít nhất 10 ký tự" in short.text
    ok = browser.post(
        "/tai-khoan/mat-khau", {"current": PASSWORD, "new": "mat-khau-moi-123", "again": "mat-khau-moi-123"}
    )
    assert ok.status_code == 303
    assert sign_in(browser_for(None).client, ADMIN, "mat-khau-moi-123").status_code == 303


def _link_token(username: str) -> str:
    with session_scope() as session:
        url = issue_sign_in_link(session, find_by_username(session, username))
    return url.rsplit("/", 1)[1]


def test_a_sign_in_link_works_once(browser_for) -> None:
    token = _link_token(TEACHER_6A)
    browser = browser_for(None)
    page = browser.get(f"/dang-nhap/lien-ket/{token}")
    assert page.status_code == 200 and "Nguyễn Thị Lan" in page.text  # a link preview spends nothing
    assert browser.get(f"/dang-nhap/lien-ket/{token}").status_code == 200
    csrf = CSRF.search(page.text).group(1)
    response = browser.client.post(
        f"/dang-nhap/lien-ket/{token}", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert response.status_code == 303 and sessions_of(TEACHER_6A) == 1
    again = browser_for(None)
    assert again.get(f"/dang-nhap/lien-ket/{token}").status_code == 410
    page = again.get("/dang-nhap")
    csrf = CSRF.search(page.text).group(1)
    replay = again.client.post(
        f"/dang-nhap/lien-ket/{token}", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert replay.status_code == 410 and "đã được dùng" in replay.text
    assert sessions_of(TEACHER_6A) == 1


def test_an_expired_link_signs_no_one_in(browser_for) -> None:
    token = _link_token(TEACHER_6A)
    with session_scope() as session:
        past = datetime.now(timezone.utc) - timedelta(seconds=1)
        session.execute(update(SignInLink).values(expires_at=past))
    browser = browser_for(None)
    assert browser.get(f"/dang-nhap/lien-ket/{token}").status_code == 410
    assert browser.get("/dang-nhap/lien-ket/khong-ton-tai").status_code == 410


def test_every_answer_carries_the_security_headers(browser_for) -> None:
    browser = browser_for(ADMIN)
    for path in ("/dang-nhap", "/tong-quan", "/static/app.css"):
        headers = browser.get(path).headers
        assert "default-src 'self'" in headers["content-security-policy"]
        assert headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "no-referrer"
    assert browser.get("/tong-quan").headers["cache-control"] == "no-store"
