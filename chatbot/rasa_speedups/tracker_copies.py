"""Cheaper tracker copies: slots copied directly, the domain's emptiness asked once.

Rasa copies a tracker several times per prediction (``init_copy`` for every replay of the
history, ``copy`` before each action), and each copy shallow-copies every slot of the domain
(20 here) through ``copy.copy``, which goes the generic ``__reduce_ex__`` way: 4 % of a
replica's CPU. :func:`copy_slot` makes the same shallow copy (a new object of the same class
with the same attribute values) directly, for slot classes that define no copy or pickling
hooks of their own (the others keep ``copy.copy``'s generic path).

Every parsed message also asks ``Domain.is_empty``, which serialises the whole domain and
an empty one to compare them: another 4 %. A loaded domain does not change, so the answer
is kept on the domain object.
"""

from __future__ import annotations

import copy
from functools import cache

from rasa.shared.core.domain import Domain
from rasa.shared.core.slots import Slot

_HOOKS = ("__reduce__", "__reduce_ex__", "__getstate__", "__setstate__")
_RASA_IS_EMPTY = Domain.is_empty
_IS_EMPTY_ATTRIBUTE = "_chatbot_is_empty"


@cache
def _plain(cls: type) -> bool:
    """Whether ``copy.copy`` copies a ``cls`` object by copying its ``__dict__`` and nothing else."""
    for klass in cls.__mro__[:-1]:
        attributes = vars(klass)
        if any(hook in attributes for hook in _HOOKS) or attributes.get("__slots__"):
            return False
        if attributes.get("__copy__", copy_slot) is not copy_slot:
            return False
    return True


def copy_slot(self: Slot) -> Slot:
    """``copy.copy(slot)``: a new slot of the same class sharing the same attribute values."""
    cls = type(self)
    if not _plain(cls):
        return copy._reconstruct(self, None, *self.__reduce_ex__(4))  # type: ignore[attr-defined]
    duplicate = cls.__new__(cls)
    duplicate.__dict__.update(self.__dict__)
    return duplicate


def is_empty(self: Domain) -> bool:
    """``Domain.is_empty``, computed once per domain object."""
    answer = self.__dict__.get(_IS_EMPTY_ATTRIBUTE)
    if answer is None:
        answer = self.__dict__[_IS_EMPTY_ATTRIBUTE] = _RASA_IS_EMPTY(self)
    return answer


def install() -> None:
    """Patch ``Slot`` and ``Domain`` in this process (idempotent)."""
    Slot.__copy__ = copy_slot  # type: ignore[attr-defined]
    Domain.is_empty = is_empty  # type: ignore[method-assign]
