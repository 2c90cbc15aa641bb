"""Process-wide memos that a sweep worker's runs share (certificates, signed and parsed files,
RSA results): bounded, and emptied when full, so a worker running thousands of points keeps a
few clusters' worth whatever it runs."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")


def remembered(memo: dict[K, V], key: K, make: Callable[[], V], limit: int) -> V:
    """``memo[key]``, made by ``make()`` on its first use; ``memo`` is emptied first when it
    already holds ``limit`` entries. (Values are never ``None``.)"""
    found = memo.get(key)
    if found is None:
        if len(memo) >= limit:
            memo.clear()
        found = memo[key] = make()
    return found
