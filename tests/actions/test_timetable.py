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
    assert "Dạ, em gửi Quý phụ huynh lịch học thứ Tư 02/12 của con Nguyễn Minh Anh (lớp 6A):" in reply
    assert "07:30–08:15: Ngữ văn (Lê Thị Hồng) — Zoom" in reply and "13:30–14:15: Toán" in reply
    assert SECRET_6A in reply and "822 7449 7929" in reply and "mục 2" in reply
    assert [b["title"] for b in messages[-1]["buttons"]][:3] == ["Hôm nay", "Ngày mai", "Tuần này"]


async def test_days_are_read_with_or_without_diacritics(school: Sample) -> None:
    link_sender(PARENT, Role.PARENT, student_id=school.minh_anh)
    cases = [
        ("thu hai hoc gi", "thứ Hai 07/12"), ("t7 co hoc khong", "thứ Bảy 05/12"),
        ("lịch học cn", "Chủ nhật 06/12"), ("mai may gio hoc", "thứ Năm 03/12"),
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
    assert "thứ Năm 03/12" in texts(payload)


async def test_the_week_and_the_next_lesson(school: Sample) -> None:
    link_sender(PARENT, Role.PARENT, student_id=school.minh_anh)
    week, _ = await run(ActionTimetable(), PARENT, "tkb tuần này")
    assert "tuần 30/11–06/12 của con" in texts(week) and "thứ Sáu 04/12: nghỉ" in texts(week)
    assert SECRET_6A not in texts(week)
    following, _ = await run(ActionTimetable(), PARENT, "tiết tiếp theo con học gì, mấy giờ")
    expected = "tiết học tiếp theo của con Nguyễn Minh Anh (lớp 6A) bắt đầu lúc 13:30, thứ Tư 02/12"
    assert expected in texts(following)
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
    assert "buổi học tiếp theo của con Nguyễn Minh Anh (lớp 6A): Toán, lúc 13:30 thứ Tư 02/12" in reply
    assert "• Nền tảng: Google Meet" in reply and "abc-defg-hij" in reply and SECRET_6A in reply
    assert "05 - Nguyễn Minh Anh" in reply and "trước 13:20 (mục 1.4.b)" in reply
    assert "Gợi ý khi học trên Google Meet" in reply and "Giơ tay" in reply


async def test_a_teacher_asking_gets_their_own_lessons(school: Sample) -> None:
    link_sender("telegram:hung", Role.TEACHER, staff_id=school.hung)
    messages, _ = await run(ActionTimetable(), "telegram:hung", "hôm nay")
    assert "Dạ, em gửi thầy cô lịch dạy thứ Tư 02/12:" in texts(messages)
    assert "Lịch sử, lớp 7B" in texts(messages)
    join, _ = await run(ActionJoinClass(), "telegram:hung", "link lớp đâu")
    assert "Microsoft Teams" in texts(join) and SECRET_7B in texts(join)


STUDENT = "zalo:student-minh-anh"


def no_adult_forms(text: str) -> bool:
    """A student's reply: no «Quý phụ huynh», no «Dạ», no «ạ», never «của con»."""
    return not any(form in f" {text} " for form in ("Quý phụ huynh", "Dạ,", " ạ.", " ạ ", "của con"))


async def test_each_role_reads_the_day_in_its_own_voice(school: Sample) -> None:
    link_sender(STUDENT, Role.STUDENT, student_id=school.minh_anh)
    link_sender(PARENT, Role.PARENT, student_id=school.minh_anh)
    link_sender("telegram:lan", Role.TEACHER, staff_id=school.lan)
    student, _ = await run(ActionTimetable(), STUDENT, "hôm nay em học gì")
    assert student[0]["text"].startswith("Trợ lý gửi em lịch học thứ Tư 02/12 của lớp 6A nhé:")
    assert "13:30–14:15: Toán" in student[0]["text"] and SECRET_6A in student[0]["text"]
    assert "em tuyệt đối không chia sẻ" in student[0]["text"] and no_adult_forms(student[0]["text"])
    parent, _ = await run(ActionTimetable(), PARENT, "hôm nay con học gì")
    assert parent[0]["text"].startswith(
        "Dạ, em gửi Quý phụ huynh lịch học thứ Tư 02/12 của con Nguyễn Minh Anh (lớp 6A):"
    )
    teacher, _ = await run(ActionTimetable(), "telegram:lan", "hôm nay")
    assert teacher[0]["text"].startswith("Dạ, em gửi thầy cô lịch dạy thứ Tư 02/12:")
    assert "Toán, lớp 6A" in teacher[0]["text"] and "Quý phụ huynh" not in teacher[0]["text"]
    # A class the teacher teaches, named: the class's timetable, still addressed to «thầy cô».
    taught_class, _ = await run(ActionTimetable(), "telegram:lan", "lịch học lớp 6A hôm nay")
    assert taught_class[0]["text"].startswith("Dạ, em gửi thầy cô lịch học thứ Tư 02/12 của lớp 6A:")


async def test_each_role_reads_the_week_and_the_next_lesson_in_its_own_voice(school: Sample) -> None:
    link_sender(STUDENT, Role.STUDENT, student_id=school.minh_anh)
    link_sender("telegram:hung", Role.TEACHER, staff_id=school.hung)
    week, _ = await run(ActionTimetable(), STUDENT, "tuần này")
    assert week[0]["text"].startswith("Trợ lý gửi em lịch học tuần 30/11–06/12 của lớp 6A nhé:")
    assert "em bấm “Làm sao vào lớp”" in week[0]["text"] and no_adult_forms(week[0]["text"])
    following, _ = await run(ActionTimetable(), STUDENT, "tiết tiếp theo")
    assert following[0]["text"].startswith("Tiết học tiếp theo của em bắt đầu lúc 13:30, thứ Tư 02/12:")
    taught_week, _ = await run(ActionTimetable(), "telegram:hung", "tuần này")
    assert taught_week[0]["text"].startswith("Dạ, em gửi thầy cô lịch dạy tuần 30/11–06/12:")
    assert "09:00 Lịch sử (7B)" in taught_week[0]["text"]


async def test_each_role_is_told_how_to_join_in_its_own_voice(school: Sample) -> None:
    link_sender(STUDENT, Role.STUDENT, student_id=school.minh_anh)
    link_sender("telegram:lan", Role.TEACHER, staff_id=school.lan)
    student, _ = await run(ActionJoinClass(), STUDENT, "làm sao vào lớp")
    first = student[0]["text"]
    assert first.startswith("Buổi học tiếp theo của em: Toán, lúc 13:30 thứ Tư 02/12.")
    assert "Tên hiển thị của em trong lớp: 05 - Nguyễn Minh Anh" in first
    assert "Em đăng nhập vào lớp trước giờ học ít nhất 10 phút, tức là trước 13:20 nhé (mục 1.4.b)" in first
    assert "Mật khẩu: " + SECRET_6A in first and no_adult_forms(first)
    assert student[1]["response"] == "utter_join_guide_google_meet"
    teacher, _ = await run(ActionJoinClass(), "telegram:lan", "link lớp đâu")
    assert teacher[0]["text"].startswith(
        "Dạ, tiết dạy tiếp theo của thầy cô: Toán, lớp 6A, lúc 13:30 thứ Tư 02/12."
    )
    assert "Tên hiển thị" not in teacher[0]["text"] and SECRET_6A in teacher[0]["text"]


async def test_refusals_address_the_person_who_asked(school: Sample) -> None:
    link_sender(STUDENT, Role.STUDENT, student_id=school.minh_anh)
    other, _ = await run(ActionTimetable(), STUDENT, "lịch học lớp 7B")
    assert other[0]["text"] == (
        "Em chỉ xem được lịch học và thông tin vào lớp của lớp mình (6A), không xem được lớp 7B nhé."
    )
    assert SECRET_7B not in texts(other)
    missing, _ = await run(ActionJoinClass(), STUDENT, "link lớp 9Z")
    assert missing[0]["text"].startswith("Trợ lý không tìm thấy lớp 9Z")
    guest, _ = await run(ActionTimetable(), "zalo:nobody", "lịch học hôm nay")
    assert [m["response"] for m in guest] == ["utter_not_linked"]


async def test_times_are_zero_padded(school: Sample) -> None:
    link_sender(PARENT, Role.PARENT, student_id=school.hoa)
    messages, _ = await run(ActionTimetable(), PARENT, "hôm nay")
    assert "• 09:00–09:45: Lịch sử" in texts(messages)
    join, _ = await run(ActionJoinClass(), PARENT, "làm sao vào lớp")
    assert "lúc 09:00" in texts(join) and "trước 08:50 (mục 1.4.b)" in texts(join)


async def test_an_impossible_date_is_answered_with_the_day_words_that_work(school: Sample) -> None:
    link_sender(PARENT, Role.PARENT, student_id=school.minh_anh)
    link_sender(STUDENT, Role.STUDENT, student_id=school.hoa)
    parent, _ = await run(ActionTimetable(), PARENT, "lịch học ngày 31/2")
    assert [m["response"] for m in parent] == ["utter_timetable_day_unclear"]
    assert "“hôm nay”, “ngày mai”, “thứ Hai”, “tuần sau”" in parent[0]["text"]
    assert parent[0]["text"].startswith("Dạ, em chưa đọc được ngày Quý phụ huynh hỏi.")
    assert [b["title"] for b in parent[0]["buttons"]][:3] == ["Hôm nay", "Ngày mai", "Tuần này"]
    assert SECRET_6A not in texts(parent)  # not today's lessons in place of the day asked
    student, _ = await run(ActionTimetable(), STUDENT, "tkb ngay 12/13")
    assert student[0]["text"].startswith("Trợ lý chưa đọc được ngày em hỏi.")
