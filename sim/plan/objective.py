"""The planner's objective: which outcome metrics rank procedures, in which order, and when two
procedures count as equal on one of them.

Every objective metric is minimised. The default order is the issue's: phones still locked at
the end, then technician hours, then locked phone-hours, then how long the whole procedure
takes (``DEFAULT_OBJECTIVE``). A metric is a field of ``summary.json`` (``sim.fleet.metrics``,
``sim.fleet.summary``) or ``procedure_duration_s``, which the planner derives: from the
procedure's first step until the fleet is back at its working count before the change (the
change's own ``time_to_pre_change_working_s`` is measured from the first disruptive step and
misses steps before it, such as setting the rollback parameter).

A summary reports "never" as null (e.g. 99 % of the locked phones never working again within
the run). A ranking needs a number, so ``metric_value`` reads each null as what it means: no
phone locked is 0 seconds to recover, a fleet that is not back by the end of the run counts
as back at the end (a lower bound, and already worse than any procedure that is back).

Two procedures are compared on the differences of their replications with common random
numbers (the same seed gives both the same boot times and offline phones, ``sim.sweep.seeds``),
metric by metric in the objective's order (``compare``): a metric decides when the 95 %
Student-t interval of the mean difference lies beyond the metric's tolerance, is passed over
when it lies within it, and leaves the comparison undecided otherwise. The tolerance is the
indifference zone of ranking-and-selection: a difference smaller than it does not matter to
the engineer (half a phone, a quarter of a technician hour, ...).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

import numpy as np
from scipy import stats as scipy_stats

CONFIDENCE = 0.95
PROCEDURE_DURATION = "procedure_duration_s"


@dataclass(frozen=True)
class Metric:
    """An objective metric: its default tolerance and how a null in the summary reads."""

    name: str
    tolerance: float
    description: str


def _metrics(*rows: tuple[str, float, str]) -> dict[str, Metric]:
    return {name: Metric(name, tolerance, text) for name, tolerance, text in rows}


OBJECTIVE_METRICS: dict[str, Metric] = _metrics(
    ("locked_final", 0.5, "phones still locked at the end"),
    ("not_recovered", 0.5, "locked phones never working again"),
    ("ever_locked", 0.5, "phones locked at some time"),
    ("locked_peak", 0.5, "most phones locked at once"),
    ("lock_events", 0.5, "lock events"),
    ("technician_hours", 0.25, "technician hours"),
    ("manual_visits", 0.5, "technician visits"),
    ("remote_fixes", 0.5, "remote resets by a technician"),
    ("recovered_manual", 0.5, "phones recovered by a technician"),
    ("locked_phone_hours", 1.0, "locked phone-hours"),
    ("down_peak", 0.5, "most phones down at once"),
    ("outage_phones", 0.5, "phones with an outage"),
    ("outage_median_s", 30.0, "median outage per phone (s)"),
    ("outage_p95_s", 30.0, "95th percentile outage per phone (s)"),
    ("time_to_99pct_locked_recovered_s", 60.0, "time until 99 % of locked phones work (s)"),
    ("time_to_pre_change_working_s", 60.0, "time from the change until the fleet is back (s)"),
    (PROCEDURE_DURATION, 300.0, "time from the first step until the fleet is back (s)"),
    ("phone_boots", 0.5, "phone boots"),
    ("tftp_peak_queue", 0.5, "most phones queued at TFTP"),
    ("tvs_peak_queue", 0.5, "most phones queued at TVS"),
    ("unregistered_final", 0.5, "phones unregistered at the end"),
)
DEFAULT_OBJECTIVE = ("locked_final", "technician_hours", "locked_phone_hours",
                     PROCEDURE_DURATION)


@dataclass(frozen=True)
class Objective:
    """Metrics in lexicographic order, each with its tolerance."""

    metrics: tuple[str, ...] = DEFAULT_OBJECTIVE
    tolerances: Mapping[str, float] | None = None

    def tolerance(self, metric: str) -> float:
        given = (self.tolerances or {}).get(metric)
        return OBJECTIVE_METRICS[metric].tolerance if given is None else given

    def key(self, means: Mapping[str, float]) -> tuple[float, ...]:
        """A sort key: each mean in units of its tolerance, rounded, so that differences
        within a tolerance leave the order to the next metric."""
        return tuple(float(math.floor(means[m] / self.tolerance(m) + 0.5))
                     if self.tolerance(m) > 0 else means[m] for m in self.metrics)


def metric_value(summary: Mapping[str, Any], metric: str, *, begin: float) -> float:
    """``metric`` of one run as a number to minimise (module doc, I64): nulls read as 0 when
    nothing happened and as the end of the run when something never happened; ``begin`` is the
    time of the procedure's first step."""
    end = float(summary["duration_s"])
    start = summary.get("change_start_s")
    if metric == PROCEDURE_DURATION:
        back = summary.get("time_to_pre_change_working_s")
        if start is None:
            return 0.0
        return (end if back is None else float(start) + float(back)) - begin
    value = summary.get(metric)
    if value is not None:
        return float(value)
    if nothing_happened(summary, metric):
        return 0.0
    return end - float(start if start is not None else begin)


