"""SQLAlchemy models of the school data store.

Written in the 2.0 style (``select()``, typed sessions) on SQLAlchemy 1.4, which Rasa pins.
Timestamps are stored as timezone-aware UTC; school-local times (timetable, holidays) are
naive wall-clock values in Asia/Ho_Chi_Minh.
"""

from __future__ import annotations

import enum
from datetime import datetime, timezone

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    Time,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import relationship

from chatbot.db.base import Base
from chatbot.db.coltypes import UTCDateTime


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=24,
        values_callable=lambda members: [m.value for m in members],
    )


class Channel(str, enum.Enum):
    TELEGRAM = "telegram"
    ZALO = "zalo"
    ZALO_BOT = "zalo_bot"
    REST = "rest"


class Role(str, enum.Enum):
    PARENT = "parent"
    STUDENT = "student"
    TEACHER = "teacher"
    STAFF = "staff"


class StaffRole(str, enum.Enum):
    TEACHER = "teacher"
    STAFF = "staff"


class WebRole(str, enum.Enum):
    """What a web app account may do: the city office reads every school, a school's
    administrator does everything in it, a teacher works with their own classes."""

    OFFICE = "office"
    ADMIN = "admin"
    TEACHER = "teacher"


class IncidentKind(str, enum.Enum):
    STRANGER = "stranger"
    OFFENSIVE_CONTENT = "offensive_content"
    HARASSMENT = "harassment"
    ACCOUNT_TAKEOVER = "account_takeover"
    SCAM = "scam"
    OTHER = "other"


class IncidentStatus(str, enum.Enum):
    OPEN = "open"
    HANDLED = "handled"


