"""Linking with invite codes: roles, several children, teachers, bad codes and the lock-out."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from chatbot.db.engine import session_scope
from chatbot.db.models import AccountLink, ChatAccount, InviteAttempt, InviteCode, Role
from chatbot.school import accounts, invites
from chatbot.school.accounts import LinkStatus
from tests.chatbot.school.sample import NOW, Sample, link

PARENT = ("telegram", "100")
STUDENT = ("zalo", "200")
TEACHER = ("telegram", "300")


def test_a_parent_links_two_children_and_sees_their_display_names(school: Sample) -> None:
    with session_scope() as session:
        first = link(session, PARENT, Role.PARENT, student_id=school.minh_anh)
        second = link(session, PARENT, Role.PARENT, student_id=school.hoa)
    assert first.status is second.status is LinkStatus.LINKED
    assert first.student.display_name == "05 - Nguyễn Minh Anh"
    assert (second.student.class_name, second.student.display_name) == ("7B", "12 - Lê Thị Hoa")
    with session_scope() as session:
        view = accounts.load_account(session, *PARENT)
        account = session.execute(select(ChatAccount)).scalar_one()
    assert [s.full_name for s in view.students] == ["Nguyễn Minh Anh", "Lê Thị Hoa"]
    assert view.role is Role.PARENT and account.channel.value == "telegram"
    assert view.class_ids == {school.class_6a, school.class_7b}


def test_a_deep_link_code_without_hyphen_links_and_sending_it_again_is_harmless(school: Sample) -> None:
    with session_scope() as session:
        code = invites.issue_invite(session, role=Role.STUDENT, student_id=school.binh, now=NOW)
        first = accounts.redeem_code(session, *STUDENT, code.replace("-", "").lower(), now=NOW)
        again = accounts.redeem_code(session, *STUDENT, code, now=NOW)
        failures = session.execute(select(InviteAttempt)).scalars().all()
    assert first.status is LinkStatus.LINKED and first.student.link_role is Role.STUDENT
    assert again.status is LinkStatus.ALREADY_LINKED and failures == []


def test_a_teacher_code_links_the_staff_member_even_on_a_parent_account(school: Sample) -> None:
    with session_scope() as session:
        link(session, TEACHER, Role.PARENT, student_id=school.binh)
        outcome = link(session, TEACHER, Role.TEACHER, staff_id=school.lan)
    assert outcome.status is LinkStatus.LINKED and outcome.staff_name == "Nguyễn Thị Lan"
    view = outcome.view
    assert view.role is Role.TEACHER and view.staff.homeroom_class_names == ("6A",)
    assert [s.student_id for s in view.students] == [school.binh]  # still the parent of Bình


def test_codes_of_a_conflicting_role_are_refused_and_stay_unused(school: Sample) -> None:
    with session_scope() as session:
        link(session, STUDENT, Role.STUDENT, student_id=school.binh)
        parent_code = link(session, STUDENT, Role.PARENT, student_id=school.minh_anh)
        teacher_code = link(session, STUDENT, Role.TEACHER, staff_id=school.lan)
        link(session, PARENT, Role.PARENT, student_id=school.minh_anh)
        student_code = link(session, PARENT, Role.STUDENT, student_id=school.hoa)
        link(session, TEACHER, Role.TEACHER, staff_id=school.hung)
        other_teacher = link(session, TEACHER, Role.TEACHER, staff_id=school.lan)
        unused = session.execute(select(InviteCode).where(InviteCode.used_at.is_(None))).scalars().all()
        attempts = session.execute(select(InviteAttempt)).scalars().all()
    for outcome in (parent_code, teacher_code, student_code, other_teacher):
        assert outcome.status is LinkStatus.ROLE_CONFLICT
    assert len(unused) == 4 and attempts == []


def test_linking_the_same_child_twice_keeps_the_second_code(school: Sample) -> None:
    with session_scope() as session:
        link(session, PARENT, Role.PARENT, student_id=school.minh_anh)
        again = link(session, PARENT, Role.PARENT, student_id=school.minh_anh)
        links = session.execute(select(AccountLink)).scalars().all()
        unused = session.execute(select(InviteCode).where(InviteCode.used_at.is_(None))).scalars().all()
    assert again.status is LinkStatus.ALREADY_LINKED and len(links) == 1 and len(unused) == 1


def test_wrong_expired_used_and_revoked_codes(school: Sample) -> None:
    with session_scope() as session:
        expired = invites.issue_invite(session, role=Role.PARENT, student_id=school.hoa, ttl_days=1, now=NOW)
        used = invites.issue_invite(session, role=Role.PARENT, student_id=school.hoa, now=NOW)
        revoked = invites.issue_invite(session, role=Role.STUDENT, student_id=school.hoa, now=NOW)
        invites.revoke_invites(session, student_id=school.hoa, role=Role.STUDENT, now=NOW)
        assert accounts.redeem_code(session, "zalo", "9", used, now=NOW).status is LinkStatus.LINKED
        later = NOW + timedelta(days=2)
        results = [
            accounts.redeem_code(session, *PARENT, code, now=later).status
            for code in ("ZZZZ-9999", expired, used, revoked)
        ]
        linked = session.execute(select(AccountLink)).scalars().all()
    assert results == [LinkStatus.UNKNOWN, LinkStatus.EXPIRED, LinkStatus.USED, LinkStatus.REVOKED]
    assert len(linked) == 1  # only the first redemption of `used`


def test_five_wrong_codes_lock_the_account_out_even_for_a_right_code(school: Sample) -> None:
    with session_scope() as session:
        good = invites.issue_invite(session, role=Role.PARENT, student_id=school.hoa, now=NOW)
        statuses = [
            accounts.redeem_code(session, *PARENT, f"WRNG-{n}{n}{n}{n}", now=NOW + timedelta(minutes=n))
            for n in range(2, 7)
        ]
        statuses = [outcome.status for outcome in statuses]
        locked = accounts.redeem_code(session, *PARENT, good, now=NOW + timedelta(minutes=7))
        other = accounts.redeem_code(session, "zalo", PARENT[1], "WRNG-7777", now=NOW + timedelta(minutes=7))
        after = accounts.redeem_code(session, *PARENT, good, now=NOW + timedelta(minutes=40))
    assert statuses == [LinkStatus.UNKNOWN] * 4 + [LinkStatus.LOCKED_OUT]
    assert locked.status is LinkStatus.LOCKED_OUT
    assert locked.locked_until == (NOW + timedelta(minutes=6 + 30)).astimezone(locked.locked_until.tzinfo)
    assert other.status is LinkStatus.UNKNOWN  # another channel's account is not locked
    assert after.status is LinkStatus.LINKED
