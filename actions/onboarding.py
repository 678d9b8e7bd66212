"""Linking a chat account with an invite code, and the family's acknowledgement of the rules."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import HOW_TO_LINK, NOT_LINKED, account_view, db, entity, now, sender
from actions.guard import SafeAction
from actions.zns import ask_phone
from chatbot.db.models import Role
from chatbot.school import acknowledgements
from chatbot.school.accounts import AccountView, LinkedStudent, LinkOutcome, LinkStatus, redeem_code
from chatbot.school.dates import format_moment
from chatbot.school.invites import find_code
from chatbot.settings import RULES_VERSION, TIMEZONE

ACK_BUTTON = {"title": "Tôi đã đọc và cam kết thực hiện", "payload": "/acknowledge_rules"}

RULES_DIGEST = (
    "Dạ, mấy điều chính của nội quy học trực tuyến:\n"
    "• Đăng nhập vào lớp trước giờ học ít nhất 10 phút; dùng tên thật, ghi số thứ tự theo "
    "danh sách lớp (mục 1.4.b).\n"
    "• Không bình luận, đưa thông tin không liên quan đến bài học hay làm gián đoạn lớp học "
    "(mục 1.4.d).\n"
    "• Thực hiện nghiêm túc quy định về thời gian, không gian, trang phục, ứng xử văn hóa "
    "khi học trực tuyến (mục 1.4.đ).\n"
    "• Bảo vệ tài khoản cá nhân, tuyệt đối không chia sẻ tài khoản và mật khẩu lớp học cho "
    "người khác; thấy người lạ vào lớp hay tình huống mất an toàn thì báo ngay cho giáo viên "
    "phụ trách lớp và cha mẹ (mục 2)."
)

_PROBLEMS = {
    LinkStatus.UNKNOWN: "Dạ, mã này chưa đúng. Vui lòng kiểm tra lại mã (8 ký tự, dạng ABCD-2345) và gõ lại.",
    LinkStatus.EXPIRED: "Dạ, mã này đã hết hạn. Vui lòng xin giáo viên chủ nhiệm một mã mới.",
    LinkStatus.REVOKED: "Dạ, mã này đã được nhà trường thu hồi. Vui lòng xin giáo viên chủ nhiệm một mã mới.",
    LinkStatus.USED: (
        "Dạ, mã này đã được dùng rồi. Nếu gia đình chưa dùng mã này, vui lòng báo ngay giáo viên "
        "chủ nhiệm để được cấp mã mới."
    ),
}

_ROLE_NAMES = {
    Role.PARENT: "phụ huynh",
    Role.STUDENT: "học sinh",
    Role.TEACHER: "giáo viên",
    Role.STAFF: "cán bộ nhà trường",
}


def ask_acknowledgement(dispatcher: CollectingDispatcher, students: list[LinkedStudent]) -> None:
    dispatcher.utter_message(text=RULES_DIGEST)
    names = ", ".join(f"em {s.full_name}" for s in students)
    dispatcher.utter_message(
        text=f"Gia đình vui lòng xác nhận đã đọc và cam kết thực hiện nội quy cho {names}.",
        buttons=[ACK_BUTTON],
    )


def _welcome(student: LinkedStudent) -> str:
    if student.link_role is Role.STUDENT:
        return (
            f"Dạ, chào em {student.full_name}, lớp {student.class_name}! Tài khoản đã được liên kết.\n"
            f"Khi vào lớp trực tuyến, em đặt tên hiển thị đúng là: {student.display_name} (mục 1.4.b)."
        )
    return (
        f"Dạ, tài khoản đã được liên kết với em {student.full_name}, lớp {student.class_name}.\n"
        f"Khi vào lớp trực tuyến, con cần đặt tên hiển thị đúng là: {student.display_name} "
        "(mục 1.4.b)."
    )


WEB_LOGIN_BUTTON = {"title": "Đăng nhập trang quản lý", "payload": "/web_login"}


def _staff_welcome(outcome: LinkOutcome) -> str:
    staff = outcome.view.staff if outcome.view else None
    classes = ", ".join(staff.homeroom_class_names) if staff else ""
    text = (
        f"Dạ, chào thầy cô {outcome.staff_name}. Tài khoản đã được liên kết với vai trò "
        f"{_ROLE_NAMES[outcome.role]}."
    )
    if classes:
        text += (
            f" Báo cáo sự cố và yêu cầu hỗ trợ của lớp chủ nhiệm ({classes}) sẽ được gửi tới "
            "thầy cô qua đây."
        )
    return text


def _conflict(outcome: LinkOutcome) -> str:
    view = outcome.view or AccountView()
    if outcome.role in (Role.TEACHER, Role.STAFF) and view.staff is not None:
        return (
            "Dạ, tài khoản này đã được liên kết với một giáo viên khác nên không dùng được mã này. "
            "Mã vẫn còn hiệu lực; vui lòng dùng mã trên đúng tài khoản của thầy cô."
        )
    current = "học sinh" if view.is_student else "giáo viên" if view.staff else "phụ huynh"
    return (
        f"Dạ, đây là mã dành cho {_ROLE_NAMES[outcome.role]}, còn tài khoản này đang liên kết với vai "
        f"trò {current}. Mỗi tài khoản học sinh chỉ liên kết với chính em đó. Mã vẫn còn hiệu lực; "
        "vui lòng dùng mã trên đúng tài khoản, hoặc liên hệ giáo viên chủ nhiệm."
    )


def _locked(outcome: LinkOutcome) -> str:
    until = outcome.locked_until.astimezone(TIMEZONE) if outcome.locked_until else None
    when = f" đến {until:%H:%M}" if until else ""
    return (
        f"Dạ, tài khoản đã nhập sai mã nhiều lần nên tạm thời chưa nhập mã được{when}. "
        "Vui lòng thử lại sau, hoặc liên hệ giáo viên chủ nhiệm để kiểm tra lại mã."
    )


class ActionLinkAccount(SafeAction):
    def name(self) -> str:
        return "action_link_account"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        text = (tracker.latest_message or {}).get("text") or ""
        code = entity(tracker, "invite_code") or find_code(text)
        if code is None:
            await self._explain(dispatcher, tracker)
            return []
        channel, external_id = sender(tracker)
        outcome = await db(redeem_code, channel, external_id, code, now())
        if outcome.status in _PROBLEMS:
            dispatcher.utter_message(text=_PROBLEMS[outcome.status])
        elif outcome.status is LinkStatus.LOCKED_OUT:
            dispatcher.utter_message(text=_locked(outcome))
        elif outcome.status is LinkStatus.ROLE_CONFLICT:
            dispatcher.utter_message(text=_conflict(outcome))
        elif outcome.role in (Role.TEACHER, Role.STAFF):
            prefix = "Dạ, tài khoản này đã được liên kết với thầy cô từ trước. " if (
                outcome.status is LinkStatus.ALREADY_LINKED) else ""
            dispatcher.utter_message(text=prefix + _staff_welcome(outcome), buttons=[WEB_LOGIN_BUTTON])
        else:
            await self._linked(dispatcher, outcome, tracker)
        return []

    async def _explain(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        view = await account_view(tracker)
        if not view.students:
            dispatcher.utter_message(
                text=f"Dạ, {HOW_TO_LINK} Mỗi mã chỉ dùng được một lần và có hạn sử dụng."
            )
            return
        names = "; ".join(f"em {s.full_name} (lớp {s.class_name})" for s in view.students)
        dispatcher.utter_message(
            text=f"Dạ, tài khoản đang liên kết với {names}. Để liên kết thêm con, vui lòng gõ mã "
            "mời của con (dạng ABCD-2345)."
        )

    async def _linked(
        self, dispatcher: CollectingDispatcher, outcome: LinkOutcome, tracker: Tracker
    ) -> None:
        student = outcome.student
        if outcome.status is LinkStatus.ALREADY_LINKED:
            dispatcher.utter_message(
                text=f"Dạ, tài khoản này đã được liên kết với em {student.full_name} (lớp "
                f"{student.class_name}) rồi ạ; mã chưa bị dùng. Tên hiển thị của con: "
                f"{student.display_name}."
            )
        else:
            dispatcher.utter_message(text=_welcome(student))
        pending = await db(acknowledgements.pending, outcome.view, RULES_VERSION)
        if any(p.student_id == student.student_id for p in pending):
            ask_acknowledgement(dispatcher, [p for p in pending if p.student_id == student.student_id])
        elif student.link_role is Role.PARENT:
            await ask_phone(dispatcher, tracker)


class ActionAcknowledgeRules(SafeAction):
    def name(self) -> str:
        return "action_acknowledge_rules"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        view = await account_view(tracker)
        if not view.students:
            staff_text = (
                "Dạ, xác nhận nội quy dành cho gia đình và học sinh; tài khoản của thầy cô "
                "không cần xác nhận."
            )
            text = staff_text if view.staff else NOT_LINKED
            dispatcher.utter_message(text=text)
            return []
        result = await db(acknowledgements.acknowledge, view, RULES_VERSION, now())
        if result.recorded:
            names = ", ".join(f"em {s.full_name}" for s in result.recorded)
            moment = format_moment(now())
            thanks = "Cảm ơn em!" if view.is_student else "Cảm ơn Quý phụ huynh!"
            dispatcher.utter_message(
                text=f"Dạ, nhà trường đã ghi nhận xác nhận đã đọc và cam kết thực hiện nội quy "
                f"(phiên bản {RULES_VERSION}) cho {names} lúc {moment}. {thanks}"
            )
        for student, when in result.already:
            dispatcher.utter_message(
                text=f"Dạ, gia đình đã xác nhận nội quy (phiên bản {RULES_VERSION}) cho em "
                f"{student.full_name} từ {format_moment(when)} rồi ạ."
            )
        if result.recorded and not view.is_student:
            await ask_phone(dispatcher, tracker)
        return []
