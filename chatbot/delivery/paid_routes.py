"""What the worker does around templated and paid routes, in one short transaction each:

- before sending: find the template of the notice's kind and check the text fits it, reserve
  the price on the daily budget (or hold the delivery until tomorrow and alert staff once);
- after a failure: give the money back, record an unfollow, stop a template Zalo refused
  (alerting staff), alert staff when the Zalo Cloud Account cannot pay;
- when a route cannot carry the message: queue it on the next route or fail it with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from chatbot.db.models import Delivery
from chatbot.delivery import budget, outbox
from chatbot.delivery.outbound import SendResult, TemplateMessage
from chatbot.delivery.routes import ROUTE_LABELS, Route, next_route, price_vnd
from chatbot.delivery.staff_alerts import queue_staff_alert
from chatbot.delivery.zalo_follow import set_following
from chatbot.delivery.zalo_templates import (
    disable_template,
    kind_of,
    misfit,
    render,
    templates_by_key,
    usable,
    values,
)


@dataclass(frozen=True)
class PaidPrep:
    """A templated delivery made ready: its template message and reserved price; or why it
    cannot go this way (``misfit``); or until when the budget holds it."""

    template: TemplateMessage | None = None
    price: int = 0
    misfit: str | None = None
    held_until: datetime | None = None


def _kind(item: outbox.Claim) -> str:
    return kind_of(item.kind, item.ask_receipt)


def prepare_paid(session: Session, item: outbox.Claim, now: datetime) -> PaidPrep:
    route = Route(item.route)
    kind = _kind(item)
    template = usable(templates_by_key(session), kind, route.value)
    if template is None:
        return PaidPrep(misfit=f"no usable {route.value} template for {kind}")
    sources = values(template, text=item.text, school=item.school_name, when=now)
    reason = misfit(template, sources)
    if reason is not None:
        return PaidPrep(misfit=f"text does not fit the {route.value} template")
    price = price_vnd(route)
    if not budget.reserve(session, price, now):
        if budget.first_alert_today(session, now):
            state = budget.state(session, now)
            queue_staff_alert(
                session,
                text=(
                    f"Ngân sách tin Zalo trả phí hôm nay ({state.budget_vnd:,} đồng) đã dùng hết. "
                    "Các tin còn lại đang chờ sang ngày mai; thầy cô có thể nâng "
                    "ZNS_DAILY_BUDGET_VND rồi chạy 'chatbot zalo budget --resume' để gửi tiếp."
                ).replace(",", "."),
                idempotency_key=f"zalo-budget:{state.day.isoformat()}",
            )
        return PaidPrep(price=0, held_until=budget.next_day_start(now))
    return PaidPrep(render(template, sources), price)


def after_failure(
    session: Session, item: outbox.Claim, result: SendResult, prep: PaidPrep, now: datetime
) -> None:
    if prep.price:
        budget.refund(session, prep.price, now)
    if result.unfollowed and item.account_id is not None:
        set_following(session, item.account_id, False, now)
    if result.template_rejected and item.route:
        kind = _kind(item)
        if disable_template(session, kind, item.route, result.error or "template refused"):
            label = ROUTE_LABELS.get(Route(item.route), item.route)
            queue_staff_alert(
                session,
                text=(
                    f"Zalo từ chối mẫu {label} của loại thông báo '{kind}' ({result.error}). "
                    "Loại thông báo này tạm dừng trên tuyến đó; thầy cô kiểm tra mẫu rồi khai "
                    "báo lại bằng 'chatbot zalo templates set'."
                ),
                idempotency_key=f"zalo-template:{kind}:{item.route}:{now:%Y%m%d%H}",
            )
    if result.paid_stop:
        queue_staff_alert(
            session,
            text=(
                "Zalo báo tài khoản Zalo Cloud của trường chưa kết nối hoặc không đủ tiền "
                f"({result.error}). Tin ZNS tạm dừng; các tin vẫn nằm trong hàng chờ."
            ),
            idempotency_key=f"zalo-pay:{now:%Y%m%d%H}",
        )


def _route_of(item: outbox.Claim) -> Route:
    if item.route and item.route in Route._value2member_map_:
        return Route(item.route)
    return {"zalo": Route.ZALO_CS, "zalo_bot": Route.ZALO_BOT, "rest": Route.REST}.get(
        item.channel, Route.TELEGRAM
    )


def fall_through(session: Session, item: outbox.Claim, worker_id: str, error: str, now: datetime) -> bool:
    """Queue ``item`` on its next route (True), or fail it naming why none is left (False)."""
    route, phone, reason = next_route(
        session,
        broadcast_id=item.broadcast_id,
        delivery_id=item.delivery_id,
        failed=_route_of(item),
        account_id=item.account_id,
        student_id=item.student_id,
        kind=_kind(item),
        templates=templates_by_key(session),
    )
    if route is not None:
        outbox.reroute(
            session, item.delivery_id, worker_id, route=route.value, reason=reason, error=error,
            now=now, phone=phone,
        )
        return True
    outbox.mark_failed(session, item.delivery_id, worker_id, error=error)
    session.execute(
        update(Delivery)
        .where(Delivery.id == item.delivery_id)
        .values(route_reason=f"không còn tuyến: {reason}"[:120])
        .execution_options(synchronize_session=False)
    )
    return False
