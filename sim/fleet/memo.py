"""Memoising values of the shared objects many phones point at."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class PerObject:
    """``fn(obj)`` memoised by the identity of ``obj``, for values of the shared files many
    phones point at (an installed ITL's emptiness, its SHA-1). Holds a reference to each
    object so an id is never reused while memoised."""

    __slots__ = ("fn", "_memo")

    def __init__(self, fn: Callable[[Any], Any]):
        self.fn = fn
        self._memo: dict[int, tuple[Any, Any]] = {}

    def __call__(self, obj: Any) -> Any:
        hit = self._memo.get(id(obj))
        if hit is None:
            hit = self._memo[id(obj)] = (obj, self.fn(obj))
        return hit[1]
