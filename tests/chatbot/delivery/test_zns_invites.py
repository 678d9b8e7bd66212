"""Invites by ZNS and the "not linked after a week" list (issue 13)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from chatbot.db.engine import session_scope
from chatbot.db.models import Broadcast, InviteCode, ParentPhone, SchoolClass
from chatbot.delivery.zalo_templates import set_template
from chatbot.school.zns_invites import ZnsInviteError, not_linked_after, send_invites
from connectors.senders import build_senders
from tests.chatbot.delivery.conftest import Fakes
from tests.chatbot.delivery.test_zalo_routes import NOW, Spread, spread  # noqa: F401

INVITE_TEMPLATE = "248099"


async def invite(**options: object):  # noqa: ANN201
    senders = build_senders()
    try:
        with session_scope() as session:
            class_id = session.execute(select(SchoolClass.id)).scalar_one()
        return await send_invites(class_id, senders["zns"], **options)  # type: ignore[arg-type]
    finally:
        for sender in senders.values():
            await sender.aclose()


async def test_unlinked_families_with_a_phone_get_their_code_by_zns(
    fakes: Fakes, spread: Spread  # noqa: F811
) -> None:
    with pytest.raises(ZnsInviteError, match="chưa khai báo mẫu ZNS cho loại 'invite'"):
        await invite()
    fakes.zalo.add_zns_template(INVITE_TEMPLATE, {"school_name": 60, "code": 12})
    with session_scope() as session:
        set_template(session, "invite", "zns", INVITE_TEMPLATE, "school_name:school:60;code:code:12")
    result = await invite()
    # 5 and 10 (same phone, two children) have only a phone; 7 is linked; 9 refused ZNS.
    assert len(result.sent) == 2 and not result.failed
    sent = fakes.zalo.zns_sent("84912340005")
    assert len(sent) == 2 and {s["template_id"] for s in sent} == {INVITE_TEMPLATE}
    codes = [s["template_data"]["code"] for s in sent]
    assert all(len(code) == 9 and "-" in code for code in codes)
    with session_scope() as session:
        assert len(session.execute(select(InviteCode.code_hash)).scalars().all()) == 2
        assert session.execute(select(Broadcast)).first() is None  # no outbox row keeps a code
    assert (await invite()).sent == []  # sent once; --resend to send again
    with session_scope() as session:
        assert not_linked_after(session, spread.school_id, 7) == []  # not a week yet
        later = not_linked_after(session, spread.school_id, 7, now=NOW + timedelta(days=8))
    assert [(n.roll_number, n.phone) for n in later] == [(5, "091****005"), (10, "091****005")]
    with session_scope() as session:
        assert session.execute(select(ParentPhone.invite_sent_at).where(
            ParentPhone.phone == "+84912340005")).scalars().all()
