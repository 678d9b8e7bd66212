"""What a family's erasure request does to its absence notices and relay threads.

Like incident reports, both stay for the school's records, anonymised: an absence notice keeps
the student, day and periods but loses the family's words (often health details) and the
account; a relay thread keeps the teacher's side and the family's messages with the students'
names taken out, under the label "Gia đình (đã xóa dữ liệu)".
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from chatbot.db.models import Absence, RelayMessage, RelayThread

ERASED_LABEL = "Gia đình (đã xóa dữ liệu)"


def forget_family_talk(session: Session, account_id: int, scrub: Callable[[str], str]) -> tuple[int, int]:
    """Anonymise the account's absence notices and relay threads (``scrub`` takes the students'
    names out of a text); returns (notices, threads)."""
    notices = (
        session.execute(
            update(Absence)
            .where(Absence.account_id == account_id)
            .values(reason="", account_id=None)
            .execution_options(synchronize_session=False)
        ).rowcount
        or 0
    )
    threads = session.execute(select(RelayThread).where(RelayThread.account_id == account_id)).scalars().all()
    for thread in threads:
        thread.family_label = ERASED_LABEL
        thread.account_id = None
        for message in session.execute(
            select(RelayMessage).where(RelayMessage.thread_id == thread.id)
        ).scalars():
            message.text = scrub(message.text)
            if message.author == "family":
                message.author_label = ERASED_LABEL
    session.flush()
    return notices, len(threads)
