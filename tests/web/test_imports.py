"""Import from the browser: a dry run first, then all or nothing; bad files change nothing."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from chatbot.db.engine import session_scope
from chatbot.db.models import AuditEvent, School, SchoolClass, StaffUser, Student
from chatbot.settings import reset_settings
from tests.web.conftest import ADMIN, CSRF, FORM_TOKEN, OFFICE, OTHER_ADMIN, TEACHER_6A

HEADER = "Lớp,STT,Họ và tên,Ngày sinh,Giới tính\n"
ROSTER = HEADER + "6A,31,Đinh Văn Mới,01/02/2015,Nam\n6A,32,Lò Thị Mai,03/04/2015,Nữ\n"
BROKEN = HEADER + "6A,31,Đinh Văn Mới,31/02/2015,Nam\n6A,31,Lò Thị Mai,,Nữ\n"


def students_of_6a() -> int:
    with session_scope() as session:
        return session.scalar(
            select(func.count(Student.id))
            .join(SchoolClass)
            .join(School)
            .where(School.code == "THCS-HOASEN", SchoolClass.name == "6A")
        )


def upload(browser, content: bytes | str, name: str = "danh-sach.csv", kind: str = "roster", **fields):  # noqa: ANN001, ANN201
    data = {"kind": kind, "csrf_token": browser.csrf("/nhap-du-lieu"), **fields}
    body = content.encode("utf-8") if isinstance(content, str) else content
    return browser.client.post(
        "/nhap-du-lieu", data=data, files={"file": (name, body, "text/csv")}, follow_redirects=False
    )


def confirm(browser, page: str):  # noqa: ANN001, ANN201
    upload_token = re.search(r'name="upload" value="([^"]+)"', page).group(1)
    data = {
        "csrf_token": CSRF.search(page).group(1),
        "form_token": FORM_TOKEN.search(page).group(1),
        "upload": upload_token,
    }
    return browser.client.post("/nhap-du-lieu/xac-nhan", data=data, follow_redirects=False)


def test_an_error_names_its_row_and_column_and_nothing_is_imported(browser_for) -> None:
    browser = browser_for(ADMIN)
    response = upload(browser, BROKEN)
    assert response.status_code == 422
    page = response.text
    assert "có 2 lỗi cần sửa" in page and "Chưa có gì thay đổi" in page
    assert "Dòng 2, cột D (Ngày sinh)" in page and "Dòng 3, cột B (STT)" in page
    assert 'name="upload"' not in page
    assert students_of_6a() == 30


def test_the_dry_run_shows_the_changes_and_the_confirmation_imports_them_once(browser_for) -> None:
    browser = browser_for(ADMIN)
    checked = upload(browser, ROSTER)
    assert checked.status_code == 200, checked.text
    assert "Kiểm tra xong" in checked.text and "sẽ thêm mới" in checked.text
    assert students_of_6a() == 30  # the dry run wrote nothing
    done = confirm(browser, checked.text)
    assert done.status_code == 200 and "Đã nhập" in done.text
    assert students_of_6a() == 32
    again = confirm(browser, checked.text)  # the same form sent twice
    assert again.status_code == 409 and "đã được gửi rồi" in again.text
    assert students_of_6a() == 32
    with session_scope() as session:
        details = session.scalars(select(AuditEvent.detail).where(AuditEvent.action == "import")).all()
    assert details == ["Danh sách học sinh, danh-sach.csv: 2 dòng; thêm 2, cập nhật 0, bỏ 0"]


def test_a_dry_run_token_works_only_for_its_uploader(browser_for) -> None:
    checked = upload(browser_for(ADMIN), ROSTER).text
    other = browser_for(OTHER_ADMIN)
    page = other.get("/nhap-du-lieu").text
    stolen = checked.replace(CSRF.search(checked).group(1), CSRF.search(page).group(1))
    response = confirm(other, stolen)
    assert response.status_code == 410 and students_of_6a() == 30


@pytest.mark.parametrize(
    ("name", "content", "status", "message"),
    [
        ("bao-cao.pdf", b"%PDF-1.4", 415, "chỉ nhận tệp Excel (.xlsx) hoặc .csv"),
        ("danh-sach.xls", b"\xd0\xcf\x11\xe0", 422, "định dạng Excel cũ (.xls)"),
        ("danh-sach.xlsx", b"not a zip file", 422, "không mở được tệp Excel"),
        ("rong.csv", b"", 422, "tệp rỗng"),
    ],
)
def test_a_wrong_file_gets_a_clear_message(
    browser_for, name: str, content: bytes, status: int, message: str
) -> None:
    response = upload(browser_for(ADMIN), content, name)
    assert response.status_code == status
    assert message in response.text
    assert students_of_6a() == 30


def test_an_oversized_upload_is_refused_before_reading(browser_for, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEB_MAX_UPLOAD_MB", "1")
    reset_settings()
    browser = browser_for(ADMIN)
    big = ROSTER + "".join(f"6A,{n},Học Sinh Số {n},,Nam\n" for n in range(33, 60000))
    response = upload(browser, big)
    assert response.status_code == 413 and "Tệp quá lớn" in response.text
    assert students_of_6a() == 30


def test_a_class_option_fills_a_list_without_a_class_column(browser_for) -> None:
    browser = browser_for(ADMIN)
    checked = upload(browser, "STT,Họ và tên\n31,Đinh Văn Mới\n", class_name="6a")
    assert checked.status_code == 200 and "sẽ thêm mới" in checked.text
    assert confirm(browser, checked.text).status_code == 200
    assert students_of_6a() == 31


def test_importing_teachers_creates_accounts_without_passwords(browser_for) -> None:
    browser = browser_for(ADMIN)
    checked = upload(browser, "Họ và tên,Vai trò,Chủ nhiệm lớp\nNgô Thị Mới,Giáo viên,\n", kind="teachers")
    assert "Sẽ tạo tài khoản trang quản lý" in checked.text and "Ngô Thị Mới" in checked.text
    assert confirm(browser, checked.text).status_code == 200
    with session_scope() as session:
        user = session.scalar(select(StaffUser).where(StaffUser.full_name == "Ngô Thị Mới"))
    assert user is not None and user.password_hash is None and user.role.value == "teacher"
    assert user.username == "ngo.thi.moi"


@pytest.mark.parametrize("username", [TEACHER_6A, OFFICE])
def test_only_a_school_administrator_imports(browser_for, username: str) -> None:
    browser = browser_for(username)
    assert browser.get("/nhap-du-lieu").status_code == 403
    response = browser.client.post(
        "/nhap-du-lieu",
        data={"kind": "roster", "csrf_token": browser.csrf()},
        files={"file": ("a.csv", ROSTER.encode(), "text/csv")},
        follow_redirects=False,
    )
    assert response.status_code == 403 and students_of_6a() == 30
