"""The 1-D refinement: search a waiting time or batch size between the values the plan gave,
where the outcome changes.

The race picks the best of the given values; the best waiting time may well lie between two of
them (keep the reset ITL 14 h and every phone switched off overnight is back; 4 h and 160 are
not: is 9 h enough?). For one choice at a time, with every other choice of the incumbent kept,
``bisect`` looks at the neighbours of the best value on that choice's number line (``Axis``):
where a neighbour's outcome differs from the best's by more than the tolerances (its sort key
differs), it tries the midpoint (rounded to whole minutes or whole phones), keeps it if it is
at least as good, and repeats ``depth`` times. Where neighbours give the same outcome there is
nothing to find and nothing is run. ``Outcomes`` is a callback, so tests give it a synthetic
step function.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

Key = tuple[float, ...]
Outcomes = Callable[[Sequence[float]], dict[float, Key]]
"""The objective's sort key at each point of the line (runs what is needed)."""


@dataclass
class Line:
    """What the refinement of one choice tried, and the best point found."""

    points: dict[float, Key] = field(default_factory=dict)
    added: list[float] = field(default_factory=list)
    best: float = 0.0


def best_of(points: dict[float, Key], incumbent: float) -> float:
    """The point with the smallest key; ties go to the incumbent, then to the smaller value
    (a shorter wait, a smaller batch)."""
    return min(points, key=lambda x: (points[x], x != incumbent, x))


def bisect(values: Sequence[float], incumbent: float, outcomes: Outcomes, *, depth: int,
           rounding: Callable[[float], float]) -> Line:
    """Refine around ``incumbent`` on the line through ``values`` (module doc)."""
    line = Line(dict(outcomes(sorted(set(values)))))
    line.best = best_of(line.points, incumbent)
    for _ in range(depth):
        trial = [mid for mid in _midpoints(line, rounding) if mid not in line.points]
        if not trial:
            break
        line.points.update(outcomes(trial))
        line.added += trial
        line.best = best_of(line.points, line.best)
    return line


def _midpoints(line: Line, rounding: Callable[[float], float]) -> list[float]:
    """Midpoints between the best and each neighbour whose outcome differs."""
    ordered = sorted(line.points)
    i = ordered.index(line.best)
    found = []
    for j in (i - 1, i + 1):
        if 0 <= j < len(ordered) and line.points[ordered[j]] != line.points[line.best]:
            mid = rounding((ordered[j] + line.best) / 2)
            if mid not in (ordered[j], line.best):
                found.append(mid)
    return found
