"""“Đăng nhập web”: a linked teacher gets a one-time link to the web app; nobody else does."""

from __future__ import annotations

from sqlalchemy import func, select

from actions.web_login import ActionWebLogin
from chatbot.db.engine import session_scope
from chatbot.db.models import Role, SignInLink, StaffUser
from chatbot.school.staff_accounts import use_link
from tests.actions.conftest import link_sender, run, texts
from tests.chatbot.school.sample import Sample


async def test_a_linked_teacher_gets_a_link_that_signs_them_in_once(school: Sample) -> None:
    link_sender("telegram:501", Role.TEACHER, staff_id=school.lan)
    messages, _ = await run(ActionWebLogin(), "telegram:501", "đăng nhập web")
    (message,) = messages
    url = message["buttons"][0]["payload"]
    assert url.startswith("http://127.0.0.1:8000/dang-nhap/lien-ket/") and url in message["text"]
    assert message["text"].startswith("Dạ, đây là liên kết đăng nhập trang quản lý của thầy cô")
    with session_scope() as session:
        user = use_link(session, url.rsplit("/", 1)[1])
        assert user is not None and user.staff_member_id == school.lan and user.password_hash is None
        assert use_link(session, url.rsplit("/", 1)[1]) is None


async def test_two_requests_make_two_links_for_one_account(school: Sample) -> None:
    link_sender("zalo:77", Role.TEACHER, staff_id=school.hung)
    for _ in range(2):
        await run(ActionWebLogin(), "zalo:77", "dang nhap web")
    with session_scope() as session:
        assert session.scalar(select(func.count(SignInLink.id))) == 2
        assert session.scalar(select(func.count(StaffUser.id))) == 1


async def test_a_parent_or_a_stranger_gets_no_link(school: Sample) -> None:
    link_sender("telegram:9", Role.PARENT, student_id=school.minh_anh)
    for sender in ("telegram:9", "telegram:404"):
        messages, _ = await run(ActionWebLogin(), sender, "đăng nhập web")
        assert texts(messages).startswith("Dạ, trang quản lý dành cho giáo viên và cán bộ nhà trường.")
        assert not messages[0].get("buttons")
    link_sender("telegram:10", Role.STUDENT, student_id=school.binh)
    messages, _ = await run(ActionWebLogin(), "telegram:10", "đăng nhập web")
    assert texts(messages).startswith("Trang quản lý dành cho thầy cô") and texts(messages).endswith("nhé.")
    with session_scope() as session:
        assert session.scalar(select(func.count(SignInLink.id))) == 0


async def test_a_disabled_account_gets_no_link(school: Sample) -> None:
    link_sender("telegram:502", Role.TEACHER, staff_id=school.lan)
    await run(ActionWebLogin(), "telegram:502", "đăng nhập web")
    with session_scope() as session:
        session.scalars(select(StaffUser)).one().active = False
    messages, _ = await run(ActionWebLogin(), "telegram:502", "đăng nhập web")
    assert texts(messages) == (
        "Dạ, tài khoản trang quản lý của thầy cô đang bị khóa; "
        "xin thầy cô liên hệ quản trị nhà trường để mở lại ạ."
    )
