"""Which route carries a message to each recipient, and the next one when a route fails.

Free routes first: Telegram, Zalo Bot, and Zalo OA consultation messages while the person's
last message is less than 7 days old. Outside that window a follower of the OA gets a
transaction message (templated); a family without a reachable account gets ZNS on a parent's
phone number from the roster (unless it said it wants no ZNS). A family with none of these is
recorded as unreachable with the reason, so staff can see who was not reached and why.

A family is a student's parents: each family with a free route gets the message on every
parent account it has there (as before); otherwise exactly one paid message.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from chatbot.db.models import (
    AccountLink,
    Channel,
    ChatAccount,
    Delivery,
    DeliveryStatus,
    ParentPhone,
    Role,
    ZaloFollow,
)
from chatbot.delivery.zalo_templates import Template, usable
from chatbot.settings import get_settings


class Route(str, enum.Enum):
    TELEGRAM = "telegram"
    ZALO_BOT = "zalo_bot"
    REST = "rest"
    ZALO_CS = "zalo_cs"
    ZALO_TRANSACTION = "zalo_transaction"
    ZNS = "zns"


SENDER_OF: dict[Route, str] = {
    Route.TELEGRAM: "telegram",
    Route.ZALO_BOT: "zalo_bot",
    Route.REST: "rest",
    Route.ZALO_CS: "zalo",
    Route.ZALO_TRANSACTION: "zalo",
    Route.ZNS: "zns",
}
FREE_ROUTES = frozenset({Route.TELEGRAM, Route.ZALO_BOT, Route.REST, Route.ZALO_CS})
TEMPLATED = frozenset({Route.ZALO_TRANSACTION, Route.ZNS})
ROUTE_LABELS = {
    Route.TELEGRAM: "Telegram",
    Route.ZALO_BOT: "Zalo Bot",
    Route.REST: "REST",
    Route.ZALO_CS: "Zalo (trong 7 ngày)",
    Route.ZALO_TRANSACTION: "Zalo tin giao dịch",
    Route.ZNS: "ZNS (số điện thoại)",
}
UNREACHABLE = "unreachable"


def price_vnd(route: Route | str) -> int:
    settings = get_settings().zalo_routes
    if route == Route.ZNS:
        return settings.zns_price_vnd
    if route == Route.ZALO_TRANSACTION:
        return settings.transaction_price_vnd
    return 0


def paid(route: Route | str) -> bool:
    return price_vnd(route) > 0


@dataclass(frozen=True)
class AccountState:
    id: int
    channel: str
    active: bool
    last_inbound_at: datetime | None
    following: bool | None  # None: not known (treated as following)
    role: Role | None = None


@dataclass(frozen=True)
class PlannedDelivery:
    """One row to create: a route, or ``route=None`` for a family listed as unreachable."""

    route: Route | None
    reason: str
    account_id: int | None = None
    student_id: int | None = None
    phone: str | None = None


@dataclass
class Family:
    student_id: int
    accounts: list[AccountState] = field(default_factory=list)
    phones: list[tuple[str, bool]] = field(default_factory=list)  # (phone, opted out)


def account_route(
    account: AccountState, now: datetime, templates: Mapping[tuple[str, str], Template], kind: str
) -> tuple[Route | None, str]:
    """The route to one account, or None with the reason it has none."""
    if not account.active:
        return None, "tài khoản đã ngừng hoạt động"
    channel = account.channel
    if channel == Channel.TELEGRAM.value:
        return Route.TELEGRAM, "đã kết nối Telegram"
    if channel == Channel.ZALO_BOT.value:
        return Route.ZALO_BOT, "đã kết nối Zalo Bot"
    if channel == Channel.REST.value:
        return Route.REST, "kênh REST"
    if account.following is False:
        return None, "không còn quan tâm OA"
    window = timedelta(days=get_settings().zalo_routes.window_days)
    if account.last_inbound_at is None:
        return Route.ZALO_CS, "chưa rõ lần nhắn cuối: thử tin tư vấn trước"
    if now - account.last_inbound_at < window:
        return Route.ZALO_CS, "đã nhắn OA trong 7 ngày"
    if usable(templates, kind, Route.ZALO_TRANSACTION.value) is None:
        return None, f"ngoài 7 ngày và chưa có mẫu tin giao dịch cho '{kind}'"
    days = (now - account.last_inbound_at).days
    return Route.ZALO_TRANSACTION, f"ngoài 7 ngày (lần cuối nhắn OA {days} ngày trước)"


def _channel(value: object) -> str:
    return value.value if hasattr(value, "value") else str(value)


def load_accounts(session: Session, account_ids: Iterable[int]) -> dict[int, AccountState]:
    ids = sorted(set(account_ids))
    found: dict[int, AccountState] = {}
    for start in range(0, len(ids), 500):
        rows = session.execute(
            select(
                ChatAccount.id, ChatAccount.channel, ChatAccount.active, ChatAccount.last_inbound_at,
                ZaloFollow.following, ChatAccount.role,
            )
            .outerjoin(ZaloFollow, ZaloFollow.account_id == ChatAccount.id)
            .where(ChatAccount.id.in_(ids[start : start + 500]))
        ).all()
        for row in rows:
            found[row[0]] = AccountState(row[0], _channel(row[1]), bool(row[2]), row[3], row[4], row[5])
    return found


def load_families(session: Session, student_ids: Iterable[int]) -> dict[int, Family]:
    """Each student's parent accounts (active or not) and roster phone numbers."""
    ids = sorted(set(student_ids))
    families = {sid: Family(sid) for sid in ids}
    links: dict[int, list[int]] = defaultdict(list)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for student_id, account_id in session.execute(
            select(AccountLink.student_id, AccountLink.account_id).where(
                AccountLink.student_id.in_(chunk), AccountLink.role == Role.PARENT
            )
        ):
            links[account_id].append(student_id)
        for student_id, phone, opted_out in session.execute(
            select(ParentPhone.student_id, ParentPhone.phone, ParentPhone.zns_opt_out_at)
            .where(ParentPhone.student_id.in_(chunk))
            .order_by(ParentPhone.student_id, ParentPhone.confirmed_at.is_(None), ParentPhone.position)
        ):
            families[student_id].phones.append((phone, opted_out is not None))
    for account in load_accounts(session, links).values():
        for student_id in links[account.id]:
            families[student_id].accounts.append(account)
    return families


