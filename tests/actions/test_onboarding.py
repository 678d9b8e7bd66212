"""Linking with a code (typed or from a deep link) and the rules acknowledgement."""

from __future__ import annotations

from rasa_sdk.events import SlotSet
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
    messages, events = await run(ActionLinkAccount(), PARENT, f"mã của tôi là {code.lower()} nhé")
    reply = texts(messages)
    assert "em Nguyễn Minh Anh, lớp 6A" in reply and "05 - Nguyễn Minh Anh" in reply
    assert messages[0]["text"].startswith("Dạ, tài khoản của Quý phụ huynh đã được liên kết")
    assert "Tên hiển thị của con khi vào lớp trực tuyến: 05 - Nguyễn Minh Anh" in reply
    assert events == [SlotSet("role", "parent")]
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
    assert "Chào em Trần Văn Bình, lớp 6A" in texts(messages) and "06 - Trần Văn Bình" in texts(messages)


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
    messages, events = await run(ActionLinkAccount(), "telegram:9", code)
    reply = texts(messages)
    assert "Nguyễn Thị Lan" in reply and "lớp chủ nhiệm (6A)" in reply
    assert reply.startswith("Dạ, em chào thầy cô Nguyễn Thị Lan") and "vai trò giáo viên" in reply
    assert "Quý phụ huynh" not in reply and [b["payload"] for b in messages[-1]["buttons"]] == ["/web_login"]
    assert "/acknowledge_rules" not in str(messages)
    assert events == [SlotSet("role", "teacher")]
    again, _ = await run(ActionLinkAccount(), "telegram:9", code)
    assert "đã được liên kết với thầy cô Nguyễn Thị Lan từ trước" in texts(again)


async def test_the_acknowledgement_is_recorded_once_and_later_confirmed(school: Sample) -> None:
    link_sender(PARENT, Role.PARENT, student_id=school.minh_anh)
    first, _ = await run(ActionAcknowledgeRules(), PARENT, "tôi đã đọc và cam kết thực hiện")
    second, _ = await run(ActionAcknowledgeRules(), PARENT, "/acknowledge_rules")
    assert "đã ghi nhận" in texts(first) and "Cảm ơn Quý phụ huynh" in texts(first)
    assert RULES_VERSION not in texts(first + second) and "phiên bản" not in texts(first + second)
    assert "10:00 ngày 02/12/2026" in texts(first)
    assert "đã xác nhận nội quy" in texts(second) and "từ 10:00 ngày 02/12/2026 rồi" in texts(second)
    with session_scope() as session:
        rows = session.execute(select(Acknowledgement)).scalars().all()
    assert [(r.student_id, r.rules_version) for r in rows] == [(school.minh_anh, RULES_VERSION)]
    code = _code(student_id=school.hoa)
    messages, _ = await run(ActionLinkAccount(), PARENT, code)
    assert "cho em Lê Thị Hoa ạ." in texts(messages) and "Minh Anh" not in messages[-1]["text"]


async def test_acknowledging_without_a_link_explains_how_to_link(school: Sample) -> None:
    messages, _ = await run(ActionAcknowledgeRules(), "zalo:new", "đã đọc")
    assert "chưa được liên kết" in texts(messages)
    with session_scope() as session:
        assert session.execute(select(Acknowledgement)).first() is None


async def test_a_student_linking_with_their_own_code_is_welcomed_as_a_student(school: Sample) -> None:
    code = _code(Role.STUDENT, student_id=school.minh_anh)
    messages, events = await run(ActionLinkAccount(), "zalo:8", code)
    welcome, digest, ask = (m["text"] for m in messages)
    assert welcome == (
        "Chào em Nguyễn Minh Anh, lớp 6A! Trợ lý đã liên kết tài khoản với em.\n"
        "Tên hiển thị của em khi vào lớp trực tuyến: 05 - Nguyễn Minh Anh (mục 1.4.b)."
    )
    assert digest.startswith("Mấy điều chính của nội quy học trực tuyến em cần nhớ:")
    assert ask.startswith("Em đọc kỹ nội quy") and messages[-1]["buttons"][0]["title"] == (
        "Em đã đọc và cam kết thực hiện")
    for text in (welcome, digest, ask):
        assert "Quý phụ huynh" not in text and "của con" not in text and not text.startswith("Dạ")
    assert events == [SlotSet("role", "student")]
    thanks, _ = await run(ActionAcknowledgeRules(), "zalo:8", "/acknowledge_rules")
    assert texts(thanks) == (
        "Nhà trường đã ghi nhận em đã đọc và cam kết thực hiện nội quy lúc 10:00 ngày 02/12/2026. "
        "Cảm ơn em nhé!"
    )
    again, events = await run(ActionLinkAccount(), "zalo:8", "liên kết tài khoản", intent="link_account")
    assert texts(again).startswith("Tài khoản của em đang liên kết với em Nguyễn Minh Anh (lớp 6A).")


async def test_a_staff_code_welcomes_the_staff_member_as_thay_co(school: Sample) -> None:
    code = _code(Role.STAFF, staff_member_id=school.principal)
    messages, events = await run(ActionLinkAccount(), "zalo:9", code)
    assert texts(messages).startswith("Dạ, em chào thầy cô Trịnh Văn Quang")
    assert "vai trò cán bộ nhà trường" in texts(messages)
    assert events == [SlotSet("role", "staff")]
    refused, _ = await run(ActionAcknowledgeRules(), "zalo:9", "/acknowledge_rules")
    assert texts(refused) == (
        "Dạ, xác nhận nội quy dành cho gia đình và học sinh; tài khoản của thầy cô không cần xác nhận ạ."
    )
    how, _ = await run(ActionLinkAccount(), "zalo:9", "liên kết tài khoản", intent="link_account")
    assert "thầy cô gõ mã mời phụ huynh của con" in texts(how) and "Quý phụ huynh" not in texts(how)


async def test_a_wrong_code_speaks_to_the_role_of_the_account(school: Sample) -> None:
    link_sender("zalo:s", Role.STUDENT, student_id=school.binh)
    link_sender("zalo:t", Role.TEACHER, staff_id=school.hung)
    student, _ = await run(ActionLinkAccount(), "zalo:s", "WXYZ-2222")
    teacher, _ = await run(ActionLinkAccount(), "zalo:t", "WXYZ-2222")
    guest, events = await run(ActionLinkAccount(), "zalo:g", "WXYZ-2222")
    assert texts(student) == "Mã này chưa đúng. Em kiểm tra lại mã (8 ký tự, dạng ABCD-2345) rồi gõ lại nhé."
    assert texts(teacher).startswith("Dạ, mã này chưa đúng. Thầy cô kiểm tra lại mã")
    assert texts(guest).startswith("Dạ, mã này chưa đúng. Vui lòng kiểm tra lại mã") and events == [
        SlotSet("role", "guest")]
    conflict, _ = await run(ActionLinkAccount(), "zalo:s", _code(Role.PARENT, student_id=school.hoa))
    assert texts(conflict).startswith("Đây là mã dành cho phụ huynh, còn tài khoản của em")