class DeliveryStatus(str, enum.Enum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class BroadcastKind(str, enum.Enum):
    ANNOUNCEMENT = "announcement"
    REMINDER = "reminder"
    ALERT = "alert"


def _tz() -> UTCDateTime:
    return UTCDateTime()


class School(Base):
    __tablename__ = "schools"

    id = Column(Integer, primary_key=True)
    code = Column(String(32), nullable=False, unique=True)
    name = Column(String(200), nullable=False)
    contact_email = Column(String(200))

    classes = relationship(
        "SchoolClass", back_populates="school", order_by="SchoolClass.name", passive_deletes=True
    )
    staff = relationship("StaffMember", back_populates="school", passive_deletes=True)


class StaffMember(Base):
    """A teacher or another member of school staff."""

    __tablename__ = "staff_members"

    id = Column(Integer, primary_key=True)
    school_id = Column(ForeignKey("schools.id", ondelete="CASCADE"), nullable=False, index=True)
    full_name = Column(String(120), nullable=False)
    role = Column(_enum(StaffRole, "staff_role"), nullable=False, default=StaffRole.TEACHER)
    email = Column(String(200))
    phone = Column(String(32))

    school = relationship("School", back_populates="staff")

    __table_args__ = (UniqueConstraint("school_id", "full_name"),)


class SchoolClass(Base):
    __tablename__ = "classes"

    id = Column(Integer, primary_key=True)
    school_id = Column(ForeignKey("schools.id", ondelete="CASCADE"), nullable=False, index=True)
    grade = Column(Integer, nullable=False)
    name = Column(String(16), nullable=False)
    homeroom_teacher_id = Column(ForeignKey("staff_members.id", ondelete="SET NULL"))

    school = relationship("School", back_populates="classes")
    homeroom_teacher = relationship("StaffMember")
    students = relationship(
        "Student", back_populates="school_class", order_by="Student.roll_number", passive_deletes=True
    )
    timetable = relationship("TimetableEntry", back_populates="school_class", passive_deletes=True)

    __table_args__ = (UniqueConstraint("school_id", "name"),)


class Student(Base):
    __tablename__ = "students"

    id = Column(Integer, primary_key=True)
    class_id = Column(ForeignKey("classes.id", ondelete="CASCADE"), nullable=False, index=True)
    roll_number = Column(Integer, nullable=False)
    full_name = Column(String(120), nullable=False)
    date_of_birth = Column(Date)
    gender = Column(String(8))

    school_class = relationship("SchoolClass", back_populates="students")

    __table_args__ = (UniqueConstraint("class_id", "roll_number"),)


class ChatAccount(Base):
    """One person's account on one chat channel."""

    __tablename__ = "chat_accounts"

    id = Column(Integer, primary_key=True)
    channel = Column(_enum(Channel, "channel"), nullable=False)
    external_id = Column(String(128), nullable=False)
    role = Column(_enum(Role, "account_role"))
    staff_member_id = Column(ForeignKey("staff_members.id", ondelete="SET NULL"), index=True)
    active = Column(Boolean, nullable=False, default=True)
    deactivated_reason = Column(String(120))
    created_at = Column(_tz(), nullable=False, default=utcnow)
    # When the person last wrote (any message reactivates the account); updated at most once a
    # minute, so it tells whether Zalo's 7-day window for consultation messages is still open.
    last_inbound_at = Column(_tz())

    staff_member = relationship("StaffMember")
    links = relationship(
        "AccountLink", back_populates="account", cascade="all, delete-orphan", passive_deletes=True
    )

    __table_args__ = (UniqueConstraint("channel", "external_id"),)


class AccountLink(Base):
    """A chat account linked to a student, as that student's parent or as the student."""

    __tablename__ = "account_links"

    id = Column(Integer, primary_key=True)
    account_id = Column(ForeignKey("chat_accounts.id", ondelete="CASCADE"), nullable=False)
    student_id = Column(ForeignKey("students.id", ondelete="CASCADE"), nullable=False, index=True)
    role = Column(_enum(Role, "link_role"), nullable=False)
    created_at = Column(_tz(), nullable=False, default=utcnow)

    account = relationship("ChatAccount", back_populates="links")
    student = relationship("Student")

    __table_args__ = (UniqueConstraint("account_id", "student_id"),)


class InviteCode(Base):
    """A one-time code, stored only as a hash, that links an account to a student or teacher."""

    __tablename__ = "invite_codes"

    id = Column(Integer, primary_key=True)
    code_hash = Column(String(64), nullable=False, unique=True)
    # "hmac-sha256" (keyed with INVITE_CODE_PEPPER) or "sha256" for codes issued before it
    hash_scheme = Column(String(16), nullable=False, default="hmac-sha256", server_default="hmac-sha256")
    role = Column(_enum(Role, "invite_role"), nullable=False)
    student_id = Column(ForeignKey("students.id", ondelete="CASCADE"), index=True)
    staff_member_id = Column(ForeignKey("staff_members.id", ondelete="CASCADE"), index=True)
    created_at = Column(_tz(), nullable=False, default=utcnow)
    expires_at = Column(_tz(), nullable=False)
    used_at = Column(_tz())
    used_by_account_id = Column(ForeignKey("chat_accounts.id", ondelete="SET NULL"))
    revoked_at = Column(_tz())

    student = relationship("Student")
    staff_member = relationship("StaffMember")


class InviteAttempt(Base):
    """A wrong invite code typed by an account, for the lock-out after repeated failures."""

    __tablename__ = "invite_attempts"

    id = Column(Integer, primary_key=True)
    channel = Column(_enum(Channel, "attempt_channel"), nullable=False)
    external_id = Column(String(128), nullable=False)
    attempted_at = Column(_tz(), nullable=False, default=utcnow, index=True)


class TimetableEntry(Base):
    """A weekly class session. Meeting id, link and password are secrets: never logged."""

    __tablename__ = "timetable_entries"

    id = Column(Integer, primary_key=True)
    class_id = Column(ForeignKey("classes.id", ondelete="CASCADE"), nullable=False, index=True)
    weekday = Column(Integer, nullable=False)  # 0 = Monday … 6 = Sunday
    period = Column(Integer)
    starts_at = Column(Time, nullable=False)
    ends_at = Column(Time, nullable=False)
    subject = Column(String(80), nullable=False)
    teacher_id = Column(ForeignKey("staff_members.id", ondelete="SET NULL"))
    platform = Column(String(40))
    meeting_id = Column(String(120))
    meeting_link = Column(String(500))
    meeting_password = Column(String(120))

    school_class = relationship("SchoolClass", back_populates="timetable")
    teacher = relationship("StaffMember")

    __table_args__ = (UniqueConstraint("class_id", "weekday", "starts_at"),)

    def __repr__(self) -> str:  # keeps meeting secrets out of logs and tracebacks
        return (
            f"TimetableEntry(id={self.id}, class_id={self.class_id}, weekday={self.weekday}, "
            f"starts_at={self.starts_at}, subject={self.subject!r})"
        )


class Holiday(Base):
    __tablename__ = "holidays"

    id = Column(Integer, primary_key=True)
    school_id = Column(ForeignKey("schools.id", ondelete="CASCADE"), nullable=False)
    day = Column(Date, nullable=False)
    name = Column(String(120), nullable=False)

    __table_args__ = (UniqueConstraint("school_id", "day"),)


class Acknowledgement(Base):
    """A family's confirmation that they read the rules of a given version."""

    __tablename__ = "acknowledgements"

    id = Column(Integer, primary_key=True)
    account_id = Column(ForeignKey("chat_accounts.id", ondelete="CASCADE"), nullable=False)
    student_id = Column(ForeignKey("students.id", ondelete="CASCADE"), nullable=False, index=True)
    rules_version = Column(String(32), nullable=False)
    acknowledged_at = Column(_tz(), nullable=False, default=utcnow)

    __table_args__ = (UniqueConstraint("account_id", "student_id", "rules_version"),)


class IncidentReport(Base):
    """An incident (section 2) or scam (section 3) report; kept anonymised when a user leaves."""

    __tablename__ = "incident_reports"

    id = Column(Integer, primary_key=True)
    reference = Column(String(20), nullable=False, unique=True)
    kind = Column(_enum(IncidentKind, "incident_kind"), nullable=False)
    school_id = Column(ForeignKey("schools.id", ondelete="SET NULL"), index=True)
    class_id = Column(ForeignKey("classes.id", ondelete="SET NULL"), index=True)
    reporter_account_id = Column(ForeignKey("chat_accounts.id", ondelete="SET NULL"), index=True)
    reporter_role = Column(_enum(Role, "reporter_role"))
    occurred_at = Column(_tz(), nullable=False)
    description = Column(Text, nullable=False, default="")
    status = Column(
        _enum(IncidentStatus, "incident_status"), nullable=False, default=IncidentStatus.OPEN
    )
    action_taken = Column(Text)
    handled_at = Column(_tz())
    handled_by = Column(String(120))
    created_at = Column(_tz(), nullable=False, default=utcnow, index=True)

    school_class = relationship("SchoolClass")


class HelpRequest(Base):
    """A family asking to talk to a person; the homeroom teacher is alerted."""

    __tablename__ = "help_requests"

    id = Column(Integer, primary_key=True)
    account_id = Column(ForeignKey("chat_accounts.id", ondelete="CASCADE"), nullable=False)
    class_id = Column(ForeignKey("classes.id", ondelete="SET NULL"))
    message = Column(Text, nullable=False, default="")
    created_at = Column(_tz(), nullable=False, default=utcnow)
    handled_at = Column(_tz())


class UnansweredMessage(Base):
    """An out-of-scope or low-confidence message, scrubbed of personal data, for review."""

    __tablename__ = "unanswered_messages"

    id = Column(Integer, primary_key=True)
    text = Column(Text, nullable=False)
    intent = Column(String(80))
    confidence = Column(String(16))
    created_at = Column(_tz(), nullable=False, default=utcnow, index=True)


class Broadcast(Base):
    """A message to many accounts; an idempotency key makes creating it twice a no-op."""

    __tablename__ = "broadcasts"

    id = Column(Integer, primary_key=True)
    idempotency_key = Column(String(120), nullable=False, unique=True)
    kind = Column(_enum(BroadcastKind, "broadcast_kind"), nullable=False)
    school_id = Column(ForeignKey("schools.id", ondelete="SET NULL"))
    audience = Column(String(200), nullable=False)
    text = Column(Text, nullable=False)
    ask_receipt = Column(Boolean, nullable=False, default=False)
    urgent = Column(Boolean, nullable=False, default=False)
    sender = Column(String(120), nullable=False)
    created_at = Column(_tz(), nullable=False, default=utcnow)
    scheduled_for = Column(_tz())  # sent from this moment on, when staff chose a time
    cancelled_at = Column(_tz())
    cancelled_by = Column(String(120))
    cancelled_count = Column(Integer, nullable=False, default=0, server_default="0")  # queued ones removed

    deliveries = relationship("Delivery", back_populates="broadcast", passive_deletes=True)


class Delivery(Base):
    """One broadcast to one account: the unit the delivery worker claims and sends."""

    __tablename__ = "deliveries"

    id = Column(Integer, primary_key=True)
    broadcast_id = Column(ForeignKey("broadcasts.id", ondelete="CASCADE"), nullable=False, index=True)
    # None for a family reached by ZNS only (``phone``) or listed as unreachable (``student_id``)
    account_id = Column(ForeignKey("chat_accounts.id", ondelete="CASCADE"), index=True)
    status = Column(
        _enum(DeliveryStatus, "delivery_status"), nullable=False, default=DeliveryStatus.PENDING
    )
    attempts = Column(Integer, nullable=False, default=0)
    not_before = Column(_tz(), nullable=False, default=utcnow, index=True)
    claimed_by = Column(String(64))
    claimed_at = Column(_tz())
    sent_at = Column(_tz())
    last_error = Column(String(300))
    acknowledged_at = Column(_tz())
    # Chunks of a long message already delivered: a retry resumes after them.
    chunks_sent = Column(Integer, nullable=False, default=0, server_default="0")
    # The route chosen (chatbot.delivery.routes.Route) and why; the family it reaches; the
    # phone number of a ZNS delivery; what a paid route cost (VND) once sent.
    route = Column(String(24))
    route_reason = Column(String(120))
    student_id = Column(ForeignKey("students.id", ondelete="CASCADE"), index=True)
    phone = Column(String(16))
    cost_vnd = Column(Integer, nullable=False, default=0, server_default="0")

    broadcast = relationship("Broadcast", back_populates="deliveries")
    account = relationship("ChatAccount")

    __table_args__ = (
        UniqueConstraint("broadcast_id", "account_id"),
        Index("ix_deliveries_status_not_before", "status", "not_before"),
    )


class ChannelToken(Base):
    """A channel's current access and rotating refresh token (Zalo OA)."""

    __tablename__ = "channel_tokens"

    channel = Column(String(24), primary_key=True)
    access_token = Column(Text, nullable=False)
    refresh_token = Column(Text, nullable=False)
    expires_at = Column(_tz(), nullable=False)
    version = Column(Integer, nullable=False, default=1)
    updated_at = Column(_tz(), nullable=False, default=utcnow)


class ProcessedEvent(Base):
    """A webhook event already handled, so a retried delivery is not answered twice.

    ``in_progress`` marks an event being handled right now (Telegram: the row is kept only once
    the update was handled, and a claim left by a crashed process is taken over after a while).
    """

    __tablename__ = "processed_events"

    id = Column(Integer, primary_key=True)
    channel = Column(String(24), nullable=False)
    event_id = Column(String(128), nullable=False)
    created_at = Column(_tz(), nullable=False, default=utcnow, index=True)
    in_progress = Column(Boolean, nullable=False, default=False, server_default=false())

    __table_args__ = (UniqueConstraint("channel", "event_id"),)


class StaffUser(Base):
    """A sign-in account of the staff web app.

    Office accounts have no school; the others belong to one. A teacher's account is tied to
    their :class:`StaffMember`, whose homeroom classes are what the teacher may see. Accounts
    made by the teachers' import have no password until one is set; they sign in through the
    one-time link the assistant sends to the teacher's linked chat.
    """

    __tablename__ = "staff_users"

    id = Column(Integer, primary_key=True)
    username = Column(String(120), nullable=False, unique=True)
    full_name = Column(String(120), nullable=False)
    role = Column(_enum(WebRole, "web_role"), nullable=False)
    school_id = Column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    staff_member_id = Column(ForeignKey("staff_members.id", ondelete="SET NULL"), unique=True)
    password_hash = Column(String(255))
    active = Column(Boolean, nullable=False, default=True)
    created_at = Column(_tz(), nullable=False, default=utcnow)

    school = relationship("School")
    staff_member = relationship("StaffMember")


class WebSession(Base):
    """A signed-in browser; the cookie holds a random token, the table only its hash."""

    __tablename__ = "web_sessions"

    id = Column(Integer, primary_key=True)
    token_hash = Column(String(64), nullable=False, unique=True)
    user_id = Column(ForeignKey("staff_users.id", ondelete="CASCADE"), nullable=False, index=True)
    csrf_token = Column(String(64), nullable=False)
    created_at = Column(_tz(), nullable=False, default=utcnow)
    last_seen_at = Column(_tz(), nullable=False, default=utcnow)
    expires_at = Column(_tz(), nullable=False, index=True)


class SignInLink(Base):
    """A one-time sign-in link sent to a teacher's linked chat (hash of the token only)."""

    __tablename__ = "web_sign_in_links"

    id = Column(Integer, primary_key=True)
    token_hash = Column(String(64), nullable=False, unique=True)
    user_id = Column(ForeignKey("staff_users.id", ondelete="CASCADE"), nullable=False, index=True)
    created_at = Column(_tz(), nullable=False, default=utcnow)
    expires_at = Column(_tz(), nullable=False, index=True)
    used_at = Column(_tz())


class SignInFailure(Base):
    """A failed password sign-in, for the rate limit per account name and per address."""

    __tablename__ = "web_sign_in_failures"

    id = Column(Integer, primary_key=True)
    username = Column(String(120), nullable=False, index=True)
    address = Column(String(64), nullable=False, index=True)
    attempted_at = Column(_tz(), nullable=False, default=utcnow, index=True)


class UsedFormToken(Base):
    """A submitted form's one-time token, so a form sent twice changes data once."""

    __tablename__ = "web_used_form_tokens"

    token_hash = Column(String(64), primary_key=True)
    used_at = Column(_tz(), nullable=False, default=utcnow, index=True)


class ImportUpload(Base):
    """An uploaded import file between its dry run and the confirmation (kept an hour)."""

    __tablename__ = "web_import_uploads"

    id = Column(Integer, primary_key=True)
    token_hash = Column(String(64), nullable=False, unique=True)
    user_id = Column(ForeignKey("staff_users.id", ondelete="CASCADE"), nullable=False, index=True)
    school_id = Column(ForeignKey("schools.id", ondelete="CASCADE"), nullable=False)
    kind = Column(String(16), nullable=False)
    class_name = Column(String(16))
    filename = Column(String(200), nullable=False)
    content = Column(LargeBinary, nullable=False)
    created_at = Column(_tz(), nullable=False, default=utcnow, index=True)
    used_at = Column(_tz())


class AuditEvent(Base):
    """A sensitive action in the web app: who sent, handled, imported or exported what."""

    __tablename__ = "audit_events"

    id = Column(Integer, primary_key=True)
    at = Column(_tz(), nullable=False, default=utcnow, index=True)
    user_id = Column(ForeignKey("staff_users.id", ondelete="SET NULL"), index=True)
    username = Column(String(120), nullable=False)
    school_id = Column(ForeignKey("schools.id", ondelete="SET NULL"), index=True)
    action = Column(String(40), nullable=False)
    detail = Column(String(500), nullable=False, default="")


# -- Families talk to the school (issue 17) --------------------------------------------------


class Absence(Base):
    """A family's notice that a student misses a school day (or some periods of it)."""

    __tablename__ = "absences"

    id = Column(Integer, primary_key=True)
    student_id = Column(ForeignKey("students.id", ondelete="CASCADE"), nullable=False, index=True)
    class_id = Column(ForeignKey("classes.id", ondelete="CASCADE"), nullable=False, index=True)
    account_id = Column(ForeignKey("chat_accounts.id", ondelete="SET NULL"), index=True)
    day = Column(Date, nullable=False, index=True)
    periods = Column(String(40), nullable=False, default="")  # "3,4"; empty: the whole day
    reason = Column(Text, nullable=False, default="")
    created_at = Column(_tz(), nullable=False, default=utcnow)
    withdrawn_at = Column(_tz())

    student = relationship("Student")


class RelayStatus(str, enum.Enum):
    OPEN = "open"
    CLOSED = "closed"


class RelayThread(Base):
    """A family's conversation with a homeroom teacher, passed on by the assistant."""

    __tablename__ = "relay_threads"

    id = Column(Integer, primary_key=True)
    account_id = Column(ForeignKey("chat_accounts.id", ondelete="SET NULL"), index=True)
    student_id = Column(ForeignKey("students.id", ondelete="SET NULL"), index=True)
    class_id = Column(ForeignKey("classes.id", ondelete="SET NULL"), index=True)
    teacher_id = Column(ForeignKey("staff_members.id", ondelete="SET NULL"), index=True)
    family_label = Column(String(200), nullable=False, default="")  # "Phụ huynh em 05 - …"
    status = Column(_enum(RelayStatus, "relay_status"), nullable=False, default=RelayStatus.OPEN)
    created_at = Column(_tz(), nullable=False, default=utcnow, index=True)
    closed_at = Column(_tz())

    messages = relationship(
        "RelayMessage", back_populates="thread", order_by="RelayMessage.id", passive_deletes=True
    )


class RelayMessage(Base):
    """One message of a relay thread, kept as the permanent log staff review."""

    __tablename__ = "relay_messages"

    id = Column(Integer, primary_key=True)
    thread_id = Column(ForeignKey("relay_threads.id", ondelete="CASCADE"), nullable=False, index=True)
    author = Column(String(16), nullable=False)  # "family" or "teacher"
    author_label = Column(String(200), nullable=False)
    text = Column(Text, nullable=False)
    urgent = Column(Boolean, nullable=False, default=False)
    created_at = Column(_tz(), nullable=False, default=utcnow)

    thread = relationship("RelayThread", back_populates="messages")


class OfficialContact(Base):
    """A phone number, Zalo OA, email or web address the school or the office really uses."""

    __tablename__ = "official_contacts"

    id = Column(Integer, primary_key=True)
    school_id = Column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)  # None: the office
    name = Column(String(200), nullable=False)
    role = Column(String(200), nullable=False, default="")
    phone = Column(String(32), index=True)  # digits only, national form (0…)
    zalo = Column(String(200))
    email = Column(String(200))
    website = Column(String(200))
    created_at = Column(_tz(), nullable=False, default=utcnow)


