"""Timetable and "how do I join" answers, with meeting details only for linked accounts."""

from __future__ import annotations

from actions.join_class import ActionJoinClass
from actions.timetable import ActionTimetable
from chatbot.db.models import Role
from tests.actions.conftest import link_sender, run, texts
from tests.chatbot.school.sample import SECRET_6A, SECRET_7B, Sample

PARENT = "telegram:100"


async def test_today_for_a_linked_parent_has_the_meeting_details_and_the_warning(school: Sample) -> None:
    link_sender(PARENT, Role.PARENT, student_id=school.minh_anh)
    messages, _ = await run(ActionTimetable(), PARENT, "hôm nay con học gì")
    reply = texts(messages)
    assert "em Nguyễn Minh Anh (lớp 6A) thứ Tư 02/12/2026" in reply
    assert "07:30–08:15: Ngữ văn (Lê Thị Hồng) — Zoom" in reply and "13:30–14:15: Toán" in reply
    assert SECRET_6A in reply and "822 7449 7929" in reply and "mục 2" in reply
    assert [b["title"] for b in messages[-1]["buttons"]][:3] == ["Hôm nay", "Ngày mai", "Tuần này"]


async def test_days_are_read_with_or_without_diacritics(school: Sample) -> None:
    link_sender(PARENT, Role.PARENT, student_id=school.minh_anh)
    cases = [
        ("thu hai hoc gi", "thứ Hai 07/12/2026"), ("t7 co hoc khong", "thứ Bảy 05/12/2026"),
        ("lịch học cn", "Chủ nhật 06/12/2026"), ("mai may gio hoc", "thứ Năm 03/12/2026"),
    ]
    for text, expected in cases:
        messages, _ = await run(ActionTimetable(), PARENT, text)
        assert expected in texts(messages), text
    sunday, _ = await run(ActionTimetable(), PARENT, "chủ nhật")
    assert "không có tiết học trực tuyến nào" in texts(sunday)
    holiday, _ = await run(ActionTimetable(), PARENT, "thứ 6 học những môn nào")
    assert "nhà trường nghỉ (Nghỉ kỷ niệm ngày thành lập trường)" in texts(holiday)
    payload, _ = await run(
        ActionTimetable(), PARENT, '/ask_timetable{"day":"ngày mai"}', entities={"day": "ngày mai"}
    )
    assert "thứ Năm 03/12/2026" in texts(payload)


async def test_the_week_and_the_next_lesson(school: Sample) -> None:
    link_sender(PARENT, Role.PARENT, student_id=school.minh_anh)
    week, _ = await run(ActionTimetable(), PARENT, "tkb tuần này")
    assert "tuần 30/11–06/12/2026" in texts(week) and "thứ Sáu 04/12: nghỉ" in texts(week)
    assert SECRET_6A not in texts(week)
    following, _ = await run(ActionTimetable(), PARENT, "tiết tiếp theo con học gì, mấy giờ")
    assert "tiết tiếp theo của em Nguyễn Minh Anh (lớp 6A) (bắt đầu lúc 13:30)" in texts(following)
    assert "abc-defg-hij" in texts(following)


async def test_each_child_gets_an_answer(school: Sample) -> None:
    link_sender(PARENT, Role.PARENT, student_id=school.minh_anh)
    link_sender(PARENT, Role.PARENT, student_id=school.hoa)
    asked, _ = await run(ActionTimetable(), PARENT, "hôm nay")  # children in two classes: which one?
    titles = [b["title"] for b in asked[0]["buttons"]]
    assert titles == ["Minh Anh (lớp 6A)", "Hoa (lớp 7B)", "Tất cả các con"]
    messages, _ = await run(
        ActionTimetable(), PARENT, asked[0]["buttons"][-1]["payload"], entities={"student_id": "all"}
    )
    assert len(messages) == 2 and SECRET_6A in messages[0]["text"] and SECRET_7B in messages[1]["text"]
    only, _ = await run(ActionTimetable(), PARENT, "/ask_timetable", entities={"student_id": str(school.hoa)})
    assert len(only) == 1 and "Lê Thị Hoa" in only[0]["text"]


async def test_no_meeting_details_for_unlinked_accounts_or_other_classes(school: Sample) -> None:
    unlinked, _ = await run(ActionTimetable(), "zalo:new", "lịch học lớp 6A hôm nay")
    assert "chưa được liên kết" in texts(unlinked) and SECRET_6A not in texts(unlinked)
    join, _ = await run(ActionJoinClass(), "zalo:new", "link lớp đâu")
    assert "chưa được liên kết" in texts(join) and SECRET_6A not in texts(join)
    link_sender(PARENT, Role.PARENT, student_id=school.minh_anh)
    other, _ = await run(ActionTimetable(), PARENT, "lịch học lớp 7B")
    assert "chỉ xem được lịch học và thông tin vào lớp của lớp đã liên kết (6A)" in texts(other)
    assert SECRET_7B not in texts(other)
    other_join, _ = await run(ActionJoinClass(), PARENT, "phòng học online của lớp 7B")
    assert SECRET_7B not in texts(other_join)
    missing, _ = await run(ActionTimetable(), PARENT, "lịch học lớp 9Z")
    assert "không tìm thấy lớp 9Z" in texts(missing)


async def test_joining_gives_the_next_lesson_name_rule_and_platform_tips(school: Sample) -> None:
    link_sender(PARENT, Role.PARENT, student_id=school.minh_anh)
    messages, _ = await run(ActionJoinClass(), PARENT, "làm sao vào lớp")
    reply = texts(messages)
    assert "Toán, lúc 13:30 thứ Tư 02/12/2026 trên Google Meet" in reply
    assert "abc-defg-hij" in reply and SECRET_6A in reply
    assert "05 - Nguyễn Minh Anh" in reply and "trước 13:20 (mục 1.4.b)" in reply
    assert "Gợi ý khi học trên Google Meet" in reply and "Giơ tay" in reply


async def test_a_teacher_asking_gets_their_own_lessons(school: Sample) -> None:
    link_sender("telegram:hung", Role.TEACHER, staff_id=school.hung)
    messages, _ = await run(ActionTimetable(), "telegram:hung", "hôm nay")
    assert "lịch dạy của thầy cô" in texts(messages) and "Lịch sử, lớp 7B" in texts(messages)
    join, _ = await run(ActionJoinClass(), "telegram:hung", "link lớp đâu")
    assert "Microsoft Teams" in texts(join) and SECRET_7B in texts(join)