def phone_route(
    family: Family, templates: Mapping[tuple[str, str], Template], kind: str, taken: set[str]
) -> tuple[str | None, str]:
    """A phone of ``family`` for ZNS, or None with the reason."""
    if not family.phones:
        return None, "không có tài khoản nhận được và không có số điện thoại phụ huynh"
    if all(opted_out for _, opted_out in family.phones):
        return None, "gia đình đã từ chối nhận ZNS"
    if usable(templates, kind, Route.ZNS.value) is None:
        return None, f"chưa có mẫu ZNS dùng được cho '{kind}'"
    if get_settings().zalo_routes.daily_budget_vnd <= 0 and paid(Route.ZNS):
        return None, "ngân sách ZNS bằng 0: tuyến trả phí đang tắt"
    for phone, opted_out in family.phones:
        if not opted_out:
            if phone in taken:
                return None, "đã gửi ZNS tới cùng số điện thoại (anh chị em)"
            return phone, "không có cuộc trò chuyện với OA: gửi ZNS"
    return None, "gia đình đã từ chối nhận ZNS"


def plan(
    session: Session,
    *,
    account_ids: Iterable[int],
    families: Iterable[int] = (),
    kind: str,
    templates: Mapping[tuple[str, str], Template],
    now: datetime,
) -> list[PlannedDelivery]:
    """The deliveries of a broadcast: a route per account of ``account_ids`` that has one, and
    for every family of ``families`` not reached that way one paid message or an
    unreachable row with the reason."""
    planned: list[PlannedDelivery] = []
    reached: set[int] = set()
    accounts = load_accounts(session, account_ids)
    routed: dict[int, Route] = {}
    for account in accounts.values():
        route, reason = account_route(account, now, templates, kind)
        if route is not None and route in FREE_ROUTES:
            planned.append(PlannedDelivery(route, reason, account_id=account.id))
            routed[account.id] = route
    family_map = load_families(session, families)
    paid_accounts: set[int] = set()
    taken_phones: set[str] = set()
    for family in family_map.values():
        if any(a.id in routed for a in family.accounts):
            reached.add(family.student_id)
            continue
        reason = ""
        for account in family.accounts:
            if account.id in paid_accounts:
                reached.add(family.student_id)
                break
            route, why = account_route(account, now, templates, kind)
            if route is not None:
                planned.append(
                    PlannedDelivery(route, why, account_id=account.id, student_id=family.student_id)
                )
                paid_accounts.add(account.id)
                reached.add(family.student_id)
                break
            reason = reason or why
        if family.student_id in reached:
            continue
        phone, why = phone_route(family, templates, kind, taken_phones)
        if phone is not None:
            taken_phones.add(phone)
            planned.append(PlannedDelivery(Route.ZNS, why, student_id=family.student_id, phone=phone))
            continue
        if why.startswith("đã gửi ZNS"):
            continue  # a sibling's family message covers this one
        full = f"{reason}; {why}" if reason and family.phones else (reason or why)
        planned.append(PlannedDelivery(None, full[:120], student_id=family.student_id))
    # Accounts of the audience outside any family (teachers, students) with a paid route.
    in_families = {a.id for f in family_map.values() for a in f.accounts}
    for account in accounts.values():
        if account.id in routed or account.id in paid_accounts or account.id in in_families:
            continue
        route, reason = account_route(account, now, templates, kind)
        planned.append(PlannedDelivery(route, reason, account_id=account.id))
    return planned