class ReportedNumber(Base):
    """A phone number named in a scam report, so reports of one number group into a campaign."""

    __tablename__ = "reported_numbers"

    id = Column(Integer, primary_key=True)
    incident_id = Column(ForeignKey("incident_reports.id", ondelete="CASCADE"), nullable=False, index=True)
    phone = Column(String(32), nullable=False, index=True)

    __table_args__ = (UniqueConstraint("incident_id", "phone"),)
class SchoolChannel(Base):
    """One school's own bot on one channel (Telegram bot, Zalo OA, Zalo Bot).

    ``secrets`` is a Fernet token (key ``CHANNEL_SECRETS_KEY``) of the channel's settings as
    JSON: tokens, app secrets, webhook secret. Only ``label`` (the bot's public name) and the
    times are readable without the key; nothing of ``secrets`` is ever logged or exported.
    """

    __tablename__ = "school_channels"

    id = Column(Integer, primary_key=True)
    school_id = Column(ForeignKey("schools.id", ondelete="CASCADE"), nullable=False, index=True)
    channel = Column(String(24), nullable=False)
    secrets = Column(LargeBinary, nullable=False)
    label = Column(String(120))
    created_at = Column(_tz(), nullable=False, default=utcnow)
    updated_at = Column(_tz(), nullable=False, default=utcnow)

    school = relationship("School")

    __table_args__ = (UniqueConstraint("school_id", "channel"),)

    def __repr__(self) -> str:  # keeps the sealed secrets out of logs and tracebacks
        return f"SchoolChannel(school_id={self.school_id}, channel={self.channel!r})"