def nothing_happened(summary: Mapping[str, Any], metric: str) -> bool:
    """The summary's ``metric`` is null because there was nothing to measure (no phone locked,
    no outage, no change), which ``metric_value`` reads as 0 (I64); a null that means "never
    within the run" (locked phones or the working count not back by the end) is not. A report
    shows the former as what it is ("none locked"), not as a number."""
    start = summary.get("change_start_s")
    if metric == PROCEDURE_DURATION:
        return start is None
    if summary.get(metric) is not None:
        return False
    if metric == "time_to_99pct_locked_recovered_s":
        return not summary.get("ever_locked", 0)
    if metric == "time_to_pre_change_working_s":
        return start is None
    return True


class Verdict(Enum):
    """How procedure *a* compares with *b* on the whole objective."""

    BETTER = "better"
    WORSE = "worse"
    EQUAL = "equal"
    UNDECIDED = "undecided"


@dataclass(frozen=True)
class Comparison:
    verdict: Verdict
    metric: str | None = None
    """The metric that decided (BETTER/WORSE) or could not decide (UNDECIDED)."""


def half_width(values: np.ndarray) -> float:
    """Half the 95 % Student-t interval of the mean of ``values`` (inf below two values; 0 when
    they are all equal)."""
    n = len(values)
    if n < 2:
        return math.inf
    sd = float(np.std(values, ddof=1))
    if sd == 0.0:
        return 0.0
    return float(scipy_stats.t.ppf(0.5 + CONFIDENCE / 2, n - 1)) * sd / math.sqrt(n)


def interval(values: Sequence[float] | np.ndarray) -> tuple[float, float, float]:
    """Mean and the 95 % Student-t interval (low, high); a single value has an infinite one."""
    array = np.asarray(values, dtype=float)
    mean = float(array.mean())
    half = half_width(array)
    return mean, mean - half, mean + half


def compare(a: Mapping[str, np.ndarray], b: Mapping[str, np.ndarray],
            objective: Objective) -> Comparison:
    """*a* against *b* on paired replications (the same seeds, the same length)."""
    for metric in objective.metrics:
        diff = np.asarray(a[metric], dtype=float) - np.asarray(b[metric], dtype=float)
        mean, half = float(diff.mean()), half_width(diff)
        tolerance = objective.tolerance(metric)
        if mean - half > tolerance:
            return Comparison(Verdict.WORSE, metric)
        if mean + half < -tolerance:
            return Comparison(Verdict.BETTER, metric)
        if not (-tolerance <= mean - half and mean + half <= tolerance):
            return Comparison(Verdict.UNDECIDED, metric)
    return Comparison(Verdict.EQUAL)


def dominates(a: Mapping[str, float], b: Mapping[str, float], objective: Objective) -> bool:
    """Mean outcomes: *a* is no worse than *b* beyond a tolerance on every metric and better
    beyond it on one (Pareto dominance with indifference zones)."""
    tolerance = objective.tolerance
    no_worse = all(a[m] <= b[m] + tolerance(m) for m in objective.metrics)
    better = any(a[m] < b[m] - tolerance(m) for m in objective.metrics)
    return no_worse and better


def pareto_front(means: Mapping[str, Mapping[str, float]], objective: Objective) -> list[str]:
    """The keys no other key dominates, in the order given."""
    return [key for key, mine in means.items()
            if not any(dominates(theirs, mine, objective)
                       for other, theirs in means.items() if other != key)]
