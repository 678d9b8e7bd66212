"""How to join the next online lesson: its details, the display name, the 10-minute rule and
practical tips for the lesson's platform."""

from __future__ import annotations

from datetime import datetime, timedelta

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import db, local_now
from actions.lessons import SECRET_NOTE, ClassesAction, Target, day_label, meeting_lines
from chatbot.school import timetable
from chatbot.school.accounts import AccountView
from chatbot.school.timetable import Lesson

EARLY_LOGIN = timedelta(minutes=10)

GUIDES = {
    "zoom": (
        "Gợi ý khi học trên Zoom:\n"
        "• Cài ứng dụng Zoom từ kho ứng dụng của điện thoại, hoặc bản cho máy tính từ trang chính "
        "thức của Zoom.\n"
        "• Bấm link lớp; hoặc mở Zoom, chọn «Join» (Tham gia), nhập mã phòng rồi mật khẩu.\n"
        "• Đổi tên: gõ tên vào ô «Your name» trước khi vào; trong lớp chọn «Participants», bấm vào "
        "tên mình, chọn «Rename».\n"
        "• Micro và camera: nút «Mute/Unmute» và «Start/Stop Video» ở thanh dưới; nên tắt micro khi "
        "chưa phát biểu.\n"
        "• Giơ tay phát biểu: «Reactions» → «Raise Hand»."
    ),
    "google meet": (
        "Gợi ý khi học trên Google Meet:\n"
        "• Điện thoại nên cài ứng dụng Google Meet; máy tính có thể dùng trình duyệt Chrome.\n"
        "• Bấm link lớp; hoặc mở Meet, chọn «Tham gia bằng mã» và nhập mã cuộc họp.\n"
        "• Đổi tên: Meet hiện tên tài khoản Google, đổi ở Tài khoản Google → Thông tin cá nhân → "
        "Tên; nếu vào không đăng nhập, gõ tên ở ô «Tên của bạn».\n"
        "• Micro và camera: biểu tượng micro và máy quay ở thanh dưới; nên tắt micro khi chưa "
        "phát biểu.\n"
        "• Giơ tay phát biểu: nút hình bàn tay ở thanh dưới."
    ),
    "microsoft teams": (
        "Gợi ý khi học trên Microsoft Teams:\n"
        "• Cài ứng dụng Microsoft Teams, hoặc dùng trình duyệt trên máy tính.\n"
        "• Bấm link lớp rồi chọn «Tham gia ngay»; nếu có ID cuộc họp và mật mã, mở Teams và chọn "
        "«Tham gia bằng ID».\n"
        "• Đổi tên: khi vào với tư cách khách, gõ tên trước khi tham gia; tài khoản của trường "
        "hiện tên nhà trường đã đặt.\n"
        "• Micro và camera: công tắc ở màn hình chờ và nút trên thanh công cụ; nên tắt micro khi "
        "chưa phát biểu.\n"
        "• Giơ tay phát biểu: nút «Giơ tay» (Raise) trên thanh công cụ."
    ),
}
GENERIC_GUIDE = (
    "Gợi ý: cài sẵn ứng dụng học trực tuyến theo hướng dẫn của giáo viên, kiểm tra micro, camera "
    "và đường truyền trước giờ học, đặt đúng tên hiển thị, tắt micro khi chưa phát biểu."
)


def guide_for(platform: str | None) -> str:
    key = (platform or "").strip().lower()
    if key in ("meet", "google meet"):
        key = "google meet"
    if key in ("teams", "microsoft teams", "ms teams"):
        key = "microsoft teams"
    return GUIDES.get(key, GENERIC_GUIDE)


def _join_text(target: Target, lesson: Lesson, now: datetime) -> str:
    platform = f" trên {lesson.platform}" if lesson.platform else ""
    state = "đang diễn ra" if lesson.starts <= now else f"lúc {lesson.starts_at:%H:%M}"
    lines = [
        f"Dạ, buổi học tiếp theo của {target.who}: {lesson.subject}, {state} {day_label(lesson.day)}"
        f"{platform}."
    ]
    lines.extend(f"• {line.strip()}" for line in meeting_lines(lesson))
    for student in target.students:
        lines.append(f"Tên hiển thị của em {student.full_name}: {student.display_name}")
    login_by = lesson.starts - EARLY_LOGIN
    lines.append(
        f"Các con đăng nhập vào lớp trước giờ học ít nhất 10 phút, tức là trước {login_by:%H:%M} "
        "(mục 1.4.b)."
    )
    if lesson.meeting:
        lines.append(SECRET_NOTE)
    return "\n".join(lines)


class ActionJoinClass(ClassesAction):
    intent = "ask_join_class"

    def name(self) -> str:
        return "action_join_class"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, view: AccountView, targets: list[Target]
    ) -> None:
        now = local_now()
        platforms: list[str | None] = []
        if not targets:  # a teacher: the next lesson they teach
            lesson = await db(timetable.next_lesson_taught, view, now)
            if lesson is not None:
                target = Target(0, lesson.class_name, f"thầy cô (lớp {lesson.class_name})")
                dispatcher.utter_message(text=_join_text(target, lesson, now))
                platforms.append(lesson.platform)
        for target in targets:
            lesson = await db(timetable.next_lesson, view, target.class_id, now)
            if lesson is None:
                dispatcher.utter_message(
                    text=f"Dạ, trong bốn tuần tới lớp {target.class_name} chưa có tiết học trực tuyến "
                    "nào trong lịch."
                )
                continue
            dispatcher.utter_message(text=_join_text(target, lesson, now))
            platforms.append(lesson.platform)
        if not platforms and not targets:
            dispatcher.utter_message(text="Dạ, trong bốn tuần tới thầy cô chưa có tiết dạy trực tuyến nào.")
        for platform in dict.fromkeys(platforms):
            dispatcher.utter_message(text=guide_for(platform))
