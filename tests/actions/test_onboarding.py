"""Linking with a code (typed or from a deep link) and the rules acknowledgement."""

from __future__ import annotations

from sqlalchemy import select

from actions.onboarding import ActionAcknowledgeRules, ActionLinkAccount
from chatbot.db.engine import session_scope
from chatbot.db.models import Acknowledgement, Role
from chatbot.school import invites
from chatbot.settings import RULES_VERSION
from tests.actions.conftest import link_sender, run, texts
from tests.chatbot.school.sample import NOW, Sample

PARENT = "telegram:100"


def _code(role: Role = Role.PARENT, **ids: int) -> str:
    with session_scope() as session:
        return invites.issue_invite(session, role=role, now=NOW, **ids)


async def test_a_typed_code_links_and_asks_for_the_acknowledgement(school: Sample) -> None:
    code = _code(student_id=school.minh_anh)
    messages, _ = await run(ActionLinkAccount(), PARENT, f"mã của tôi là {code.lower()} nhé")
    reply = texts(messages)
    assert "em Nguyễn Minh Anh, lớp 6A" in reply and "05 - Nguyễn Minh Anh" in reply
    for item in ("mục 1.4.b", "mục 1.4.d", "mục 1.4.đ", "mục 2"):
        assert item in reply
    assert messages[-1]["buttons"] == [
        {"title": "Tôi đã đọc và cam kết thực hiện", "payload": "/acknowledge_rules"}
    ]


async def test_a_deep_link_payload_carries_the_code_as_an_entity(school: Sample) -> None:
    code = _code(Role.STUDENT, student_id=school.binh).replace("-", "")
    messages, _ = await run(
        ActionLinkAccount(), "zalo:7", f'/link_account{{"invite_code":"{code}"}}',
        intent="link_account", entities={"invite_code": code},
    )
    assert "chào em Trần Văn Bình, lớp 6A" in texts(messages) and "06 - Trần Văn Bình" in texts(messages)


async def test_without_a_code_the_assistant_explains_how_to_link(school: Sample) -> None:
    messages, _ = await run(ActionLinkAccount(), PARENT, "nhập mã mời ở đâu", intent="link_account")
    assert "ABCD-2345" in texts(messages) and "một lần" in texts(messages)
    link_sender(PARENT, Role.PARENT, student_id=school.hoa)
    messages, _ = await run(ActionLinkAccount(), PARENT, "liên kết tài khoản", intent="link_account")
    assert "em Lê Thị Hoa (lớp 7B)" in texts(messages) and "liên kết thêm con" in texts(messages)


async def test_bad_codes_get_a_clear_answer_and_five_wrong_ones_lock_out(school: Sample) -> None:
    replies = [texts((await run(ActionLinkAccount(), PARENT, f"WXYZ-{n}{n}{n}{n}"))[0]) for n in range(2, 7)]
    assert all("chưa đúng" in r for r in replies[:4])
    assert "tạm thời chưa nhập mã được đến 10:30" in replies[4]
    code = _code(student_id=school.minh_anh)
    messages, _ = await run(ActionLinkAccount(), PARENT, code)
    assert "tạm thời chưa nhập mã" in texts(messages)


async def test_used_expired_and_conflicting_codes(school: Sample) -> None:
    used = _code(student_id=school.minh_anh)
    await run(ActionLinkAccount(), "zalo:1", used)
    messages, _ = await run(ActionLinkAccount(), PARENT, used)
    assert "đã được dùng rồi" in texts(messages)
    with session_scope() as session:
        expired = invites.issue_invite(session, role=Role.PARENT, student_id=school.hoa, ttl_days=0, now=NOW)
    messages, _ = await run(ActionLinkAccount(), PARENT, expired)
    assert "hết hạn" in texts(messages)
    link_sender(PARENT, Role.PARENT, student_id=school.hoa)
    messages, _ = await run(ActionLinkAccount(), PARENT, _code(Role.STUDENT, student_id=school.binh))
    assert "dành cho học sinh" in texts(messages) and "Mã vẫn còn hiệu lực" in texts(messages)


async def test_a_teacher_code_links_the_teacher(school: Sample) -> None:
    code = _code(Role.TEACHER, staff_member_id=school.lan)
    messages, _ = await run(ActionLinkAccount(), "telegram:9", code)
    reply = texts(messages)
    assert "Nguyễn Thị Lan" in reply and "lớp chủ nhiệm (6A)" in reply
    assert "/acknowledge_rules" not in str(messages)


async def test_the_acknowledgement_is_recorded_once_and_later_confirmed(school: Sample) -> None:
    link_sender(PARENT, Role.PARENT, student_id=school.minh_anh)
    first, _ = await run(ActionAcknowledgeRules(), PARENT, "tôi đã đọc và cam kết thực hiện")
    second, _ = await run(ActionAcknowledgeRules(), PARENT, "/acknowledge_rules")
    assert "đã ghi nhận" in texts(first) and RULES_VERSION in texts(first)
    assert "10:00 ngày 02/12/2026" in texts(first)
    assert "đã xác nhận nội quy" in texts(second) and "từ 10:00 ngày 02/12/2026 rồi" in texts(second)
    with session_scope() as session:
        rows = session.execute(select(Acknowledgement)).scalars().all()
    assert [(r.student_id, r.rules_version) for r in rows] == [(school.minh_anh, RULES_VERSION)]
    code = _code(student_id=school.hoa)
    messages, _ = await run(ActionLinkAccount(), PARENT, code)
    assert "cho em Lê Thị Hoa." in texts(messages) and "Minh Anh" not in messages[-1]["text"]


async def test_acknowledging_without_a_link_explains_how_to_link(school: Sample) -> None:
    messages, _ = await run(ActionAcknowledgeRules(), "zalo:new", "đã đọc")
    assert "chưa được liên kết" in texts(messages)
    with session_scope() as session:
        assert session.execute(select(Acknowledgement)).first() is None
