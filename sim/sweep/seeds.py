"""Replication seeds: one root seed, an independent stream per replication, common random numbers.

Replication ``r`` of a sweep gets the ``r``-th child of ``numpy.random.SeedSequence(root)``
(``spawn_key = (r,)``, exactly what ``SeedSequence(root).spawn(n)[r]`` yields), reduced to a 63-bit
integer because a scenario's ``simulation.seed`` is an integer (``sim.fleet.run`` seeds its own
``SeedSequence`` from it). The seed depends on the root and the replication index only, never on the
point: replication ``r`` draws the same boot times, transfer times and offline phones at every point
of the sweep (common random numbers), so a difference between two points is the effect of the
parameters, not noise. Children of a ``SeedSequence`` are designed to be statistically independent,
so different replications are independent samples, and the same root seed reproduces every number of
a sweep.
"""

from __future__ import annotations

import numpy as np


def replication_seed(root_seed: int, replication: int) -> int:
    """The scenario seed of replication ``replication`` (0-based) under ``root_seed``."""
    child = np.random.SeedSequence(root_seed, spawn_key=(replication,))
    return int(child.generate_state(1, np.uint64)[0] >> np.uint64(1))


def replication_seeds(root_seed: int, count: int) -> list[int]:
    """The seeds of replications ``0 .. count-1``; raising ``count`` keeps the first ones."""
    return [replication_seed(root_seed, r) for r in range(count)]
