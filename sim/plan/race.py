"""Racing with successive halving: drop procedures that are clearly worse, early.

A race evaluates every candidate on a few replications, then repeatedly

1. drops each candidate that some other one still in the race beats (``objective.compare``:
   paired differences under common random numbers, a 95 % interval beyond the tolerance of
   the first metric that differs) -- the elimination step of racing (Maron and Moore's Hoeffding
   races; F-race, Birattari et al. 2002, with a paired t interval in place of Friedman's test);
2. if more than ``finalists`` remain, keeps the better half by the objective's sort key
   (successive halving, Jamieson and Talwalkar 2016): differences too small to be sure of still
   spend the replications on the more promising half;
3. doubles the replications of the survivors,

until one candidate is left or the survivors have ``most`` replications. Every decision reads
only results that are fixed by the plan and its root seed, never the order in which runs
finish, so the same plan gives the same race. The race does not run anything itself: it asks
an ``Evaluate`` callback for the metric values of some candidates on the first *n*
replications, so tests drive it with synthetic objectives.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from sim.plan.objective import Objective, Verdict, compare

Values = Mapping[str, Mapping[str, np.ndarray]]
"""Per candidate key, per objective metric, the values of replications 0 .. n-1."""
Evaluate = Callable[[Sequence[str], int], Values]
Problem = Callable[[str, int], str | None]
"""Why a candidate cannot win after n replications (a refused step, a broken constraint)."""


@dataclass(frozen=True)
class Schedule:
    """Replications per round: ``first``, doubling, capped at ``most``; halving above
    ``finalists`` survivors."""

    first: int = 3
    most: int = 10
    finalists: int = 4

    def rounds(self) -> list[int]:
        """The replication counts of successive rounds."""
        counts = [min(self.first, self.most)]
        while counts[-1] < self.most:
            counts.append(min(counts[-1] * 2, self.most))
        return counts


@dataclass(frozen=True)
class Dropped:
    """Why a candidate left the race, after how many replications."""

    key: str
    replications: int
    reason: str
    by: str | None = None
    metric: str | None = None


@dataclass
class RaceResult:
    survivors: list[str]
    dropped: list[Dropped] = field(default_factory=list)
    rounds: list[tuple[int, int]] = field(default_factory=list)
    """(replications, candidates evaluated) per round."""

    def reason(self, key: str) -> Dropped | None:
        return next((d for d in self.dropped if d.key == key), None)


def means(values: Values, objective: Objective) -> dict[str, dict[str, float]]:
    return {key: {m: float(np.mean(v[m])) for m in objective.metrics}
            for key, v in values.items()}


def ranked(keys: Sequence[str], values: Values, objective: Objective) -> list[str]:
    """``keys`` by the objective's sort key of their means; ties keep the given order."""
    average = means({k: values[k] for k in keys}, objective)
    position = {key: i for i, key in enumerate(keys)}
    return sorted(keys, key=lambda k: (objective.key(average[k]), position[k]))


def eliminate(alive: Sequence[str], values: Values, objective: Objective, n: int
              ) -> list[Dropped]:
    """Candidates that another candidate still alive beats; the best-ranked rival that beats
    a candidate is named."""
    order = ranked(alive, values, objective)
    dropped = []
    for key in alive:
        for rival in order:
            if rival == key:
                continue
            result = compare(values[key], values[rival], objective)
            if result.verdict is Verdict.WORSE:
                dropped.append(Dropped(key, n, "beaten", rival, result.metric))
                break
    return dropped


def halve(alive: Sequence[str], values: Values, objective: Objective, n: int,
          finalists: int) -> tuple[list[str], list[Dropped]]:
    """Keep the better half (at least ``finalists``) by the sort key."""
    if len(alive) <= finalists:
        return list(alive), []
    keep = max(finalists, math.ceil(len(alive) / 2))
    order = ranked(alive, values, objective)
    kept = set(order[:keep])
    return ([k for k in alive if k in kept],
            [Dropped(k, n, f"halved: rank {order.index(k) + 1} of {len(order)}")
             for k in alive if k not in kept])


def race(keys: Sequence[str], evaluate: Evaluate, objective: Objective,
         schedule: Schedule, problem: Problem = lambda key, n: None) -> RaceResult:
    """Race ``keys`` (module doc); ``keys``' order breaks ties. A candidate with a ``problem``
    leaves the race before the comparisons."""
    alive = list(keys)
    result = RaceResult(alive)
    for n in schedule.rounds():
        values = evaluate(alive, n)
        result.rounds.append((n, len(alive)))
        broken = [Dropped(k, n, why) for k in alive if (why := problem(k, n))]
        result.dropped += broken
        alive = [k for k in alive if k not in {d.key for d in broken}]
        beaten = eliminate(alive, values, objective, n)
        result.dropped += beaten
        alive = [k for k in alive if k not in {d.key for d in beaten}]
        if n < schedule.most:
            alive, halved = halve(alive, values, objective, n, schedule.finalists)
            result.dropped += halved
        if len(alive) <= 1:
            break
    result.survivors = alive
    return result
