"""A family's conversation with the homeroom teacher, passed on by the assistant.

"Hỏi giáo viên" opens a thread (or continues the family's open thread with that class); each
message is stored (the permanent log staff review) and queued to the other side through the
delivery outbox, headed with who wrote and the thread's tag ``[Trao đổi số N]``. The teacher
answers with the “Trả lời” button or, on Telegram, by replying to the relayed message (the
connector reads the tag). Messages to a teacher are held in quiet hours unless the family
marks them urgent. Only the thread's family account and the teacher's accounts may write to
it; neither side ever sees the other's phone number or chat id.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from chatbot.db.models import (
    AccountLink,
    BroadcastKind,
    ChatAccount,
    HelpRequest,
    RelayMessage,
    RelayStatus,
    RelayThread,
    Role,
    SchoolClass,
    StaffMember,
)
from chatbot.delivery.outbox import queue_broadcast
from chatbot.delivery.quiet_hours import hold
from chatbot.relay_keys import tag
from chatbot.replies import reply_text
from chatbot.school.accounts import find_account, view_of
from chatbot.school.dates import fold
from chatbot.school.quoting import one_paragraph, quoted_words

MAX_TEXT = 1500  # fits one message on every channel with the heading
SENDER = "relay"
# Bounded widths. "gấp" only with its accent: unaccented "gap" is mostly "gặp" (to meet).
_URGENT = re.compile(r"\b(?:khẩn|gấp)\b")
_URGENT_FOLDED = re.compile(r"\b(?:khan cap|khan)\b")


def is_urgent(text: str) -> bool:
    """Whether the family marks the message urgent ("khẩn", "gấp", unaccented "khan")."""
    head = unicodedata.normalize("NFC", text[:300]).lower()
    return bool(_URGENT.search(head) or _URGENT_FOLDED.search(fold(head)))


class RelayProblem(str, Enum):
    NOT_LINKED = "not_linked"
    NO_TEACHER = "no_teacher"  # the class has no homeroom teacher, or the teacher no account
    EMPTY = "empty"
    TOO_LONG = "too_long"
    NOT_YOURS = "not_yours"  # no such thread, or not this account's
    CLOSED = "closed"


@dataclass(frozen=True)
class Sent:
    thread_id: int
    to_label: str  # who gets it: "thầy cô Nguyễn Thị Lan (chủ nhiệm lớp 6A)" or the family
    held_until: datetime | None  # quiet hours hold it until then


def _teacher_accounts(session: Session, teacher_id: int | None) -> list[int]:
    if teacher_id is None:
        return []
    return list(
        session.execute(
            select(ChatAccount.id)
            .where(ChatAccount.staff_member_id == teacher_id, ChatAccount.active.is_(True))
            .order_by(ChatAccount.id)
        ).scalars()
    )


def _family_role(session: Session, thread: RelayThread) -> str:
    """How the family side of ``thread`` is addressed: "student" when the account is linked to
    the thread's student as that student, "parent" otherwise."""
    link_role = session.execute(
        select(AccountLink.role).where(
            AccountLink.account_id == thread.account_id, AccountLink.student_id == thread.student_id
        )
    ).scalar()
    return Role.STUDENT.value if link_role is Role.STUDENT else Role.PARENT.value


def teacher_label(teacher: StaffMember, class_name: str) -> str:
    return f"thầy cô {teacher.full_name} (chủ nhiệm lớp {class_name})"


def check_text(text: str) -> RelayProblem | None:
    if not text.strip():
        return RelayProblem.EMPTY
    if len(text) > MAX_TEXT:
        return RelayProblem.TOO_LONG
    return None


def _queue(
    session: Session,
    *,
    thread: RelayThread,
    message: RelayMessage,
    to_teacher: bool,
    school_id: int | None,
    now: datetime,
) -> datetime | None:
    side = "t" if to_teacher else "f"
    accounts = (
        _teacher_accounts(session, thread.teacher_id)
        if to_teacher
        else ([thread.account_id] if thread.account_id else [])
    )
    hint = (
        reply_text("utter_relay_hint_teacher")
        if to_teacher
        else reply_text("utter_relay_hint_family", role=_family_role(session, thread))
    )
    urgent = message.urgent and to_teacher
    heading = ("🔴 KHẨN — " if urgent else "💬 ") + f"{message.author_label} nhắn {tag(thread.id)}:"
    queue_broadcast(
        session,
        key=f"relay-{side}:{thread.id}:{message.id}",
        kind=BroadcastKind.ALERT,
        audience=f"relay:{thread.id}",
        text=f"{heading}\n{quoted_words(message.text, MAX_TEXT + 10)}\n{hint}",
        account_ids=accounts,
        sender=SENDER,
        school_id=school_id,
        urgent=urgent,
        now=now,
    )
    release = hold(now, urgent)
    return release if release > now else None


