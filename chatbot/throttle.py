"""Let something happen at most once per interval for each key, in bounded memory."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable


class OncePer:
    """Lets each key through at most once every ``interval`` seconds (this process only).

    The least recently allowed keys are forgotten beyond ``max_keys``, so a flood of new keys
    costs bounded memory (a forgotten key is simply allowed again).
    """

    def __init__(
        self,
        interval: float,
        max_keys: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._interval = interval
        self._max = max_keys
        self._clock = clock
        self._last: OrderedDict[Hashable, float] = OrderedDict()

    def allow(self, key: Hashable) -> bool:
        """Whether ``key`` may go now; if so it is recorded as having gone."""
        now = self._clock()
        last = self._last.get(key)
        if last is not None and now - last < self._interval:
            return False
        self._last[key] = now
        self._last.move_to_end(key)
        while len(self._last) > self._max:
            self._last.popitem(last=False)
        return True

    def forget(self, key: Hashable) -> None:
        """Let ``key`` go again at once (its last attempt did not count)."""
        self._last.pop(key, None)
