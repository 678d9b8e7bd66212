"""Event classes found by type name once, not by walking Rasa's class tree per event.

Loading a tracker turns each stored event dict into an object through
``Event.resolve_by_type``, which lists every subclass of ``Event`` recursively (and asks
``inspect.isabstract`` of each) for every single event: 5 % of a replica's CPU with this
project's short conversations, and more as a conversation grows. :func:`resolve_by_type`
remembers the class that the same search found for each type name; a name no class has
(and the legacy ``topic``) still goes to Rasa's lookup, with its default and its error.
"""

from __future__ import annotations

from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses

_RASA_RESOLVE_BY_TYPE = Event.resolve_by_type
_classes: dict[str, type[Event]] = {}


def resolve_by_type(type_name: str, default: type[Event] | None = None) -> type[Event] | None:
    """``Event.resolve_by_type``: the first subclass of ``Event`` with this type name."""
    cls = _classes.get(type_name)
    if cls is None:
        for candidate in all_subclasses(Event):
            if candidate.type_name == type_name:
                cls = _classes[type_name] = candidate
                break
        else:
            return _RASA_RESOLVE_BY_TYPE(type_name, default)
    return cls


def install() -> None:
    """Replace ``Event.resolve_by_type`` in this process (idempotent)."""
    Event.resolve_by_type = staticmethod(resolve_by_type)  # type: ignore[method-assign]
