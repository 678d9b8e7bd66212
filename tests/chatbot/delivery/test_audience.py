from __future__ import annotations

import pytest
from sqlalchemy import update

from chatbot.db.engine import session_scope
from chatbot.db.models import Channel, ChatAccount, School
from chatbot.delivery.audience import (
    Audience,
    AudienceError,
    classes_in_scope,
    find_school,
    parse_students,
    recipients,
)
from tests.chatbot.delivery.conftest import SchoolData, add_account


def resolve(audience: Audience) -> list[int]:
    with session_scope() as session:
        return recipients(session, find_school(session, audience.school), audience)


def ids(school: SchoolData, *names: str) -> list[int]:
    return sorted(school.accounts[name] for name in names)


def test_whole_school_grade_class_and_students(school: SchoolData) -> None:
    parents = [n for n in school.accounts if n.startswith("p-")]
    assert resolve(Audience(school="HS")) == ids(school, *parents)
    assert resolve(Audience(grades=(7,))) == ids(school, "p-7A-1", "p-7A-2", "p-7A-3")
    assert resolve(Audience(classes=("6b",))) == ids(school, "p-6B-1", "p-6B-2", "p-6B-3")
    assert resolve(Audience(students=(("6A", 1), ("7A", 3)))) == ids(school, "p-6A-1", "p-7A-3")


def test_filters_add_up(school: SchoolData) -> None:
    audience = Audience(grades=(7,), classes=("6B",), students=(("6A", 2),))
    expected = ids(school, "p-7A-1", "p-7A-2", "p-7A-3", "p-6B-1", "p-6B-2", "p-6B-3", "p-6A-2")
    assert resolve(audience) == expected


def test_each_account_once_and_only_active_ones(school: SchoolData) -> None:
    with session_scope() as session:
        both = add_account(
            session, "parent-of-two", [school.students[("6A", 1)], school.students[("6A", 2)]],
            channel=Channel.ZALO,
        )
        session.execute(
            update(ChatAccount).where(ChatAccount.id == school.accounts["p-6A-3"]).values(active=False)
        )
    assert resolve(Audience(classes=("6A",))) == sorted(
        [both, school.accounts["p-6A-1"], school.accounts["p-6A-2"]]
    )


@pytest.mark.parametrize(
    ("audience", "message"),
    [
        (Audience(classes=("9Z",)), "không có lớp 9Z"),
        (Audience(grades=(12,)), "khối 12"),
        (Audience(students=(("6A", 40),)), "không có học sinh 6A:40"),
        (Audience(school="NOPE"), "không có trường"),
    ],
)
def test_unknown_names_are_refused(school: SchoolData, audience: Audience, message: str) -> None:
    with pytest.raises(AudienceError, match=message):
        resolve(audience)


def test_school_is_required_when_several_exist(school: SchoolData) -> None:
    with session_scope() as session:
        session.add(School(code="OTHER", name="Trường khác"))
    with pytest.raises(AudienceError, match="--school"):
        resolve(Audience(classes=("6A",)))
    assert resolve(Audience(school="HS", classes=("6A",)))


def test_parse_students() -> None:
    assert parse_students("6a:1, 6A:5,") == (("6A", 1), ("6A", 5))
    with pytest.raises(AudienceError):
        parse_students("6A-1")
    with pytest.raises(AudienceError):
        parse_students(" , ")


def test_labels_and_their_class_scope(school: SchoolData) -> None:
    audience = Audience(grades=(7,), classes=("6b",), students=(("6A", 2),))
    label = audience.label("HS")
    assert label == "school=HS;grade=7;class=6B;students=6A:2"
    with session_scope() as session:
        assert classes_in_scope(session, school.school_id, label) == {"6A", "6B", "7A"}
        assert classes_in_scope(session, school.school_id, "school=HS") is None
    many = Audience(students=tuple(("6A", roll) for roll in range(1, 80)))
    assert len(many.label("HS")) <= 200
    assert many.label("HS") == "school=HS;students=6A:…"
