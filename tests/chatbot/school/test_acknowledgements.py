"""The rules acknowledgement is recorded once per student and rules version."""

from __future__ import annotations

from sqlalchemy import select

from chatbot.db.engine import session_scope
from chatbot.db.models import Acknowledgement, Role
from chatbot.school import acknowledgements
from tests.chatbot.school.sample import NOW, Sample, link


def test_acknowledging_records_each_child_once_per_version(school: Sample) -> None:
    with session_scope() as session:
        link(session, ("zalo", "5"), Role.PARENT, student_id=school.minh_anh)
        view = link(session, ("zalo", "5"), Role.PARENT, student_id=school.hoa).view
        assert [s.full_name for s in acknowledgements.pending(session, view, "V1")] == [
            "Nguyễn Minh Anh", "Lê Thị Hoa",
        ]
        first = acknowledgements.acknowledge(session, view, "V1", now=NOW)
        second = acknowledgements.acknowledge(session, view, "V1", now=NOW)
        newer = acknowledgements.acknowledge(session, view, "V2", now=NOW)
        rows = session.execute(select(Acknowledgement)).scalars().all()
    assert len(first.recorded) == 2 and first.already == ()
    assert second.recorded == () and [when for _, when in second.already] == [NOW, NOW]
    assert len(newer.recorded) == 2 and len(rows) == 4
