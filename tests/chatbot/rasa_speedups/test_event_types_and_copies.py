"""Cached event classes and plain slot copies behave as Rasa's; Domain.is_empty is asked once."""

from __future__ import annotations

import copy

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event, SlotSet, UserUttered
from rasa.shared.core.slots import Slot, TextSlot
from rasa.shared.utils.common import all_subclasses

from chatbot.rasa_speedups import event_types, tracker_copies
from chatbot.training import DOMAIN


def test_every_event_type_resolves_to_rasas_class() -> None:
    for cls in all_subclasses(Event):
        name = cls.type_name
        assert event_types.resolve_by_type(name) is event_types._RASA_RESOLVE_BY_TYPE(name)
        assert event_types.resolve_by_type(name) is event_types._RASA_RESOLVE_BY_TYPE(name)  # cached


def test_unknown_types_keep_rasas_answers() -> None:
    with pytest.raises(ValueError, match="Unknown event name"):
        event_types.resolve_by_type("no_such_event")
    assert event_types.resolve_by_type("no_such_event", SlotSet) is SlotSet
    assert event_types.resolve_by_type("topic") is None


def test_events_load_through_the_installed_lookup() -> None:
    event_types.install()
    loaded = Event.from_parameters(UserUttered("xin chào", {"name": "greet"}).as_dict())
    assert isinstance(loaded, UserUttered) and loaded.text == "xin chào"


def _rasa_copy(slot: Slot) -> Slot:
    """What ``copy.copy`` does for an object without ``__copy__``."""
    return copy._reconstruct(slot, None, *slot.__reduce_ex__(4))


def test_slot_copies_equal_copy_copys() -> None:
    tracker_copies.install()
    domain = Domain.load(DOMAIN)
    assert domain.slots
    for slot in domain.slots:
        ours, rasas = copy.copy(slot), _rasa_copy(slot)
        assert type(ours) is type(rasas) is type(slot) and ours is not slot
        assert ours.__dict__.keys() == rasas.__dict__.keys() == slot.__dict__.keys()
        assert all(ours.__dict__[name] is slot.__dict__[name] for name in slot.__dict__)  # shallow
        ours.value = "changed"
        assert slot.value != "changed"


def test_a_slot_class_with_its_own_pickling_keeps_the_generic_copy() -> None:
    class StatefulSlot(TextSlot):
        type_name = "stateful"

        def __getstate__(self) -> dict:
            return {**self.__dict__, "restored": True}

        def __setstate__(self, state: dict) -> None:
            self.__dict__.update(state)

    slot = StatefulSlot("s", mappings=[])
    assert not tracker_copies._plain(StatefulSlot)
    assert copy.copy(slot).__dict__.get("restored") is True


def test_domain_emptiness_is_asked_once(monkeypatch: pytest.MonkeyPatch) -> None:
    tracker_copies.install()
    domain = Domain.load(DOMAIN)
    assert domain.is_empty() is False
    monkeypatch.setattr(Domain, "as_dict", lambda self: pytest.fail("serialised again"))
    assert domain.is_empty() is False
    monkeypatch.undo()
    assert Domain.empty().is_empty() is True
