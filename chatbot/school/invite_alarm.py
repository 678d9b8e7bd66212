"""A staff alarm when wrong invite codes pile up across all accounts (someone guessing codes).

The per-account lock-out (:mod:`chatbot.school.invites`) stops one account; many accounts each
trying a few codes pass under it. When the wrong codes of the last hour reach
``INVITE_ALARM_PER_HOUR``, school staff get one alert per clock hour through the outbox.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chatbot.db.models import Broadcast, InviteAttempt
from chatbot.school import alerts
from chatbot.settings import get_settings

logger = logging.getLogger(__name__)

WINDOW = timedelta(hours=1)
KEY_PREFIX = "invite-alarm"


def failures_in_last_hour(session: Session, now: datetime) -> int:
    return session.execute(
        select(func.count(InviteAttempt.id)).where(
            InviteAttempt.attempted_at > now - WINDOW, InviteAttempt.attempted_at <= now
        )
    ).scalar_one()


def alarm_text(count: int, threshold: int) -> str:
    return (
        f"⚠️ Trong một giờ qua, trợ lý đã nhận {count} mã mời sai (ngưỡng cảnh báo: {threshold}); "
        "có thể có người đang dò mã. Thầy cô nên kiểm tra các mã chưa dùng, thu hồi và cấp lại "
        "khi cần (chatbot invites --regenerate), và nhắc gia đình không chia sẻ mã."
    )


def check_failure_alarm(session: Session, now: datetime | None = None) -> Broadcast | None:
    """Alert staff once per clock hour while the last hour's wrong codes reach the threshold."""
    now = now or datetime.now(timezone.utc)
    threshold = get_settings().invite_alarm_per_hour
    count = failures_in_last_hour(session, now)
    if count < threshold:
        return None
    key = f"{KEY_PREFIX}:{now.astimezone(timezone.utc):%Y-%m-%dT%H}"
    broadcast = alerts.queue_staff_alert(session, text=alarm_text(count, threshold), idempotency_key=key)
    if broadcast is None:
        logger.warning("%d wrong invite codes in the last hour and no staff account to alert", count)
    return broadcast
