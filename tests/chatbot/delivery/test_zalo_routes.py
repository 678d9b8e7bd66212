"""Issue 13: a notice reaches every family on its own route through the fake Zalo API; the
rest are listed as unreachable with the reason; each error code; the daily budget."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import func, select

import actions.common
from actions.broadcast import ActionBroadcastPreview
from chatbot.db.engine import session_scope
from chatbot.db.models import (
    Broadcast,
    BroadcastKind,
    Channel,
    ChatAccount,
    Delivery,
    DeliveryStatus,
    ParentPhone,
    School,
    SchoolClass,
    StaffMember,
    StaffRole,
    Student,
    ZaloFollow,
    ZaloTemplate,
)
from chatbot.delivery import budget
from chatbot.delivery.audience import Audience
from chatbot.delivery.notices import NoticeError, preview_audience, queue_notice
from chatbot.delivery.reach import class_reach, unreachable
from chatbot.delivery.worker import DeliveryWorker, Outcome, WorkerOptions
from chatbot.delivery.zalo_templates import set_template
from chatbot.settings import reset_settings
from connectors.senders import build_senders
from connectors.zalo_api import OA_ERRORS, ZNS_ERRORS, Decision
from tests.chatbot.delivery.conftest import Fakes, add_account
from tests.fakes.zalo_api import zalo_error
from tests.replies import render_async

TEXT = "Thứ Hai tuần sau lớp 6A học trực tuyến từ 7 giờ 30, phụ huynh lưu ý giúp nhà trường."
ZNS_TEMPLATE = "248001"
NOW = datetime.now(timezone.utc)


@dataclass
class Spread:
    school_id: int
    students: dict[int, int] = field(default_factory=dict)  # roll → student id
    accounts: dict[str, int] = field(default_factory=dict)


def phone(roll: int) -> str:
    return f"+8491234{roll:04d}"


def add_phone(session, student_id: int, number: str, opted_out: bool = False) -> None:  # noqa: ANN001
    session.add(
        ParentPhone(student_id=student_id, phone=number, position=0,
                    zns_opt_out_at=NOW if opted_out else None)
    )


def zalo_account(session, external_id: str, student_id: int, days_ago: float | None) -> int:  # noqa: ANN001
    account_id = add_account(session, external_id, [student_id], channel=Channel.ZALO)
    account = session.get(ChatAccount, account_id)
    account.last_inbound_at = None if days_ago is None else NOW - timedelta(days=days_ago)
    return account_id


def register_templates(fakes: Fakes) -> None:
    fakes.zalo.add_zns_template(ZNS_TEMPLATE, {"school_name": 60, "content": 400})
    with session_scope() as session:
        for kind in ("school_broadcast", "class_reminder"):
            set_template(session, kind, "zalo_transaction", "transaction_event",
                         "tieu_de:title:100;noi_dung:text:1000;truong:school:100")
            set_template(session, kind, "zns", ZNS_TEMPLATE, "school_name:school:60;content:text:400")


def spread_class(fakes: Fakes) -> Spread:
    """Class 6A whose families are spread over every route (see the roll comments)."""
    with session_scope() as session:
        school = School(code="HS", name="Trường THCS Hoa Sen")
        session.add(school)
        session.flush()
        head = StaffMember(school_id=school.id, full_name="Trịnh Văn Quang", role=StaffRole.STAFF)
        session.add(head)
        session.flush()
        klass = SchoolClass(school_id=school.id, grade=6, name="6A")
        session.add(klass)
        session.flush()
        spread = Spread(school.id)
        for roll in range(1, 11):
            student = Student(class_id=klass.id, roll_number=roll, full_name=f"Học sinh {roll}")
            session.add(student)
            session.flush()
            spread.students[roll] = student.id
        s = spread.students
        spread.accounts["head"] = add_account(session, "t-quang", staff_member_id=head.id)
        spread.accounts["tg"] = add_account(session, "p-1", [s[1]])  # 1: Telegram
        spread.accounts["bot"] = add_account(session, "zb-2", [s[2]], channel=Channel.ZALO_BOT)  # 2
        spread.accounts["cs"] = zalo_account(session, "z-3", s[3], 1)  # 3: wrote yesterday
        spread.accounts["tx"] = zalo_account(session, "z-4", s[4], 20)  # 4: 20 days ago
        add_phone(session, s[5], phone(5))  # 5: never followed, phone on the roster
        spread.accounts["closed"] = zalo_account(session, "z-6", s[6], 2)  # 6: window closed since
        spread.accounts["gone"] = zalo_account(session, "z-7", s[7], 30)  # 7: unfollowed, has a phone
        add_phone(session, s[7], phone(7))
        # 8: nothing at all
        add_phone(session, s[9], phone(9), opted_out=True)  # 9: said "no ZNS"
        add_phone(session, s[10], phone(5))  # 10: sibling of 5, same phone
    fakes.zalo.interact("z-3", days_ago=1)
    fakes.zalo.interact("z-4", days_ago=20)
    fakes.zalo.interact("z-6", days_ago=10)  # Zalo knows better than our last record
    fakes.zalo.unfollow("z-7")
    return spread


async def drain(**options: object) -> dict[Outcome, int]:
    senders = build_senders()
    try:
        worker = DeliveryWorker(senders, WorkerOptions(poll_interval=0.05, max_pause=0.2, **options))  # type: ignore[arg-type]
        return dict(await worker.drain())
    finally:
        for sender in senders.values():
            await sender.aclose()


def send_notice(spread: Spread, text: str = TEXT) -> int:
    with session_scope() as session:
        school = session.get(School, spread.school_id)
        return queue_notice(
            session, school, Audience(school="HS", classes=("6A",), groups=("parents",)), text,
            sender="cô Lan",
        ).broadcast_id


def by_student(broadcast_id: int) -> dict[int, Delivery]:
    with session_scope() as session:
        rows = session.execute(select(Delivery).where(Delivery.broadcast_id == broadcast_id)).scalars()
        found: dict[int, Delivery] = {}
        for row in rows:
            key = row.student_id
            if key is None:
                from chatbot.db.models import AccountLink

                key = session.execute(
                    select(AccountLink.student_id).where(AccountLink.account_id == row.account_id)
                ).scalar()
            found[key] = row
            session.expunge(row)
        return found


@pytest.fixture
def spread(fakes: Fakes) -> Spread:
    register_templates(fakes)
    return spread_class(fakes)


async def test_every_reachable_family_gets_the_notice_once_by_its_route(fakes: Fakes, spread: Spread) -> None:
    with session_scope() as session:
        school = session.get(School, spread.school_id)
        preview = preview_audience(session, school, Audience(classes=("6A",), groups=("parents",)), TEXT)
    assert {line.channel: line.count for line in preview.lines} == {
        "telegram": 1, "zalo_bot": 1, "zalo_cs": 2, "zalo_transaction": 2, "zns": 1,
    }
    assert preview.unreachable == 2 and preview.cost_vnd == 300 and preview.refusal is None

    broadcast_id = send_notice(spread)
    stats = await drain()
    assert stats == {Outcome.SENT: 7, Outcome.REROUTED: 2}  # families 1-7 (10 shares 5's phone)

    assert [c.params["text"] for c in fakes.telegram.calls("sendMessage")] == [TEXT]
    assert len(fakes.zalo_bot.sent_texts("zb-2")) == 1
    assert fakes.zalo.accepted_to["z-3"] == 1 and [m["text"] for m in fakes.zalo.sent("z-3")] == [TEXT]
    assert fakes.zalo.accepted_to["z-4"] == 1 and fakes.zalo.sent("z-4") == []  # transaction only
    assert fakes.zalo.accepted_to["z-6"] == 1  # -230 on consultation, then the transaction
    assert fakes.zalo.accepted_to["z-7"] == 0 and fakes.zalo.accepted_to["84912340007"] == 1
    assert fakes.zalo.accepted_to["84912340005"] == 1  # once for the two siblings
    assert sum(fakes.zalo.accepted.values()) == 5

    (tx,) = fakes.zalo.transactions("z-4")
    payload = tx["attachment"]["payload"]
    assert payload["template_type"] == "transaction_event"
    header = {"type": "header", "content": "Thông báo của nhà trường", "align": "left"}
    assert payload["elements"][0] == header
    assert payload["elements"][1]["content"] == TEXT
    (zns,) = fakes.zalo.zns_sent("84912340005")
    assert zns["template_id"] == ZNS_TEMPLATE
    assert zns["template_data"] == {"school_name": "Trường THCS Hoa Sen", "content": TEXT}

    rows = by_student(broadcast_id)
    s = spread.students
    routes = {roll: (rows[s[roll]].route, rows[s[roll]].status) for roll in (1, 2, 3, 4, 5, 6, 7)}
    sent = DeliveryStatus.SENT
    assert routes == {
        1: ("telegram", sent), 2: ("zalo_bot", sent), 3: ("zalo_cs", sent),
        4: ("zalo_transaction", sent), 5: ("zns", sent), 6: ("zalo_transaction", sent), 7: ("zns", sent),
    }
    assert rows[s[6]].last_error is None and "7 ngày" in rows[s[6]].route_reason
    assert rows[s[5]].cost_vnd == 300 and rows[s[7]].cost_vnd == 300 and rows[s[3]].cost_vnd == 0

    with session_scope() as session:
        listed = unreachable(session, broadcast_id)
        follow = session.get(ZaloFollow, spread.accounts["gone"])
        accounts_active = session.execute(select(ChatAccount.active)).scalars().all()
    assert [(u.roll_number, u.reason) for u in listed] == [
        (8, "không có tài khoản nhận được và không có số điện thoại phụ huynh"),
        (9, "gia đình đã từ chối nhận ZNS"),
    ]
    assert follow is not None and follow.following is False  # recorded; never deactivated
    assert all(accounts_active)


async def test_a_reminder_reaches_the_class_by_the_same_routes(fakes: Fakes, spread: Spread) -> None:
    from chatbot.delivery.audience import class_families, class_recipients
    from chatbot.delivery.outbox import queue_broadcast

    with session_scope() as session:
        class_id = session.execute(select(SchoolClass.id)).scalar_one()
        queued = queue_broadcast(
            session, key="reminder:1", kind=BroadcastKind.REMINDER, audience="school=HS;class=6A",
            text="Nhắc lịch: lớp 6A học Toán lúc 07:30.", account_ids=class_recipients(session, class_id),
            sender="assistant", school_id=spread.school_id, families=class_families(session, class_id),
        )
    assert queued.recipients == 7 and queued.unreachable == 2
    stats = await drain()
    assert stats[Outcome.SENT] == 7
    payload = fakes.zalo.transactions("z-4")[0]["attachment"]["payload"]
    assert payload["elements"][0]["content"] == "Nhắc lịch học"


def test_class_reach_counts_families_per_route(spread: Spread) -> None:
    with session_scope() as session:
        (reach,) = class_reach(session, NOW, spread.school_id)
    # Our records: 6 still looks inside the window; 7 is not known to have unfollowed yet.
    assert reach.counts == {
        "telegram": 1, "zalo_bot": 1, "zalo_cs": 2, "zalo_transaction": 2, "zns": 2, "none": 2,
    }
    assert reach.families == 10


def test_a_text_too_long_for_the_zns_template_is_refused_before_sending(spread: Spread) -> None:
    with pytest.raises(NoticeError, match="content dài 450 ký tự.*400"):
        send_notice(spread, "x" * 450)
    with session_scope() as session:
        assert session.execute(select(Broadcast)).first() is None


async def test_budget_stops_paid_routes_leaves_the_rest_queued_and_resumes(
    fakes: Fakes, spread: Spread, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZNS_DAILY_BUDGET_VND", "300")  # one ZNS message
    reset_settings()
    broadcast_id = send_notice(spread)
    stats = await drain()
    assert stats[Outcome.HELD] == 1 and stats[Outcome.SENT] == 7
    rows = [d for d in by_student(broadcast_id).values() if d.route == "zns"]
    held = [d for d in rows if d.status == DeliveryStatus.PENDING]
    assert len(held) == 1 and held[0].last_error == budget.BUDGET_HELD
    assert held[0].not_before > datetime.now(timezone.utc)
    with session_scope() as session:
        state = budget.state(session, datetime.now(timezone.utc))
        alerts = session.execute(
            select(Broadcast).where(Broadcast.idempotency_key.like("zalo-budget:%"))
        ).scalars().all()
        assert (state.spent_vnd, state.held) == (300, 1)
        assert len(alerts) == 1 and "Ngân sách" in alerts[0].text

    monkeypatch.setenv("ZNS_DAILY_BUDGET_VND", "1000")
    reset_settings()
    with session_scope() as session:
        assert budget.resume(session, datetime.now(timezone.utc)) == 1
    stats = await drain()
    assert stats.get(Outcome.SENT, 0) >= 1
    assert all(d.status == DeliveryStatus.SENT for d in by_student(broadcast_id).values() if d.route)


async def test_a_template_zalo_rejects_stops_that_kind_and_alerts_staff(fakes: Fakes, spread: Spread) -> None:
    fakes.zalo.zns_templates.clear()  # Zalo no longer knows the template: -109
    broadcast_id = send_notice(spread)
    await drain()
    with session_scope() as session:
        template = session.execute(
            select(ZaloTemplate).where(ZaloTemplate.kind == "school_broadcast", ZaloTemplate.route == "zns")
        ).scalar_one()
        alert = session.execute(
            select(Broadcast).where(Broadcast.idempotency_key.like("zalo-template:%"))
        ).scalar_one()
    assert template.disabled_reason and "-109" in template.disabled_reason
    assert "từ chối mẫu" in alert.text
    failed = [d for d in by_student(broadcast_id).values() if d.status == DeliveryStatus.FAILED]
    assert any("-109" in (d.last_error or "") for d in failed)
    assert fakes.zalo.accepted["message/template"] == 0


# -- every error code, through the fake ----------------------------------------------------
@pytest.mark.parametrize("code", sorted(OA_ERRORS))
async def test_each_oa_error_code(fakes: Fakes, spread: Spread, code: int) -> None:
    rule = OA_ERRORS[code]
    fakes.zalo.cs_failures["z-3"] = [code]
    with session_scope() as session:
        account_id = spread.accounts["cs"]
        add_phone(session, spread.students[3], phone(3))
    send_notice(spread)
    stats = await drain(max_attempts=2, backoff_base=0.01, backoff_max=0.02)
    with session_scope() as session:
        delivery = session.execute(select(Delivery).where(Delivery.account_id == account_id)).scalar_one()
        active = session.get(ChatAccount, account_id).active
    assert active, "a Zalo error never deactivates the account"
    if rule.decision is Decision.FALL_THROUGH:
        assert delivery.route == "zalo_transaction" or delivery.route == "zns"
        assert delivery.status == DeliveryStatus.SENT and stats[Outcome.REROUTED] >= 1
    elif rule.decision is Decision.GIVE_UP:
        assert delivery.status == DeliveryStatus.FAILED and delivery.route == "zalo_cs"
        assert str(code) in (delivery.last_error or "")
    elif rule.wait is not None or rule.recipient_wait is not None:
        assert delivery.status == DeliveryStatus.PENDING and str(code) in (delivery.last_error or "")
        assert delivery.not_before > datetime.now(timezone.utc) + timedelta(seconds=30)
    else:  # token errors and plain retries: sent on a later attempt or failed after them
        assert delivery.route == "zalo_cs"
        assert delivery.status in (DeliveryStatus.SENT, DeliveryStatus.FAILED, DeliveryStatus.PENDING)


@pytest.mark.parametrize("code", sorted(ZNS_ERRORS))
async def test_each_zns_error_code(fakes: Fakes, spread: Spread, code: int) -> None:
    rule = ZNS_ERRORS[code]
    fakes.zalo.fail("message/template", zalo_error(code, times=5 if rule.refresh_token else 1))
    broadcast_id = send_notice(spread)
    stats = await drain(max_attempts=2, backoff_base=0.01, backoff_max=0.02)
    s = spread.students
    rows = by_student(broadcast_id)
    first = min((rows[s[5]], rows[s[7]]), key=lambda d: d.id)
    if rule.decision is Decision.FALL_THROUGH:
        assert stats.get(Outcome.UNDELIVERABLE, 0) >= 1 and str(code) in (
            rows[s[5]].last_error or "") + (rows[s[7]].last_error or "")
    elif rule.decision is Decision.GIVE_UP:
        failed = [d for d in (rows[s[5]], rows[s[7]]) if d.status == DeliveryStatus.FAILED]
        assert failed and str(code) in (failed[0].last_error or "")
        if rule.template:
            with session_scope() as session:
                assert session.execute(
                    select(ZaloTemplate.disabled_reason).where(ZaloTemplate.route == "zns",
                                                               ZaloTemplate.kind == "school_broadcast")
                ).scalar()
    elif rule.wait is not None:
        waiting = [d for d in (rows[s[5]], rows[s[7]]) if d.status == DeliveryStatus.PENDING]
        assert waiting and str(code) in (waiting[0].last_error or "")
        with session_scope() as session:  # the reservation was given back
            assert budget.state(session, datetime.now(timezone.utc)).spent_vnd < 600
    else:
        assert first.route == "zns"
    with session_scope() as session:
        assert all(session.execute(select(ChatAccount.active)).scalars())


def test_a_timetable_reminder_sends_no_paid_message_for_an_absent_child(spread: Spread) -> None:
    from datetime import date, time

    from chatbot.db.models import Absence, TimetableEntry
    from chatbot.delivery.reminders import queue_due_reminders
    from chatbot.settings import TIMEZONE

    day = date(2026, 12, 2)
    s = spread.students
    with session_scope() as session:
        class_id = session.execute(select(SchoolClass.id)).scalar_one()
        session.add(TimetableEntry(class_id=class_id, weekday=day.weekday(), period=2, starts_at=time(13, 30),
                                   ends_at=time(14, 15), subject="Toán"))
        for roll in (4, 5):  # transaction template, ZNS to the phone
            session.add(Absence(student_id=s[roll], class_id=class_id, day=day, periods=""))
        session.flush()
        now = datetime(2026, 12, 2, 13, 20, tzinfo=TIMEZONE)
        (queued,) = queue_due_reminders(session, now=now, lead=timedelta(minutes=15))
        rows = session.execute(
            select(Delivery.student_id, Delivery.account_id, Delivery.route)
            .where(Delivery.broadcast_id == queued.broadcast_id)
        ).all()
    assert not {s[4], s[5]} & {student for student, _, _ in rows}
    assert spread.accounts["tx"] not in {account for _, account, _ in rows}
    assert (s[10], None, "zns") in rows  # the sibling sharing 5's phone still gets its own


def test_progress_per_class_counts_phone_only_deliveries_in_their_class(spread: Spread) -> None:
    from chatbot.delivery.receipts import broadcast_status

    broadcast_id = send_notice(spread)
    with session_scope() as session:
        status = broadcast_status(session, broadcast_id)
        phone_only = session.execute(
            select(func.count()).where(Delivery.broadcast_id == broadcast_id, Delivery.account_id.is_(None))
        ).scalar_one()
    assert status is not None and phone_only == 3  # ZNS to 5's phone, 8 and 9 unreachable
    assert list(status.by_class) == ["6A"]  # none of them under "—" (no class)
    assert status.by_class["6A"].total == status.total.total == 9
    assert status.by_class["6A"].failed == 2 and status.by_class["6A"].pending == 7


async def test_the_chat_preview_counts_each_route_with_the_cost_and_refuses_what_a_template_cannot_take(
    spread: Spread, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A notice typed in the chat shows the same reach as the web app: messages per route, the
    paid ones' cost, the families nobody reaches; a text a paid template cannot take stops it."""
    monkeypatch.setattr(actions.common, "clock", lambda: NOW)

    async def preview(text: str = TEXT) -> tuple[str, list[dict]]:
        slots = {"broadcast_target": "toàn trường", "broadcast_text": text}
        dispatcher = CollectingDispatcher()
        tracker = Tracker("telegram:t-quang", slots, {"text": ""}, [], False, None, {}, "action_listen")
        events = await ActionBroadcastPreview().run(dispatcher, tracker, {})
        return "\n".join(m["text"] for m in await render_async(dispatcher.messages)), events

    free, _ = await preview()  # "Đã nhận" notices need receipt_request templates: none yet
    assert free.startswith("Dạ, 6 gia đình của toàn trường chưa có cách liên lạc nào")
    assert "Số tin theo kênh (4 tin):\n• Telegram: 1\n• Zalo Bot: 1\n• Zalo (trong 7 ngày): 2\n\n" in free
    assert "Chi phí" not in free
    with session_scope() as session:
        set_template(session, "receipt_request", "zalo_transaction", "transaction_event",
                     "tieu_de:title:100;noi_dung:text:1000;truong:school:100")
        set_template(session, "receipt_request", "zns", ZNS_TEMPLATE,
                     "school_name:school:60;content:text:400")
    said, events = await preview()
    assert said.startswith("Dạ, 2 gia đình của toàn trường chưa có cách liên lạc nào")
    assert f"\n\n{TEXT}\n\nSố tin theo kênh (7 tin):\n• Telegram: 1\n" in said
    assert "• ZNS (số điện thoại): 1 (300 đ)\nChi phí ước tính cho tin Zalo trả phí: 300 đ." in said
    assert said.endswith("Thầy cô gõ “gửi” hoặc bấm “Gửi” để gửi, bấm “Hủy” nếu chưa muốn gửi ạ.")
    assert [e["name"] for e in events] == ["broadcast_draft"]
    refused, events = await preview("x" * 450)  # longer than the ZNS template's 400
    assert refused.startswith("Dạ, thông báo này chưa gửi được qua tin Zalo trả phí (") and "450" in refused
    assert refused.endswith("Chưa có gì được gửi đi.") and all(e["value"] is None for e in events)
