"""A school's notices to families and teachers: check, preview, queue, cancel.

The command line (``chatbot broadcast``) and the web app both queue notices through
:func:`queue_notice`, so the same checks (an empty text, an audience of nobody) give the same
answers. The preview counts messages per route (:mod:`chatbot.delivery.routes`) with the
estimated cost of the paid ones, and the families no route reaches.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from chatbot.db.models import Broadcast, BroadcastKind, Channel, Delivery, DeliveryStatus, School
from chatbot.delivery.audience import Audience, recipients, student_query
from chatbot.delivery.outbox import Queued, broadcast_exists, derive_key, queue_broadcast, utcnow
from chatbot.delivery.own_channels import accounts_without_channel
from chatbot.delivery.routes import ROUTE_LABELS, TEMPLATED, Route, plan, price_vnd
from chatbot.delivery.zalo_templates import KINDS, check_fit, kind_of, templates_by_key
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
    """How many messages go one way (a route: Telegram, Zalo inside the window, a transaction
    template, ZNS…) and what they cost (paid routes only)."""

    channel: str
    label: str
    count: int
    cost_vnd: int | None = None


@dataclass(frozen=True)
class AudiencePreview:
    total: int
    lines: list[PreviewLine] = field(default_factory=list)
    unreachable: int = 0  # families no route reaches (listed after sending, with the reason)
    refusal: str | None = None  # why the text cannot be sent by a route it needs

    @property
    def has_costs(self) -> bool:
        return any(line.cost_vnd is not None for line in self.lines)

    @property
    def cost_vnd(self) -> int:
        return sum(line.cost_vnd or 0 for line in self.lines)


def family_ids(session: Session, school: School, audience: Audience) -> list[int]:
    """Students whose families (parents) are in ``audience``; empty when parents are not."""
    if "parents" not in audience.groups:
        return []
    return sorted(session.execute(student_query(session, school, audience)).scalars())


def preview_audience(
    session: Session,
    school: School,
    audience: Audience,
    text: str = "",
    *,
    ask_receipt: bool = False,
    now: datetime | None = None,
) -> AudiencePreview:
    """Messages to ``audience`` counted per route, with the estimated cost of paid routes, the
    families nobody can reach, and (given the text) why a template would refuse it. Raises
    AudienceError if the audience names unknowns."""
    now = now or utcnow()
    kind = kind_of(BroadcastKind.ANNOUNCEMENT, ask_receipt)
    templates = templates_by_key(session)
    planned = plan(
        session, account_ids=recipients(session, school, audience),
        families=family_ids(session, school, audience), kind=kind, templates=templates, now=now,
    )
    counts = Counter(p.route for p in planned if p.route is not None)
    lines = [
        PreviewLine(
            route.value, ROUTE_LABELS[route], counts[route],
            price_vnd(route) * counts[route] if route in TEMPLATED else None,
        )
        for route in Route
        if counts.get(route)
    ]
    unreachable = sum(1 for p in planned if p.route is None)
    refusal = None
    needed = {route.value for route in counts if route in TEMPLATED}
    if text and needed:
        refusal = check_fit(
            templates, kind, needed,
            {"text": " ".join(text.split()), "school": school.name, "date": "00/00/0000",
             "title": KINDS.get(kind, ""), "code": "", "link": ""},
        )
    return AudiencePreview(sum(counts.values()), lines, unreachable, refusal)


def refuse_without_own_channels(session: Session, school: School, accounts: list[int]) -> None:
    """Refuse a notice whose every account is on one of the school's own bots that has no
    credentials stored: nothing could reach them."""
    if not accounts:
        return
    unreachable = accounts_without_channel(session, school, accounts)
    if sum(unreachable.values()) == len(accounts):
        names = ", ".join(CHANNEL_LABELS.get(c, c) for c in sorted(unreachable))
        raise NoticeError(
            f"trường chưa cấu hình kênh {names} riêng của trường (chatbot school channels set "
            f"{school.code} …), nên chưa gửi được cho ai; chưa gửi gì"
        )


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
    """Queue a notice from staff to ``audience``; refuses an empty text, nobody to send to, or a
    text that a template it needs cannot carry (before anything is sent).

    Without ``key`` the notice is keyed by its origin, audience, text and local day, so the
    same notice queued twice the same day is queued once.
    """
    now = now or utcnow()
    text = clean_text(text)
    send_at = check_send_at(send_at, now)
    accounts = recipients(session, school, audience)
    families = family_ids(session, school, audience)
    label = audience.label(school.code)
    today = now.astimezone(TIMEZONE).date().isoformat()
    key = key or derive_key(origin, label, text, ask_receipt, today)
    if not broadcast_exists(session, key):
        reach = preview_audience(session, school, audience, text, ask_receipt=ask_receipt, now=now)
        if reach.total == 0:
            raise NoticeError("chưa có tài khoản nào của nhóm nhận này kết nối với trợ lý; chưa gửi gì")
        if reach.refusal:
            raise NoticeError(f"chưa gửi gì: {reach.refusal}")
        refuse_without_own_channels(session, school, accounts)
    queued = queue_broadcast(
        session,
        key=key,
        kind=BroadcastKind.ANNOUNCEMENT,
        audience=label,
        text=text,
        account_ids=accounts,
        sender=sender,
        school_id=school.id,
        ask_receipt=ask_receipt,
        not_before=send_at,
        now=now,
        families=families,
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
