"""The staff guide's journeys in a real browser (Chromium, headless), on desktop and phone.

Sign in, read the overview and click through to the names, import a roster with an error
then the fixed file, print invites, send a notice that reaches the fake Telegram and Zalo
APIs and collects "Đã nhận", handle a report, download both report files and open them.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

from docx import Document
from openpyxl import load_workbook
from playwright.sync_api import expect
from sqlalchemy import func, select

from chatbot.db.models import (
    Broadcast,
    ChatAccount,
    Delivery,
    IncidentReport,
    IncidentStatus,
    SchoolClass,
    Student,
)
from chatbot.delivery.receipts import acknowledge
from tests.web.conftest import ADMIN, OFFICE, TEACHER_6A
from tests.web.e2e.conftest import e2e_session, run_worker

ROSTER_HEADER = "Lớp,STT,Họ và tên,Ngày sinh,Giới tính\n"
BROKEN = ROSTER_HEADER + "6B,31,Đinh Văn Mới,31/02/2015,Nam\n6B,31,Lò Thị Mai,,Nữ\n"
FIXED = ROSTER_HEADER + "6B,31,Đinh Văn Mới,28/02/2015,Nam\n6B,32,Lò Thị Mai,,Nữ\n"
NOTICE = (
    "Thứ Bảy này lớp 7A học bù Toán lúc 14:00, link phòng học như thường lệ. "
    "Quý phụ huynh nhắc các con vào đúng giờ."
)


def fits_the_screen(page) -> bool:  # noqa: ANN001
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_sign_in_and_click_through_to_the_families_missing(open_page, shot) -> None:  # noqa: ANN001
    page = open_page(None)
    page.goto("/tong-quan")
    assert "/dang-nhap" in page.url
    shot(page, "01-dang-nhap")
    page.fill("input[name=username]", ADMIN)
    page.fill("input[name=password]", "sai-mat-khau-roi")
    page.click("button[type=submit]")
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in page.inner_text(".alert")
    page = open_page(ADMIN)
    assert page.inner_text("h1") == "Tổng quan"
    assert page.locator("figure.chart svg .bar").count() == 16
    shot(page, "02-tong-quan")
    page.locator("#chart-linked-title + svg a").first.click()  # the 6A bar
    page.wait_for_url("**/lop/*?thieu=ket-noi")
    assert "chưa kết nối" in page.inner_text("h1")
    rows = page.locator("table.data tbody tr")
    assert rows.count() == 3
    shot(page, "03-lop-chua-ket-noi")


def test_import_a_roster_with_an_error_then_the_fixed_file(open_page, shot, site) -> None:  # noqa: ANN001
    page = open_page(ADMIN)
    page.click("nav.menu >> text=Nhập dữ liệu")
    page.check("input[name=kind][value=roster]")
    page.set_input_files(
        "input[name=file]",
        files=[{"name": "danh-sach-6B.csv", "mimeType": "text/csv", "buffer": BROKEN.encode("utf-8")}],
    )
    page.click("text=Kiểm tra tệp")
    problems = page.locator("ol.problems li").all_inner_texts()
    assert len(problems) == 2 and problems[0].startswith("Dòng 2, cột D (Ngày sinh): “31/02/2015”")
    assert problems[1] == "Dòng 3, cột B (STT): STT 31 của lớp 6B trùng với dòng 2"
    shot(page, "04-nhap-du-lieu-loi")
    page.set_input_files(
        "input[name=file]",
        files=[{"name": "danh-sach-6B.csv", "mimeType": "text/csv", "buffer": FIXED.encode("utf-8")}],
    )
    page.click("text=Kiểm tra tệp")
    assert "Kiểm tra xong" in page.inner_text("#ket-qua h2")
    shot(page, "05-nhap-du-lieu-kiem-tra")
    with e2e_session(site) as session:
        before = session.scalar(
            select(func.count(Student.id)).join(SchoolClass).where(SchoolClass.name == "6B")
        )
    page.click("text=Nhập 2 dòng này")
    assert "Đã nhập" in page.inner_text("#ket-qua h2")
    with e2e_session(site) as session:
        after = session.scalar(
            select(func.count(Student.id)).join(SchoolClass).where(SchoolClass.name == "6B")
        )
    assert after == before + 2


def test_print_the_invites_of_a_class(open_page, shot) -> None:  # noqa: ANN001
    page = open_page(TEACHER_6A)
    page.click("nav.menu >> text=Mã mời")
    page.click("table.data >> text=6A")
    shot(page, "06-ma-moi-lop")
    waiting = int(re.search(r"In thẻ cho (\d+) gia đình", page.inner_text(".card .actions")).group(1))
    with page.expect_popup() as popup:
        page.click("text=/In thẻ cho \\d+ gia đình/")
    sheet = popup.value
    sheet.wait_for_load_state()
    codes = sheet.locator(".card .code").all_inner_texts()
    assert len(codes) == waiting and all(re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}", c) for c in codes)
    assert "Tên hiển thị khi vào lớp học trực tuyến" in sheet.inner_text("body")
    shot(sheet, "07-the-ma-moi")
    page.wait_for_load_state()
    page.reload()
    assert "In thẻ cho 0 gia đình" in page.inner_text(".card .actions")


def test_send_a_notice_that_reaches_telegram_and_zalo_with_receipts(open_page, shot, site) -> None:  # noqa: ANN001
    page = open_page(ADMIN)
    page.click("nav.menu >> text=Thông báo")
    page.click("text=Soạn thông báo")
    page.fill("textarea[name=text]", NOTICE)
    page.check("input[name=scope][value=class]")
    page.locator("label", has_text=re.compile(r"^\s*7A\s*$")).locator("input").check()
    page.uncheck("input[name=group][value=students]")
    shot(page, "08-soan-thong-bao")
    page.click("text=Xem trước")
    total = int(page.inner_text("#reach-total"))
    assert page.locator(".phone.telegram .tg-button").inner_text() == "Đã nhận"
    assert page.locator(".phone.zalo .bubble").first.inner_text().startswith(NOTICE)
    shot(page, "09-xem-truoc-thong-bao")
    page.click("text=/Gửi cho \\d+ tài khoản/")
    page.wait_for_url(re.compile(r".*/thong-bao/\d+$"))
    assert f"cho {total} tài khoản" in page.inner_text(".flash")
    notice_id = int(page.url.rsplit("/", 1)[1])

    result = run_worker(site)
    assert result.returncode == 0, result.stderr[-3000:]
    with e2e_session(site) as session:
        deliveries = session.execute(
            select(Delivery.id, Delivery.status, ChatAccount.channel, ChatAccount.external_id)
            .join(ChatAccount, ChatAccount.id == Delivery.account_id)
            .where(Delivery.broadcast_id == notice_id)
        ).all()
    assert len(deliveries) == total and {d.status.value for d in deliveries} == {"sent"}
    telegram = [d.external_id for d in deliveries if d.channel.value == "telegram"]
    zalo = [d.external_id for d in deliveries if d.channel.value == "zalo"]
    assert telegram and zalo
    assert all(NOTICE in site.fakes.telegram.sent_texts(chat) for chat in telegram)
    assert all(any(m.get("text") == NOTICE for m in site.fakes.zalo.sent(user)) for user in zalo)

    expect(page.locator("#total-sent")).to_have_text(str(total), timeout=15_000)
    with e2e_session(site) as session:
        for delivery in deliveries[:2]:
            assert (
                acknowledge(session, delivery.id, delivery.channel.value, delivery.external_id).value
                == "recorded"
            )
    expect(page.locator("#total-ack")).to_have_text("2", timeout=15_000)  # live, no reload
    assert page.inner_text("#lop-7A-ack") == "2"
    shot(page, "10-tien-do-thong-bao")


def test_handle_a_report_and_the_reporter_is_told(open_page, shot, site) -> None:  # noqa: ANN001
    page = open_page(ADMIN)
    page.click("nav.menu >> text=Sự vụ")
    shot(page, "11-su-vu")
    page.click("text=SC-2026-000102")
    page.fill("textarea[name=note]", "Đã nhắc phụ huynh không chuyển tiền, báo Công an phường.")
    shot(page, "12-xu-ly-su-vu")
    page.click("text=Đánh dấu đã xử lý")
    assert "Người báo cáo sẽ nhận được thông báo" in page.inner_text(".flash")
    with e2e_session(site) as session:
        report = session.scalar(select(IncidentReport).where(IncidentReport.reference == "SC-2026-000102"))
        told = session.scalar(
            select(Broadcast).where(Broadcast.idempotency_key == "incident-handled:SC-2026-000102")
        )
    assert report.status is IncidentStatus.HANDLED and told is not None


def test_download_both_report_files_and_open_them(open_page, shot) -> None:  # noqa: ANN001
    page = open_page(ADMIN)
    page.click("nav.menu >> text=Báo cáo")
    page.fill("input[name=tu]", "2026-09-05")
    page.fill("input[name=den]", "2026-12-31")
    page.click("summary >> text=Thông tin văn bản Word")
    page.fill("input[name=so]", "12")
    page.fill("input[name=nguoi-ky]", "Trịnh Văn Quang")
    shot(page, "13-bao-cao")
    with page.expect_download() as download:
        page.click("text=Tải bảng số liệu Excel")
    workbook = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert download.value.suggested_filename == "bao-cao-THCS-HOASEN-20260905-20261231.xlsx"
    assert workbook["Tổng hợp"]["B2"].value == "Trường THCS Hoa Sen"
    assert len(workbook["Kết nối theo lớp"]._charts) == 1
    with page.expect_download() as download:
        page.click("text=Tải văn bản Word")
    document = Document(download.value.path())
    header = document.tables[0].rows[0].cells
    assert "Số: 12/BC-THCSHOASEN" in header[0].text and "Độc lập - Tự do - Hạnh phúc" in header[1].text
    assert "Trịnh Văn Quang" in document.tables[-1].rows[0].cells[1].text


def test_a_teacher_on_a_phone(open_page, shot) -> None:  # noqa: ANN001
    page = open_page(TEACHER_6A, phone=True)
    assert fits_the_screen(page)
    assert page.locator("table.data tbody tr").count() == 1  # only 6A
    shot(page, "14-dien-thoai-tong-quan")
    page.goto("/thong-bao/moi")
    assert fits_the_screen(page)
    page.fill("textarea[name=text]", "Chiều nay lớp 6A nghỉ tiết 4, các con về sớm.")
    page.check("input[name=class_id]")
    page.click("text=Xem trước")
    assert fits_the_screen(page)
    shot(page, "15-dien-thoai-xem-truoc")
    page.goto("/su-vu")
    assert fits_the_screen(page) and "SC-2026-000101" in page.inner_text("table")
    shot(page, "16-dien-thoai-su-vu")


def test_the_office_sees_the_city(open_page, shot) -> None:  # noqa: ANN001
    page = open_page(OFFICE)
    assert "Tổng quan các trường" in page.inner_text("h1")
    assert page.locator("#chart-schools-title + svg .bar").count() == 2
    shot(page, "17-phong-gddt")
    page.goto("/cau-hoi")
    shot(page, "18-cau-hoi")
    page.goto("/nhat-ky")
    assert ADMIN in page.inner_text("table")
    shot(page, "19-nhat-ky")


def test_the_family_pages_and_the_school_bots_page_on_a_desktop_and_a_phone(open_page, shot) -> None:  # noqa: ANN001
    headings = {
        "/bao-nghi": "Báo nghỉ",
        "/trao-doi": "Trao đổi giữa gia đình và giáo viên chủ nhiệm",
        "/lien-he": "Liên hệ chính thức",
        "/kenh": "Kênh riêng của trường",
    }
    names = {"/bao-nghi": "bao-nghi", "/trao-doi": "trao-doi", "/lien-he": "lien-he", "/kenh": "kenh"}
    for number, phone in ((20, False), (24, True)):
        page = open_page(ADMIN, phone=phone)
        for offset, (path, heading) in enumerate(headings.items()):
            page.goto(path)
            assert heading in page.inner_text("h1"), path
            if phone:
                assert fits_the_screen(page), path
            shot(page, f"{number + offset}-{'dien-thoai-' if phone else ''}{names[path]}")
    teacher = open_page(TEACHER_6A, phone=True)
    teacher.goto("/kenh")
    assert "Kênh riêng của trường" not in teacher.content()  # the school's bots: administrators only
