"""Random durations for the fleet: a scenario distribution drawn in blocks (numpy).

Agents take one float at a time (``Sampler()``); the cohort engine takes a reset's hardware
delays at once (``Sampler.many``), the same values in the same order, so a storm that falls
back to agents is the agents' run.
"""

from __future__ import annotations

from typing import Any

import numpy as np


class Sampler:
    """Draws from a scenario distribution in blocks (numpy), handed out one float at a time."""

    __slots__ = ("dist", "rng", "block", "buffer")

    def __init__(self, dist: Any, rng: np.random.Generator, block: int = 1024):
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
        self.buffer = self.dist.sample_many(self.rng, self.block).tolist()
        self.buffer.reverse()
