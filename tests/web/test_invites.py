"""Invite sheets from the browser: print a class, regenerate or revoke one family's code."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from chatbot.db.engine import session_scope
from chatbot.db.models import AuditEvent, InviteCode, School, SchoolClass, Student
from chatbot.school.invites import check_code
from tests.web.conftest import ADMIN, CSRF, FORM_TOKEN, OFFICE, TEACHER_6A

CODE = re.compile(r'<div class="code">([A-Z2-9]{4}-[A-Z2-9]{4})</div>')


def ids(class_name: str, roll: int | None = None) -> tuple[int, int | None]:
    with session_scope() as session:
        school_class = session.scalar(
            select(SchoolClass)
            .join(School)
            .where(School.code == "THCS-HOASEN", SchoolClass.name == class_name)
        )
        student = next((s.id for s in school_class.students if s.roll_number == roll), None)
        return school_class.id, student


def post_form(browser, page_url: str, action: str, extra: dict | None = None):  # noqa: ANN001, ANN201
    page = browser.get(page_url).text
    data = {
        "csrf_token": CSRF.search(page).group(1),
        "form_token": FORM_TOKEN.search(page).group(1),
        **(extra or {}),
    }
    return browser.client.post(action, data=data, follow_redirects=False), data


def usable(code: str) -> bool:
    with session_scope() as session:
        return check_code(session, code).problem is None


def test_printing_a_class_gives_a_card_per_family_without_a_code(browser_for) -> None:
    browser = browser_for(ADMIN)
    class_id, _ = ids("6A")
    page = browser.get(f"/ma-moi/lop/{class_id}").text
    waiting = int(re.search(r"In thẻ cho (\d+) gia đình chưa có mã", page).group(1))
    assert waiting == 3  # 27 of 30 families linked in the seed
    response, data = post_form(
        browser, f"/ma-moi/lop/{class_id}", f"/ma-moi/lop/{class_id}/tao", {"role": "parent"}
    )
    assert response.status_code == 200
    codes = CODE.findall(response.text)
    assert len(codes) == 3 and all(usable(code) for code in codes)
    assert "Tên hiển thị khi vào lớp học trực tuyến" in response.text
    assert response.headers["cache-control"] == "no-store"
    assert "style-src 'unsafe-inline'" in response.headers["content-security-policy"]
    again = browser.client.post(f"/ma-moi/lop/{class_id}/tao", data=data, follow_redirects=False)
    assert again.status_code == 409 and not CODE.findall(again.text)
    with session_scope() as session:
        assert session.scalar(select(func.count(InviteCode.id))) == 3
        assert session.scalars(
            select(AuditEvent.detail).where(AuditEvent.action == "invites_issued")
        ).all() == ["Lớp 6A, phụ huynh: 3 mã, huỷ 0"]


def test_nothing_new_to_print_says_why(browser_for) -> None:
    browser = browser_for(ADMIN)
    class_id, _ = ids("9A")  # every family linked
    response, _ = post_form(
        browser, f"/ma-moi/lop/{class_id}", f"/ma-moi/lop/{class_id}/tao", {"role": "parent"}
    )
    assert response.status_code == 303
    assert "Không có mã mới nào" in browser.get(response.headers["location"]).text


def test_regenerating_one_family_replaces_its_code(browser_for) -> None:
    browser = browser_for(TEACHER_6A)
    class_id, student_id = ids("6A", 30)
    first, _ = post_form(
        browser, f"/ma-moi/lop/{class_id}", f"/ma-moi/lop/{class_id}/hoc-sinh/{student_id}/cap-lai"
    )
    (old,) = CODE.findall(first.text)
    second, _ = post_form(
        browser, f"/ma-moi/lop/{class_id}", f"/ma-moi/lop/{class_id}/hoc-sinh/{student_id}/cap-lai"
    )
    (new,) = CODE.findall(second.text)
    assert old != new and not usable(old) and usable(new)
    revoke = browser.post(f"/ma-moi/lop/{class_id}/hoc-sinh/{student_id}/huy")
    assert revoke.status_code == 303 and not usable(new)


def test_a_teacher_cannot_touch_another_class(browser_for) -> None:
    browser = browser_for(TEACHER_6A)
    class_id, student_id = ids("6B", 1)
    six_a, _ = ids("6A")
    assert browser.get(f"/ma-moi/lop/{class_id}").status_code == 404
    response, _ = post_form(
        browser, f"/ma-moi/lop/{six_a}", f"/ma-moi/lop/{class_id}/tao", {"role": "parent"}
    )
    assert response.status_code == 404
    response, _ = post_form(
        browser, f"/ma-moi/lop/{six_a}", f"/ma-moi/lop/{six_a}/hoc-sinh/{student_id}/cap-lai"
    )
    assert response.status_code == 404  # a 6B student through the 6A address
    with session_scope() as session:
        assert session.scalar(select(func.count(InviteCode.id))) == 0
    assert 'href="/ma-moi/lop/' + str(class_id) + '"' not in browser.get("/ma-moi").text


def test_the_office_prints_nothing(browser_for) -> None:
    browser = browser_for(OFFICE)
    class_id, _ = ids("6A")
    assert browser.get("/ma-moi").status_code == 403
    response = browser.post(f"/ma-moi/lop/{class_id}/tao", {"role": "parent", "form_token": "x"})
    assert response.status_code == 403


@pytest.mark.parametrize("role", ["", "staff", "boss"])
def test_an_unknown_role_is_refused(browser_for, role: str) -> None:
    browser = browser_for(ADMIN)
    class_id, _ = ids("6A")
    response, _ = post_form(browser, f"/ma-moi/lop/{class_id}", f"/ma-moi/lop/{class_id}/tao", {"role": role})
    assert response.status_code == 400 and "Hãy chọn mã dành cho ai" in response.text
    with session_scope() as session:
        assert session.scalar(select(func.count(InviteCode.id))) == 0
        assert session.scalar(select(func.count(Student.id))) == 241