class ButtonChoice(Base):
    """Buttons a channel cannot carry as they are, so that any replica can resolve a press.

    ``key`` is ``tg:<hash>`` for a Telegram payload longer than 64 bytes of callback_data
    (``payloads`` holds that one payload), or ``<channel>:<chat id>`` for the numbered options
    last offered in a chat without buttons (``payloads`` holds them in order). Rows past
    ``expires_at`` are ignored and removed by housekeeping.
    """

    __tablename__ = "button_choices"

    key = Column(String(160), primary_key=True)
    payloads = Column(Text, nullable=False)
    expires_at = Column(_tz(), nullable=False, index=True)
class ParentPhone(Base):
    """A parent's phone number from the roster (E.164, ``+84…``), for ZNS.

    ``account_id`` is the chat account whose owner confirmed the number in chat; ``zns_opt_out_at``
    is set when the family said it wants no ZNS.
    """

    __tablename__ = "parent_phones"

    id = Column(Integer, primary_key=True)
    student_id = Column(ForeignKey("students.id", ondelete="CASCADE"), nullable=False, index=True)
    phone = Column(String(16), nullable=False)
    position = Column(Integer, nullable=False, default=0)  # order on the roster
    account_id = Column(ForeignKey("chat_accounts.id", ondelete="SET NULL"), index=True)
    confirmed_at = Column(_tz())
    zns_opt_out_at = Column(_tz())
    invite_sent_at = Column(_tz())  # the invite went out by ZNS
    created_at = Column(_tz(), nullable=False, default=utcnow)

    __table_args__ = (UniqueConstraint("student_id", "phone"),)


