"""A school's notices to families and teachers: check, preview, queue, cancel.

The command line (``chatbot broadcast``) and the web app both queue notices through
:func:`queue_notice`, so the same checks (an empty text, an audience of nobody) give the same
answers. The preview counts recipients per channel; a channel's lines are a list so that
routes within a channel (and their cost) can be added beside them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from chatbot.db.models import Broadcast, BroadcastKind, Channel, ChatAccount, Delivery, DeliveryStatus, School
from chatbot.delivery.audience import Audience, recipients
from chatbot.delivery.outbox import Queued, derive_key, queue_broadcast, utcnow
from chatbot.delivery.own_channels import accounts_without_channel
from chatbot.settings import TIMEZONE

MAX_TEXT = 4000
MAX_SCHEDULE_AHEAD = timedelta(days=60)
CHANNEL_LABELS = {
    Channel.TELEGRAM.value: "Telegram",
    Channel.ZALO.value: "Zalo OA",
    Channel.ZALO_BOT.value: "Zalo Bot",
    Channel.REST.value: "Thử nghiệm (REST)",
}


class NoticeError(ValueError):
    """A notice cannot be queued or cancelled as asked; the message is for staff."""


def clean_text(text: str) -> str:
    """The notice's text with surrounding blanks removed; refuses an empty or over-long one."""
    cleaned = text.replace("\r\n", "\n").strip()
    if not cleaned:
        raise NoticeError("nội dung thông báo đang trống")
    if len(cleaned) > MAX_TEXT:
        raise NoticeError(f"nội dung dài {len(cleaned)} ký tự, tối đa {MAX_TEXT}")
    return cleaned


def check_send_at(send_at: datetime | None, now: datetime) -> datetime | None:
    """A chosen sending time: not in the past (a minute's slack), at most 60 days ahead."""
    if send_at is None:
        return None
    if send_at < now - timedelta(minutes=1):
        raise NoticeError(f"thời điểm gửi {send_at.astimezone(TIMEZONE):%H:%M %d/%m/%Y} đã qua")
    if send_at > now + MAX_SCHEDULE_AHEAD:
        raise NoticeError("chỉ hẹn gửi trong vòng 60 ngày tới")
    return send_at if send_at > now else None


@dataclass(frozen=True)
class PreviewLine:
    """How many messages go one way (a channel today; a channel's route later) and the cost."""

    channel: str
    label: str
    count: int
    cost_vnd: int | None = None


@dataclass(frozen=True)
class AudiencePreview:
    total: int
    lines: list[PreviewLine] = field(default_factory=list)

    @property
    def has_costs(self) -> bool:
        return any(line.cost_vnd is not None for line in self.lines)


def preview_audience(session: Session, school: School, audience: Audience) -> AudiencePreview:
    """Recipients of ``audience`` counted per channel (raises AudienceError if it names unknowns)."""
    account_ids = recipients(session, school, audience)
    counts: dict[str, int] = {}
    for start in range(0, len(account_ids), 500):
        chunk = account_ids[start:start + 500]
        rows = session.execute(
            select(ChatAccount.channel, func.count())
            .where(ChatAccount.id.in_(chunk))
            .group_by(ChatAccount.channel)
        )
        for channel, count in rows:
            key = channel.value if hasattr(channel, "value") else str(channel)
            counts[key] = counts.get(key, 0) + count
    lines = [
        PreviewLine(channel, CHANNEL_LABELS.get(channel, channel), counts[channel])
        for channel in CHANNEL_LABELS
        if counts.get(channel)
    ]
    return AudiencePreview(total=len(account_ids), lines=lines)


def queue_notice(
    session: Session,
    school: School,
    audience: Audience,
    text: str,
    *,
    sender: str,
    ask_receipt: bool = False,
    key: str | None = None,
    send_at: datetime | None = None,
    origin: str = "cli",
    now: datetime | None = None,
) -> Queued:
    """Queue a notice from staff to ``audience``; refuses an empty text or nobody to send to.

    Without ``key`` the notice is keyed by its origin, audience, text and local day, so the
    same notice queued twice the same day is queued once.
    """
    now = now or utcnow()
    text = clean_text(text)
    send_at = check_send_at(send_at, now)
    accounts = recipients(session, school, audience)
    if not accounts:
        raise NoticeError("chưa có tài khoản nào của nhóm nhận này kết nối với trợ lý; chưa gửi gì")
    unreachable = accounts_without_channel(session, school, accounts)
    if sum(unreachable.values()) == len(accounts):
        names = ", ".join(CHANNEL_LABELS.get(c, c) for c in sorted(unreachable))
        raise NoticeError(
            f"trường chưa cấu hình kênh {names} riêng của trường (chatbot school channels set "
            f"{school.code} …), nên chưa gửi được cho ai; chưa gửi gì"
        )
    label = audience.label(school.code)
    today = now.astimezone(TIMEZONE).date().isoformat()
    queued = queue_broadcast(
        session,
        key=key or derive_key(origin, label, text, ask_receipt, today),
        kind=BroadcastKind.ANNOUNCEMENT,
        audience=label,
        text=text,
        account_ids=accounts,
        sender=sender,
        school_id=school.id,
        ask_receipt=ask_receipt,
        not_before=send_at,
        now=now,
    )
    if queued.created and send_at is not None:
        session.get(Broadcast, queued.broadcast_id).scheduled_for = send_at
    return queued


def cancel_notice(session: Session, broadcast: Broadcast, *, by: str, now: datetime | None = None) -> int:
    """Withdraw the deliveries of ``broadcast`` not yet sent; return how many.

    Deliveries a worker is sending at this moment still go out. Queued rows are removed (the
    count is kept on the broadcast), so no worker can claim them afterwards.
    """
    if broadcast.kind is not BroadcastKind.ANNOUNCEMENT:
        raise NoticeError("chỉ huỷ được thông báo của nhà trường")
    removed = session.execute(
        delete(Delivery)
        .where(Delivery.broadcast_id == broadcast.id, Delivery.status == DeliveryStatus.PENDING)
        .execution_options(synchronize_session=False)
    ).rowcount or 0
    if not removed:
        raise NoticeError("thông báo đã gửi xong hoặc đã huỷ, không còn tin nào chờ gửi")
    broadcast.cancelled_at = now or utcnow()
    broadcast.cancelled_by = by[:120]
    broadcast.cancelled_count = (broadcast.cancelled_count or 0) + removed
    session.flush()
    return removed


def school_notices(session: Session, school_id: int, limit: int = 50) -> list[Broadcast]:
    """The school's own notices (not reminders or alerts), newest first."""
    return list(
        session.scalars(
            select(Broadcast)
            .where(Broadcast.school_id == school_id, Broadcast.kind == BroadcastKind.ANNOUNCEMENT)
            .order_by(Broadcast.id.desc())
            .limit(limit)
        )
    )
