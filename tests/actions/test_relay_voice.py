"""The relay speaks to each side in its own voice: a parent as «Quý phụ huynh», a student as
«em» (the assistant is «trợ lý»), the teacher of the thread as «thầy cô» — also a teacher who
is a parent in the school. Quiet hours and «khẩn» change what the family is told."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

import actions.common
from actions.common import role_of
from actions.relay import (
    ActionAskRelayText,
    ActionRelayClose,
    ActionRelayReply,
    ActionRelaySend,
)
from chatbot.channels import split_sender_id
from chatbot.db.engine import session_scope
from chatbot.db.models import Role
from chatbot.school.accounts import load_account
from chatbot.settings import TIMEZONE
from tests.actions.conftest import link_sender, run, texts
from tests.chatbot.school.sample import Sample

PARENT, STUDENT, TEACHER = "zalo:210", "telegram:211", "telegram:lan"
THREAD = re.compile(r"\[Trao đổi số (\d+)\]")
TO_LAN = "thầy cô Nguyễn Thị Lan (chủ nhiệm lớp 6A)"


def student_voice(said: str) -> bool:
    return not said.startswith("Dạ") and not re.search(r"\bạ\b", said) and "Quý phụ huynh" not in said


async def family_writes(sender: str, text: str, student_id: int) -> tuple[str, int]:
    """A family's new message through the form's last step; (what it is told, the thread id)."""
    messages, _ = await run(
        ActionRelaySend(), sender, text, slots={"relay_text": text, "relay_student": str(student_id)}
    )
    said = texts(messages)
    match = THREAD.search(said)
    return said, int(match.group(1)) if match else 0


async def test_a_parent_is_asked_and_told_as_quy_phu_huynh(school: Sample) -> None:
    link_sender(TEACHER, Role.TEACHER, staff_id=school.lan)
    link_sender(PARENT, Role.PARENT, student_id=school.minh_anh)
    asked, _ = await run(ActionAskRelayText(), PARENT, "Hỏi giáo viên")
    assert texts(asked).startswith("Dạ, Quý phụ huynh nhập lời nhắn cho thầy cô chủ nhiệm")
    assert "“khẩn”" in texts(asked) and [b["title"] for b in asked[0]["buttons"]] == ["Dừng"]
    said, thread = await family_writes(PARENT, "Cô ơi mai con có kiểm tra không ạ?", school.minh_anh)
    assert said == (
        f"Dạ, em đã chuyển lời nhắn tới {TO_LAN} [Trao đổi số {thread}]. Thầy cô sẽ trả lời trong giờ "
        "hành chính; câu trả lời sẽ đến ngay trong cuộc trò chuyện này ạ."
    )
    long, _ = await family_writes(PARENT, "a" * 1600, school.minh_anh)
    assert "dài quá 1.500 ký tự" in long and "Quý phụ huynh vui lòng rút gọn" in long


async def test_a_student_writes_to_the_teacher_in_a_students_voice(school: Sample) -> None:
    link_sender(TEACHER, Role.TEACHER, staff_id=school.lan)
    link_sender(STUDENT, Role.STUDENT, student_id=school.minh_anh)
    asked, _ = await run(ActionAskRelayText(), STUDENT, "Hỏi giáo viên")
    assert texts(asked).startswith("Em nhập lời nhắn cho thầy cô chủ nhiệm nhé; trợ lý sẽ chuyển")
    assert student_voice(texts(asked))
    said, thread = await family_writes(STUDENT, "Thưa cô, em nộp bài muộn được không?", school.minh_anh)
    assert said.startswith(f"Trợ lý đã chuyển lời nhắn tới {TO_LAN} [Trao đổi số {thread}].")
    assert student_voice(said)
    long, _ = await family_writes(STUDENT, "a" * 1600, school.minh_anh)
    assert "em rút gọn hoặc chia thành vài tin nhé" in long and student_voice(long)
    stopped, _ = await run(ActionRelaySend(), STUDENT, "thôi")
    assert texts(stopped) == "Trợ lý đã dừng; chưa có lời nhắn nào được gửi đi nhé."
    ended, _ = await run(ActionRelayClose(), STUDENT, "/relay_close", entities={"relay_thread": str(thread)})
    assert texts(ended).startswith("Trợ lý đã kết thúc trao đổi")
    assert "báo cho thầy cô chủ nhiệm" in texts(ended)
    closed, _ = await run(ActionRelayReply(), STUDENT, "/relay_reply", entities={"relay_thread": str(thread)})
    assert "em bấm “Hỏi giáo viên” để mở trao đổi mới nhé" in texts(closed)
    assert [b["payload"] for b in closed[0]["buttons"]] == ["/ask_human"]


async def test_the_teacher_side_is_thay_co_even_for_a_teacher_who_is_a_parent(school: Sample) -> None:
    link_sender(TEACHER, Role.TEACHER, staff_id=school.lan)
    link_sender(TEACHER, Role.PARENT, student_id=school.hoa)  # Ms Lan's own child is in 7B
    with session_scope() as session:
        assert role_of(load_account(session, *split_sender_id(TEACHER))) == "parent"
    link_sender(PARENT, Role.PARENT, student_id=school.minh_anh)
    _, thread = await family_writes(PARENT, "Cô ơi con bị ốm ạ.", school.minh_anh)
    tag = f"[Trao đổi số {thread}]"
    asked, _ = await run(ActionAskRelayText(), TEACHER, "", slots={"relay_thread": str(thread)})
    assert texts(asked).startswith(f"Dạ, mời thầy cô nhập lời nhắn cho {tag}; em sẽ chuyển nguyên văn")
    answer = {"relay_text": "Cô đã nhận.", "relay_thread": str(thread)}
    answered, _ = await run(ActionRelaySend(), TEACHER, "Cô đã nhận.", slots=answer)
    assert texts(answered) == f"Dạ, em đã chuyển lời nhắn tới gia đình {tag} ạ."
    assert [b["title"] for b in answered[0]["buttons"]] == ["Kết thúc trao đổi"]
    ended, _ = await run(ActionRelayClose(), TEACHER, "/relay_close", entities={"relay_thread": str(thread)})
    assert texts(ended) == (
        f"Dạ, em đã kết thúc trao đổi {tag} và báo cho gia đình. Nội dung vẫn được nhà trường lưu lại ạ."
    )
    closed, _ = await run(ActionRelayReply(), TEACHER, "/relay_reply", entities={"relay_thread": str(thread)})
    assert texts(closed) == "Dạ, trao đổi này đã kết thúc ạ; nội dung vẫn được nhà trường lưu lại."


async def test_at_night_the_family_learns_when_and_that_khan_goes_at_once(
    school: Sample, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(actions.common, "clock", lambda: datetime(2026, 12, 2, 22, 0, tzinfo=TIMEZONE))
    link_sender(TEACHER, Role.TEACHER, staff_id=school.lan)
    link_sender(PARENT, Role.PARENT, student_id=school.minh_anh)
    held, _ = await family_writes(PARENT, "Cô ơi mai con xin nghỉ tiết 1.", school.minh_anh)
    assert "Vì đang ngoài giờ, tin sẽ đến thầy cô lúc 06:00 sáng mai" in held
    assert "gia đình có thể gửi thêm một tin có chữ “khẩn”" in held
    urgent, _ = await family_writes(PARENT, "Khẩn: con bị sốt cao, xin cô báo lớp.", school.minh_anh)
    assert urgent.startswith(f"Dạ, em đã chuyển ngay lời nhắn khẩn tới {TO_LAN}")
    assert "kể cả ngoài giờ" in urgent
