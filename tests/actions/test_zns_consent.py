"""A family confirms the roster's phone number after linking and can refuse ZNS (issue 13)."""

from __future__ import annotations

from sqlalchemy import select

from actions.onboarding import ActionAcknowledgeRules
from actions.zns import ActionPhoneConfirm, ActionPhoneDeny, ActionZnsOptIn, ActionZnsOptOut
from chatbot.db.engine import session_scope
from chatbot.db.models import ChatAccount, ParentPhone, Role
from tests.actions.conftest import link_sender, run, texts
from tests.chatbot.school.sample import Sample

PARENT = "telegram:100"
OTHER = "telegram:200"


def add_phones(student_id: int, *numbers: str) -> list[int]:
    with session_scope() as session:
        rows = [ParentPhone(student_id=student_id, phone=n, position=i) for i, n in enumerate(numbers)]
        session.add_all(rows)
        session.flush()
        return [r.id for r in rows]


async def test_after_the_rules_the_parent_confirms_the_number(school: Sample) -> None:
    (phone_id,) = add_phones(school.minh_anh, "+84912345678")
    link_sender(PARENT, Role.PARENT, student_id=school.minh_anh)
    messages, _ = await run(
        ActionAcknowledgeRules(), PARENT, "/acknowledge_rules", intent="acknowledge_rules"
    )
    question = messages[-1]
    assert "091****678" in question["text"] and "+84912345678" not in texts(messages)
    assert question["text"].startswith("Dạ, danh sách lớp có số điện thoại phụ huynh 091****678.")
    payloads = [b["payload"] for b in question["buttons"]]
    assert payloads == [f'/phone_confirm{{"phone_id": "{phone_id}"}}', "/phone_deny", "/zns_opt_out"]

    messages, _ = await run(ActionPhoneConfirm(), PARENT, payloads[0], intent="phone_confirm",
                            entities={"phone_id": str(phone_id)})
    assert "đã ghi nhận số 091****678" in texts(messages)
    with session_scope() as session:
        phone = session.get(ParentPhone, phone_id)
        account = session.execute(select(ChatAccount.id).where(ChatAccount.external_id == "100")).scalar()
        assert phone.account_id == account and phone.confirmed_at is not None


async def test_another_family_cannot_confirm_or_see_the_number(school: Sample) -> None:
    (phone_id,) = add_phones(school.minh_anh, "+84912345678")
    link_sender(OTHER, Role.PARENT, student_id=school.hoa)
    messages, _ = await run(ActionPhoneConfirm(), OTHER, "x", intent="phone_confirm",
                            entities={"phone_id": str(phone_id)})
    assert "không tìm thấy số điện thoại" in texts(messages) and "678" not in texts(messages)
    with session_scope() as session:
        assert session.get(ParentPhone, phone_id).account_id is None


async def test_no_zns_is_kept_and_can_be_undone(school: Sample) -> None:
    ids = add_phones(school.minh_anh, "+84912345678", "+84987654321")
    messages, _ = await run(ActionZnsOptOut(), PARENT, "không nhận ZNS", intent="zns_opt_out")
    assert "chưa liên kết với học sinh nào có số điện thoại" in texts(messages)
    link_sender(PARENT, Role.PARENT, student_id=school.minh_anh)
    messages, _ = await run(ActionZnsOptOut(), PARENT, "không nhận ZNS", intent="zns_opt_out")
    assert "không gửi tin ZNS" in texts(messages) and "“nhận lại ZNS”" in texts(messages)
    with session_scope() as session:
        assert all(session.get(ParentPhone, i).zns_opt_out_at is not None for i in ids)
    messages, _ = await run(ActionZnsOptIn(), PARENT, "nhận lại ZNS", intent="zns_opt_in")
    assert "gửi lại thông báo qua ZNS" in texts(messages)
    with session_scope() as session:
        assert all(session.get(ParentPhone, i).zns_opt_out_at is None for i in ids)


async def test_a_student_or_a_teacher_asking_about_zns_is_answered_in_their_voice(school: Sample) -> None:
    add_phones(school.minh_anh, "+84912345678")
    link_sender("zalo:s", Role.STUDENT, student_id=school.minh_anh)
    link_sender("zalo:t", Role.TEACHER, staff_id=school.lan)
    student, _ = await run(ActionZnsOptOut(), "zalo:s", "không nhận ZNS", intent="zns_opt_out")
    teacher, _ = await run(ActionZnsOptOut(), "zalo:t", "không nhận ZNS", intent="zns_opt_out")
    assert texts(student).startswith("Tin ZNS chỉ gửi tới số điện thoại của phụ huynh")
    assert texts(student).endswith("nhé.")
    assert "tài khoản của thầy cô không nhận tin ZNS nào ạ." in texts(teacher)
    typed, _ = await run(ActionPhoneConfirm(), "zalo:s", "đúng số của tôi", intent="phone_confirm")
    assert texts(typed) == "Phần xác nhận số điện thoại dành cho phụ huynh; em không cần xác nhận gì nhé."
    denied, _ = await run(ActionPhoneDeny(), PARENT, "không phải số của tôi", intent="phone_deny")
    assert texts(denied).startswith("Dạ, em cảm ơn Quý phụ huynh đã báo.")
