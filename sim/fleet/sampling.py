"""Random durations for the fleet: a scenario distribution drawn in blocks (numpy).

Agents take one float at a time (``Sampler()``); the cohort engine takes a reset's hardware
delays at once (``Sampler.many``), the same values in the same order, so a storm that falls
back to agents is the agents' run.

A run's streams are spawned from its seed (``stream_seeds``, once per seed in a process) and
each becomes a numpy ``Generator`` only when first drawn from: a tiny sweep run uses a few of
its fifteen streams, and making them all cost more than its phones.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from types import MappingProxyType
from typing import Any

import numpy as np


@lru_cache(maxsize=64)  # a sweep worker's replication seeds
def stream_seeds(seed: int, names: tuple[str, ...]) -> Mapping[str, np.random.SeedSequence]:
    """One child of ``SeedSequence(seed)`` per stream name, in order: the same children for the
    same seed (making a ``Generator`` from one reads it and changes nothing)."""
    children = np.random.SeedSequence(seed).spawn(len(names))
    return MappingProxyType(dict(zip(names, children, strict=True)))


class Sampler:
    """Draws from a scenario distribution in blocks (numpy), handed out one float at a time;
    ``rng`` may be the ``SeedSequence`` to make the generator from at the first draw."""

    __slots__ = ("dist", "rng", "block", "buffer")

    def __init__(self, dist: Any, rng: np.random.Generator | np.random.SeedSequence,
                 block: int = 1024):
        self.dist = dist
        self.rng = rng
        self.block = block
        self.buffer: list[float] = []

    def __call__(self) -> float:
        if not self.buffer:
            self._refill()
        return self.buffer.pop()

    def many(self, n: int) -> list[float]:
        """The next ``n`` draws, the values ``n`` calls would give, in that order."""
        out: list[float] = []
        while len(out) < n:
            if not self.buffer:
                self._refill()
            k = min(n - len(out), len(self.buffer))
            chunk = self.buffer[-k:]
            chunk.reverse()
            out.extend(chunk)
            del self.buffer[-k:]
        return out

    def _refill(self) -> None:
        if isinstance(self.rng, np.random.SeedSequence):
            self.rng = np.random.default_rng(self.rng)
        self.buffer = self.dist.sample_many(self.rng, self.block).tolist()
        self.buffer.reverse()
