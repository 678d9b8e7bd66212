"""The overview and a class's names: figures per class, charts, and who may see what."""

from __future__ import annotations

import re

from sqlalchemy import select

from chatbot.db.engine import session_scope
from chatbot.db.models import School, SchoolClass
from chatbot.school.status import class_statuses
from tests.web.conftest import ADMIN, OFFICE, OTHER_ADMIN, TEACHER_6A


def class_id(school_code: str, name: str) -> int:
    with session_scope() as session:
        return session.scalar(
            select(SchoolClass.id).join(School).where(School.code == school_code, SchoolClass.name == name)
        )


def school_id(code: str) -> int:
    with session_scope() as session:
        return session.scalar(select(School.id).where(School.code == code))


def test_the_admin_sees_every_class_with_the_figures_of_the_status_service(browser_for) -> None:
    page = browser_for(ADMIN).get("/tong-quan").text
    with session_scope() as session:
        school = session.scalar(select(School).where(School.code == "THCS-HOASEN"))
        statuses = class_statuses(session, school)
    for status in statuses:
        assert f'href="/lop/{status.class_id}?thieu=ket-noi"' in page or status.linked == status.total
        assert f">{status.linked}</a>" in page or f"{status.linked} <span" in page
    linked = sum(c.linked for c in statuses)
    assert f"{linked}/240 gia đình" in page
    assert page.count('class="bar ') == 16  # two charts, eight classes each
    assert "Biển Xanh" not in page and "Lê Bí Mật" not in page


def test_a_click_leads_to_the_names_of_those_missing(browser_for) -> None:
    six_a = class_id("THCS-HOASEN", "6A")
    page = browser_for(ADMIN).get(f"/lop/{six_a}?thieu=ket-noi").text
    with session_scope() as session:
        school = session.scalar(select(School).where(School.code == "THCS-HOASEN"))
        (status,) = class_statuses(session, school, class_name="6A")
    missing = [s.full_name for s in status.not_linked]
    assert missing and all(name in page for name in missing)
    linked_names = [s.full_name for s in status.students if s.linked]
    assert not any(f">{name}<" in page for name in linked_names)
    assert f"{len(missing)} học sinh chưa kết nối" in page


def test_a_teacher_sees_only_their_class(browser_for) -> None:
    browser = browser_for(TEACHER_6A)
    page = browser.get("/tong-quan").text
    assert re.findall(r'<th scope="row"><a href="/lop/\d+">(\w+)</a>', page) == ["6A"]
    assert browser.get(f"/lop/{class_id('THCS-HOASEN', '6A')}").status_code == 200
    other = browser.get(f"/lop/{class_id('THCS-HOASEN', '6B')}")
    assert other.status_code == 404 and "Không tìm thấy" in other.text
    assert browser.get(f"/lop/{class_id('THCS-BIENXANH', '6A')}").status_code == 404


def test_a_school_never_sees_another_school(browser_for) -> None:
    browser = browser_for(OTHER_ADMIN)
    page = browser.get("/tong-quan").text
    assert "Trường THCS Biển Xanh" in page and "Hoa Sen" not in page
    assert browser.get(f"/lop/{class_id('THCS-HOASEN', '6A')}").status_code == 404
    assert "Hoa Sen" not in browser.get(f"/tong-quan?truong={school_id('THCS-HOASEN')}").text


def test_the_office_sees_every_school_but_no_names(browser_for) -> None:
    browser = browser_for(OFFICE)
    page = browser.get("/tong-quan").text
    assert "Trường THCS Hoa Sen" in page and "Trường THCS Biển Xanh" in page
    school_page = browser.get(f"/tong-quan?truong={school_id('THCS-BIENXANH')}").text
    assert "Theo lớp" in school_page and "Lê Bí Mật" not in school_page and "/lop/" not in school_page
    assert browser.get(f"/lop/{class_id('THCS-BIENXANH', '6A')}").status_code == 403
    assert browser.get("/tong-quan?truong=99999").status_code == 404
    assert browser.get("/tong-quan?truong=abc").status_code == 404


def test_the_menu_shows_only_what_the_role_may_open(browser_for) -> None:
    teacher = browser_for(TEACHER_6A).get("/tong-quan").text
    assert 'href="/nhap-du-lieu"' not in teacher and 'href="/thong-bao"' in teacher
    office = browser_for(OFFICE).get("/tong-quan").text
    assert 'href="/thong-bao"' not in office and 'href="/bao-cao"' in office


def test_the_office_sees_each_school_s_incidents_and_handling_time(browser_for) -> None:
    page = browser_for(OFFICE).get("/tong-quan").text
    assert "Sự vụ năm học (đã xử lý)" in page and "Xử lý trong (giờ, trung vị)" in page
    assert "Kênh riêng" in page and ">chung<" in page  # no school has its own bot in the seed
