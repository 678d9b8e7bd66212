"""The audit log of sensitive actions: who signed in, sent, handled, imported or exported what.

Details name the object (a notice's number, a report's reference, a file's kind and row
count), never a family's name, a code or a meeting password.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from chatbot.db.models import AuditEvent, StaffUser

ACTION_LABELS = {
    "sign_in": "Đăng nhập",
    "sign_in_link": "Đăng nhập bằng liên kết",
    "sign_out_everywhere": "Đăng xuất mọi nơi",
    "password_changed": "Đổi mật khẩu",
    "import": "Nhập dữ liệu",
    "invites_issued": "Tạo mã mời",
    "invites_revoked": "Huỷ mã mời",
    "notice_queued": "Gửi thông báo",
    "notice_cancelled": "Huỷ thông báo",
    "report_handled": "Xử lý sự vụ",
    "reports_exported": "Xuất danh sách sự vụ",
    "office_report": "Tải báo cáo Phòng GDĐT",
    "school_channel_set": "Cài kênh riêng của trường",
    "school_channel_removed": "Xoá kênh riêng của trường",
}
DETAIL_LIMIT = 500


def record(
    session: Session,
    user: StaffUser,
    action: str,
    detail: str = "",
    *,
    school_id: int | None = None,
    now: datetime | None = None,
) -> AuditEvent:
    """Add one event for ``user`` (in ``school_id``, default the user's school)."""
    if action not in ACTION_LABELS:
        raise ValueError(f"unknown audit action {action!r}")
    event = AuditEvent(
        at=now or datetime.now(timezone.utc),
        user_id=user.id,
        username=user.username,
        school_id=school_id if school_id is not None else user.school_id,
        action=action,
        detail=detail[:DETAIL_LIMIT],
    )
    session.add(event)
    session.flush()
    return event


def recent_events(
    session: Session, school_ids: Collection[int] | None, *, limit: int = 200
) -> list[AuditEvent]:
    """The newest events of the given schools, or of all (None)."""
    query = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)
    if school_ids is not None:
        query = query.where(AuditEvent.school_id.in_(list(school_ids)))
    return list(session.scalars(query))