def family_message(
    session: Session,
    *,
    channel: str,
    external_id: str,
    student_id: int | None,
    text: str,
    now: datetime,
) -> Sent | RelayProblem:
    """A family's message to the homeroom teacher of ``student_id``'s class (or its only child's)."""
    problem = check_text(text)
    account = find_account(session, channel, external_id)
    if account is None:
        return RelayProblem.NOT_LINKED
    view = view_of(session, account)
    student = (
        view.student(student_id) if student_id else (view.students[0] if len(view.students) == 1 else None)
    )
    if student is None:
        return RelayProblem.NOT_LINKED
    school_class = session.get(SchoolClass, student.class_id)
    assert school_class is not None
    teacher = school_class.homeroom_teacher
    if problem is not None:
        return problem
    if teacher is None or not _teacher_accounts(session, teacher.id):
        # Nothing is lost: the message is kept as a request for the school to pass on.
        session.add(
            HelpRequest(account_id=account.id, class_id=student.class_id, message=text, created_at=now)
        )
        session.flush()
        return RelayProblem.NO_TEACHER
    thread = (
        session.execute(
            select(RelayThread)
            .where(
                RelayThread.account_id == account.id,
                RelayThread.student_id == student.student_id,
                RelayThread.status == RelayStatus.OPEN,
            )
            .order_by(RelayThread.id.desc())
        )
        .scalars()
        .first()
    )
    who = "Học sinh" if student.link_role is Role.STUDENT else "Phụ huynh em"
    if thread is None:
        thread = RelayThread(
            account_id=account.id,
            student_id=student.student_id,
            class_id=student.class_id,
            teacher_id=teacher.id,
            family_label=f"{who} {student.display_name} (lớp {student.class_name})",
            created_at=now,
        )
        session.add(thread)
        session.flush()
    message = RelayMessage(
        thread_id=thread.id,
        author="family",
        author_label=thread.family_label,
        text=one_paragraph(text, MAX_TEXT),
        urgent=is_urgent(text),
        created_at=now,
    )
    session.add(message)
    session.flush()
    held = _queue(
        session, thread=thread, message=message, to_teacher=True, school_id=school_class.school_id, now=now
    )
    return Sent(thread.id, teacher_label(teacher, school_class.name), held)


def _thread_of(session: Session, thread_id: int) -> RelayThread | None:
    return session.execute(select(RelayThread).where(RelayThread.id == thread_id)).scalar_one_or_none()


def side_of(session: Session, channel: str, external_id: str, thread_id: int) -> str | None:
    """ "family" or "teacher" when the account takes part in the thread; None otherwise."""
    account = find_account(session, channel, external_id)
    thread = _thread_of(session, thread_id)
    if account is None or thread is None:
        return None
    if thread.account_id == account.id:
        return "family"
    if thread.teacher_id is not None and account.staff_member_id == thread.teacher_id:
        return "teacher"
    return None


def open_side(session: Session, channel: str, external_id: str, thread_id: int) -> str | RelayProblem:
    """The account's side in an open thread, or why it cannot write in it."""
    side = side_of(session, channel, external_id, thread_id)
    thread = _thread_of(session, thread_id)
    if side is None or thread is None:
        return RelayProblem.NOT_YOURS
    return RelayProblem.CLOSED if thread.status is RelayStatus.CLOSED else side