class ZaloFollow(Base):
    """Whether a Zalo OA account follows the OA (follow/unfollow events, -213 answers)."""

    __tablename__ = "zalo_follows"

    account_id = Column(ForeignKey("chat_accounts.id", ondelete="CASCADE"), primary_key=True)
    following = Column(Boolean, nullable=False, default=True)
    changed_at = Column(_tz(), nullable=False, default=utcnow)


class ZaloTemplate(Base):
    """The template a kind of notice uses on a paid Zalo route (``transaction`` or ``zns``).

    ``params`` lists ``name:source:limit`` items separated by ``;`` (sources in
    chatbot.delivery.zalo_templates.SOURCES). A template Zalo rejected is ``disabled_reason``.
    """

    __tablename__ = "zalo_templates"

    id = Column(Integer, primary_key=True)
    kind = Column(String(32), nullable=False)
    route = Column(String(24), nullable=False)
    template_id = Column(String(64), nullable=False)
    params = Column(String(500), nullable=False, default="")
    disabled_reason = Column(String(200))
    updated_at = Column(_tz(), nullable=False, default=utcnow)

    __table_args__ = (UniqueConstraint("kind", "route"),)


class ZaloSpend(Base):
    """Money spent on paid Zalo routes on one local day (VND), reserved before each send."""

    __tablename__ = "zalo_spend"

    day = Column(Date, primary_key=True)
    spent_vnd = Column(Integer, nullable=False, default=0)
    alerted_at = Column(_tz())  # staff were told the budget ran out