def next_route(
    session: Session,
    *,
    broadcast_id: int,
    delivery_id: int,
    failed: Route,
    account_id: int | None,
    student_id: int | None,
    kind: str,
    templates: Mapping[tuple[str, str], Template],
) -> tuple[Route | None, str | None, str]:
    """After ``failed`` could not carry a delivery: the next route (and phone for ZNS), or None
    with the reason. ZNS is chosen only when no other delivery of the broadcast reaches the
    family, so a family gets the message once."""
    if failed is Route.ZALO_CS and account_id is not None:
        account = load_accounts(session, [account_id]).get(account_id)
        following = account is not None and account.following is not False
        if following and usable(templates, kind, Route.ZALO_TRANSACTION.value) is not None:
            return Route.ZALO_TRANSACTION, None, "cửa sổ 7 ngày đã đóng: gửi tin giao dịch"
    if failed is Route.ZNS:
        return None, None, "không gửi được ZNS"
    students = [student_id] if student_id is not None else []
    if account_id is not None and not students:
        students = list(
            session.execute(
                select(AccountLink.student_id).where(
                    AccountLink.account_id == account_id, AccountLink.role == Role.PARENT
                )
            ).scalars()
        )
    if not students:
        return None, None, "không còn tuyến nào khác"
    others = session.execute(
        select(Delivery.phone, Delivery.status, Delivery.account_id, Delivery.student_id)
        .where(Delivery.broadcast_id == broadcast_id, Delivery.id != delivery_id)
    ).all()
    family_accounts = set(
        session.execute(
            select(AccountLink.account_id).where(
                AccountLink.student_id.in_(students), AccountLink.role == Role.PARENT
            )
        ).scalars()
    )
    taken = {row[0] for row in others if row[0]}
    for _phone, status, other_account, other_student in others:
        if status == DeliveryStatus.FAILED:
            continue
        if other_account in family_accounts or other_student in students:
            return None, None, "gia đình đã được gửi qua tuyến khác"
    families = load_families(session, students)
    reason = "không có số điện thoại phụ huynh"
    for family in families.values():
        phone, why = phone_route(family, templates, kind, taken)
        if phone is not None:
            return Route.ZNS, phone, "tuyến trước không gửi được: gửi ZNS"
        reason = why
    return None, None, reason