def reply(
    session: Session, *, channel: str, external_id: str, thread_id: int, text: str, now: datetime
) -> Sent | RelayProblem:
    """A message in an existing thread from either side."""
    side = side_of(session, channel, external_id, thread_id)
    thread = _thread_of(session, thread_id)
    if side is None or thread is None:
        return RelayProblem.NOT_YOURS
    if thread.status is RelayStatus.CLOSED:
        return RelayProblem.CLOSED
    problem = check_text(text)
    if problem is not None:
        return problem
    school_class = session.get(SchoolClass, thread.class_id) if thread.class_id else None
    class_name = school_class.name if school_class else ""
    if side == "family":
        teacher = session.get(StaffMember, thread.teacher_id) if thread.teacher_id else None
        if teacher is None or not _teacher_accounts(session, teacher.id):
            return RelayProblem.NO_TEACHER
        label, to = thread.family_label, teacher_label(teacher, class_name)
    else:
        teacher = session.get(StaffMember, thread.teacher_id)
        assert teacher is not None
        label = f"Thầy cô {teacher.full_name} (chủ nhiệm lớp {class_name})"
        to = "gia đình"
    message = RelayMessage(
        thread_id=thread.id,
        author=side,
        author_label=label,
        text=one_paragraph(text, MAX_TEXT),
        urgent=side == "family" and is_urgent(text),
        created_at=now,
    )
    session.add(message)
    session.flush()
    held = _queue(
        session,
        thread=thread,
        message=message,
        to_teacher=side == "family",
        school_id=school_class.school_id if school_class else None,
        now=now,
    )
    return Sent(thread.id, to, held)


def close(
    session: Session, *, channel: str, external_id: str, thread_id: int, now: datetime
) -> RelayProblem | None:
    """The teacher (or the family) ends the thread; the other side is told."""
    side = side_of(session, channel, external_id, thread_id)
    thread = _thread_of(session, thread_id)
    if side is None or thread is None:
        return RelayProblem.NOT_YOURS
    if thread.status is RelayStatus.CLOSED:
        return RelayProblem.CLOSED
    thread.status = RelayStatus.CLOSED
    thread.closed_at = now
    note = RelayMessage(
        thread_id=thread.id,
        author=side,
        author_label="(trợ lý)",
        text="Thầy cô đã kết thúc trao đổi này."
        if side == "teacher"
        else "Gia đình đã kết thúc trao đổi này.",
        created_at=now,
    )
    session.add(note)
    session.flush()
    school_class = session.get(SchoolClass, thread.class_id) if thread.class_id else None
    accounts = (
        [thread.account_id]
        if side == "teacher" and thread.account_id
        else (_teacher_accounts(session, thread.teacher_id) if side == "family" else [])
    )
    queue_broadcast(
        session,
        key=f"relay-closed:{thread.id}",
        kind=BroadcastKind.ALERT,
        audience=f"relay:{thread.id}",
        text=reply_text("utter_relay_closed_by_teacher", role=_family_role(session, thread),
                        thread=tag(thread.id))
        if side == "teacher"
        else reply_text("utter_relay_closed_by_family", thread=tag(thread.id)),
        account_ids=accounts,
        sender=SENDER,
        school_id=school_class.school_id if school_class else None,
        urgent=False,
        now=now,
    )
    return None


@dataclass(frozen=True)
class LoggedThread:
    thread_id: int
    class_name: str
    family_label: str
    teacher_name: str
    status: str
    created_at: datetime
    messages: tuple[tuple[datetime, str, str], ...]  # (when, who, text)


def relay_log(
    session: Session, school_id: int | None = None, class_name: str | None = None, limit: int = 200
) -> list[LoggedThread]:
    """The threads, newest first, with every message: what staff review."""
    query = (
        select(RelayThread, SchoolClass.name, StaffMember.full_name)
        .outerjoin(SchoolClass, SchoolClass.id == RelayThread.class_id)
        .outerjoin(StaffMember, StaffMember.id == RelayThread.teacher_id)
        .options(joinedload(RelayThread.messages))
        .order_by(RelayThread.id.desc())
        .limit(limit)
    )
    if school_id is not None:
        query = query.where(SchoolClass.school_id == school_id)
    if class_name is not None:
        query = query.where(SchoolClass.name == class_name)
    rows = session.execute(query).unique().all()
    return [
        LoggedThread(
            thread.id,
            name or "",
            thread.family_label,
            teacher or "",
            thread.status.value,
            thread.created_at,
            tuple((m.created_at, m.author_label, m.text) for m in thread.messages),
        )
        for thread, name, teacher in rows
    ]
