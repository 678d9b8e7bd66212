"""Notices from the browser: preview per channel, send once, schedule, cancel, watch progress."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from chatbot.db.engine import session_scope
from chatbot.db.models import AuditEvent, Broadcast, ChatAccount, Delivery, School, SchoolClass
from chatbot.delivery.audience import Audience, recipients
from chatbot.settings import TIMEZONE
from tests.web.conftest import ADMIN, CSRF, FORM_TOKEN, OFFICE, OTHER_ADMIN, TEACHER_6A

TEXT = "Thứ Bảy lớp học bù Toán lúc 14:00, link như thường lệ."


def class_id(name: str, code: str = "THCS-HOASEN") -> str:
    with session_scope() as session:
        return str(
            session.scalar(
                select(SchoolClass.id).join(School).where(School.code == code, SchoolClass.name == name)
            )
        )


def broadcasts() -> int:
    with session_scope() as session:
        return session.scalar(select(func.count(Broadcast.id)))


def form(**overrides) -> dict:  # noqa: ANN003
    data = {
        "text": TEXT,
        "scope": "class",
        "class_id": [class_id("6A")],
        "group": ["parents", "students"],
        "ask_receipt": "1",
        "when": "now",
        "send_at": "",
    }
    data.update(overrides)
    return data


def preview(browser, data: dict):  # noqa: ANN001, ANN201
    data = {**data, "csrf_token": browser.csrf("/thong-bao/moi")}
    return browser.client.post("/thong-bao/xem-truoc", data=data, follow_redirects=False)


def send_from(browser, preview_page: str, data: dict):  # noqa: ANN001, ANN201
    tokens = {
        "csrf_token": CSRF.search(preview_page).group(1),
        "form_token": FORM_TOKEN.search(preview_page).group(1),
    }
    return browser.client.post("/thong-bao/gui", data={**data, **tokens}, follow_redirects=False)


def expected_channels(class_name: str) -> dict[str, int]:
    with session_scope() as session:
        school = session.scalar(select(School).where(School.code == "THCS-HOASEN"))
        ids = recipients(session, school, Audience(classes=(class_name,)))
        rows = session.execute(
            select(ChatAccount.channel, func.count())
            .where(ChatAccount.id.in_(ids))
            .group_by(ChatAccount.channel)
        )
        return {channel.value: count for channel, count in rows}


def test_the_preview_shows_each_channel_and_the_count_by_route(browser_for) -> None:
    response = preview(browser_for(ADMIN), form())
    assert response.status_code == 200, response.text
    page = response.text
    for channel, count in expected_channels("6A").items():
        route = "zalo_cs" if channel == "zalo" else channel  # the seed's Zalo users wrote lately
        assert f'id="reach-{route}">{count}<' in page
    assert f'id="reach-total"><b>{sum(expected_channels("6A").values())}</b>' in page
    assert page.count(TEXT) >= 3  # Telegram, Zalo OA and Zalo Bot bubbles
    assert (
        '<span class="tg-button">Đã nhận</span>' in page
        and '<span class="zalo-button">Đã nhận</span>' in page
    )
    assert "1. Đã nhận" in page  # the Zalo Bot's numbered choice
    assert broadcasts() == 0


def test_sending_queues_once_and_shows_progress_per_class(browser_for) -> None:
    browser = browser_for(ADMIN)
    page = preview(browser, form()).text
    response = send_from(browser, page, form())
    assert response.status_code == 303
    notice_url = response.headers["location"]
    total = sum(expected_channels("6A").values())
    with session_scope() as session:
        (broadcast,) = session.scalars(select(Broadcast)).all()
        assert broadcast.sender == "Trịnh Văn Quang" and broadcast.ask_receipt
        routed = select(func.count(Delivery.id)).where(Delivery.route.is_not(None))
        assert session.scalar(routed) == total  # families without any route are listed apart
        assert session.scalars(select(AuditEvent.action).where(AuditEvent.action == "notice_queued")).all()
    detail = browser.get(notice_url).text
    assert f"Đã xếp thông báo số {broadcast.id} cho {total} tài khoản" in detail
    assert f'id="lop-6A-waiting">{total}<' in detail
    progress = browser.get(f"{notice_url}/tien-do").json()
    assert progress["cells"]["total-waiting"] == str(total) and progress["finished"] is False
    again = send_from(browser, page, form())
    assert again.status_code == 409 and broadcasts() == 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"text": "   "}, "Nội dung thông báo đang trống"),
        ({"group": []}, "Chưa chọn gửi cho ai"),
        ({"class_id": []}, "Hãy chọn ít nhất một lớp"),
        ({"scope": "grade", "grade": "12"}, "Hãy chọn khối"),
        ({"when": "later", "send_at": "hôm qua"}, "Hãy chọn ngày giờ gửi"),
        ({"when": "later", "send_at": "2020-01-01T08:00"}, "đã qua"),
    ],
)
def test_bad_notices_are_refused_and_change_nothing(browser_for, overrides: dict, message: str) -> None:
    browser = browser_for(ADMIN)
    response = preview(browser, form(**overrides))
    assert response.status_code == 400 and message in response.text
    forged = {**form(**overrides), "csrf_token": browser.csrf("/thong-bao/moi"), "form_token": "abc"}
    sent = browser.client.post("/thong-bao/gui", data=forged, follow_redirects=False)
    assert sent.status_code == 400 and message in sent.text
    assert broadcasts() == 0


def test_an_audience_of_nobody_cannot_be_sent(browser_for) -> None:
    browser = browser_for(ADMIN)
    nobody = form(group=["teachers"])  # no homeroom teacher has linked a chat in the seed
    page = preview(browser, nobody).text
    assert "không có ai để gửi" in page and 'action="/thong-bao/gui"' not in page
    forged = {**nobody, "csrf_token": browser.csrf("/thong-bao/moi"), "form_token": "abc"}
    response = browser.client.post("/thong-bao/gui", data=forged, follow_redirects=False)
    assert response.status_code == 400 and "Chưa có tài khoản nào của nhóm nhận này" in response.text
    assert broadcasts() == 0


def test_a_scheduled_notice_waits_and_can_be_cancelled(browser_for) -> None:
    browser = browser_for(ADMIN)
    at = (datetime.now(TIMEZONE) + timedelta(days=1)).replace(hour=9, minute=30, second=0, microsecond=0)
    data = form(when="later", send_at=at.strftime("%Y-%m-%dT%H:%M"))
    page = preview(browser, data).text
    assert f"hẹn gửi lúc 09:30 ngày {at:%d/%m/%Y}" in page
    location = send_from(browser, page, data).headers["location"]
    with session_scope() as session:
        broadcast = session.scalars(select(Broadcast)).one()
        starts = set(session.scalars(select(Delivery.not_before)))
    assert broadcast.scheduled_for == at and starts == {at}
    detail = browser.get(location).text
    cancel = browser.post(f"{location}/huy", page=location)
    assert "Huỷ các tin chưa gửi" in detail and cancel.status_code == 303
    total = sum(expected_channels("6A").values())
    assert f"Đã huỷ {total} tin chưa gửi" in browser.get(location).text
    with session_scope() as session:
        assert session.scalar(select(func.count(Delivery.id)).where(Delivery.route.is_not(None))) == 0
        assert session.scalars(select(Broadcast.cancelled_count)).one() == total
    again = browser.post(f"{location}/huy", page=location)
    assert "Không huỷ được" in browser.get(again.headers["location"]).text


def test_a_teacher_sends_only_to_their_own_class(browser_for) -> None:
    teacher = browser_for(TEACHER_6A)
    compose = teacher.get("/thong-bao/moi").text
    assert re.findall(r'name="class_id" value="(\d+)"', compose) == [class_id("6A")]
    assert 'name="scope" value="school"' not in compose
    assert preview(teacher, form(class_id=[class_id("6B")])).status_code == 404
    whole_school = preview(teacher, form(scope="school", class_id=[]))
    assert whole_school.status_code == 400  # a teacher's scope is always their classes
    assert broadcasts() == 0


def test_notices_stay_within_their_school_and_class(browser_for) -> None:
    admin = browser_for(ADMIN)
    page = preview(admin, form(scope="school", class_id=[])).text
    location = send_from(admin, page, form(scope="school", class_id=[])).headers["location"]
    assert browser_for(TEACHER_6A).get(location).status_code == 404  # a whole-school notice
    assert browser_for(OTHER_ADMIN).get(location).status_code == 404
    assert browser_for(OTHER_ADMIN).get(f"{location}/tien-do").status_code == 404
    office = browser_for(OFFICE)
    assert office.get("/thong-bao").status_code == 403
    assert office.post(f"{location}/huy").status_code == 403
    with session_scope() as session:
        assert session.scalar(select(func.count(Delivery.id))) > 0


def test_the_class_page_shows_reach_per_route(browser_for) -> None:
    with session_scope() as session:
        class_id = session.scalar(select(SchoolClass.id).where(SchoolClass.name == "6A"))
    page = browser_for(ADMIN).get(f"/lop/{class_id}").text
    assert "Liên lạc với gia đình" in page and 'id="reach-none">' in page
    assert 'id="reach-zalo_cs">' in page and 'id="reach-zns">0<' in page
