"""The search logic on synthetic objectives whose ranking is known (sim.plan.objective, race,
refine): paired comparisons with tolerances, racing with successive halving, common random
numbers, the 1-D refinement, the Pareto front and how nulls of a summary read."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pytest

from sim.plan.objective import (
    Objective,
    Verdict,
    compare,
    dominates,
    metric_value,
    pareto_front,
)
from sim.plan.race import Schedule, race
from sim.plan.refine import bisect

OBJECTIVE = Objective(("locked_final", "technician_hours"))
METRICS = OBJECTIVE.metrics


def arrays(**values: Sequence[float]) -> dict[str, np.ndarray]:
    return {m: np.array(values[m], dtype=float) for m in METRICS}


def test_the_first_metric_beyond_its_tolerance_decides() -> None:
    a = arrays(locked_final=[0, 0, 0], technician_hours=[9, 9, 9])
    b = arrays(locked_final=[5, 6, 5], technician_hours=[0, 0, 0])
    assert compare(a, b, OBJECTIVE).verdict is Verdict.BETTER
    assert compare(b, a, OBJECTIVE).metric == "locked_final"


def test_a_metric_equal_within_its_tolerance_passes_to_the_next() -> None:
    a = arrays(locked_final=[0, 0, 1], technician_hours=[1.0, 1.1, 0.9])
    b = arrays(locked_final=[0, 0, 1], technician_hours=[3.0, 3.1, 2.9])
    result = compare(a, b, OBJECTIVE)
    assert (result.verdict, result.metric) == (Verdict.BETTER, "technician_hours")
    assert compare(a, a, OBJECTIVE).verdict is Verdict.EQUAL


def test_overlapping_noise_is_undecided_and_one_replication_decides_nothing() -> None:
    a = arrays(locked_final=[0, 10, 3], technician_hours=[0, 0, 0])
    b = arrays(locked_final=[5, 1, 6], technician_hours=[0, 0, 0])
    assert compare(a, b, OBJECTIVE).verdict is Verdict.UNDECIDED
    one = compare(arrays(locked_final=[0], technician_hours=[0]),
                  arrays(locked_final=[100], technician_hours=[0]), OBJECTIVE)
    assert one.verdict is Verdict.UNDECIDED


def test_the_schedule_doubles_to_the_most() -> None:
    assert Schedule(3, 10).rounds() == [3, 6, 10]
    assert Schedule(2, 2).rounds() == [2]
    assert Schedule(2, 16).rounds() == [2, 4, 8, 16]


class Synthetic:
    """Candidates with known mean outcomes; replication r adds noise common to every candidate
    (what common random numbers share) and noise of the candidate's own. Counts evaluations."""

    def __init__(self, means: Mapping[str, Mapping[str, float]], common: float, own: float,
                 paired: bool = True):
        self.means, self.common, self.own, self.paired = means, common, own, paired
        self.evaluated: dict[str, int] = {}

    def noise(self, key: str, r: int, m: int) -> float:
        shared = np.random.default_rng([r, m]).normal() if self.paired else \
            np.random.default_rng([r, m, 99, list(self.means).index(key)]).normal()
        mine = np.random.default_rng([r, m, list(self.means).index(key)]).normal()
        return self.common * shared + self.own * mine

    def __call__(self, keys: Sequence[str], n: int) -> dict[str, dict[str, np.ndarray]]:
        for key in keys:
            self.evaluated[key] = max(self.evaluated.get(key, 0), n)
        return {k: {name: np.array([max(0.0, self.means[k][name] + self.noise(k, r, i))
                                    for r in range(n)]) for i, name in enumerate(METRICS)}
                for k in keys}

    @property
    def runs(self) -> int:
        return sum(self.evaluated.values())


MEANS = {f"c{i}": {"locked_final": float(v), "technician_hours": 2.0}
         for i, v in enumerate([30, 12, 25, 40, 8, 18, 22, 35, 15, 28])} | {
    "best": {"locked_final": 3.0, "technician_hours": 1.0},
    "close": {"locked_final": 3.0, "technician_hours": 4.0}}


def test_the_race_finds_the_known_best_and_spends_fewer_runs() -> None:
    """Twelve candidates; 'best' and 'close' lock the same number of phones, 'best' needs fewer
    technician hours: the race must keep 'best' and drop the rest, most of them early."""
    evaluate = Synthetic(MEANS, common=6.0, own=0.5)
    schedule = Schedule(first=3, most=12, finalists=4)
    result = race(list(MEANS), evaluate, OBJECTIVE, schedule)
    assert result.survivors == ["best"]
    assert evaluate.runs < len(MEANS) * schedule.most / 2
    dropped = {d.key: d for d in result.dropped}
    assert dropped["close"].by == "best" and dropped["close"].metric == "technician_hours"
    assert {d.reason for d in dropped.values()} == {"beaten"}


def test_common_random_numbers_need_fewer_replications_than_independent_noise() -> None:
    """The same candidates with the same noise sizes: pairing cancels the shared part, so the
    race decides sooner (the reason sweeps and plans seed replications in common)."""
    paired, independent = Synthetic(MEANS, 6.0, 0.5), Synthetic(MEANS, 6.0, 0.5, paired=False)
    schedule = Schedule(first=2, most=16, finalists=12)
    race(list(MEANS), paired, OBJECTIVE, schedule)
    race(list(MEANS), independent, OBJECTIVE, schedule)
    assert paired.runs < independent.runs


def test_halving_keeps_the_finalists_in_order_when_nothing_decides() -> None:
    same = {f"c{i}": {"locked_final": 1.0, "technician_hours": 1.0} for i in range(10)}
    result = race(list(same), Synthetic(same, 0.0, 0.0), OBJECTIVE, Schedule(2, 10, 4))
    assert result.survivors == ["c0", "c1", "c2", "c3"]
    assert result.rounds == [(2, 10), (4, 5), (8, 4), (10, 4)]
    assert result.reason("c9") is not None and result.reason("c9").reason.startswith("halved")


def test_a_candidate_with_a_problem_leaves_before_any_comparison() -> None:
    result = race(list(MEANS), Synthetic(MEANS, 6.0, 0.5), OBJECTIVE, Schedule(3, 12, 4),
                  problem=lambda key, n: "CUCM refused it" if key == "best" else None)
    assert result.survivors == ["close"]
    assert result.reason("best").reason == "CUCM refused it"


def test_the_race_is_deterministic() -> None:
    first = race(list(MEANS), Synthetic(MEANS, 6.0, 0.5), OBJECTIVE, Schedule(2, 12, 4))
    second = race(list(MEANS), Synthetic(MEANS, 6.0, 0.5), OBJECTIVE, Schedule(2, 12, 4))
    assert first == second


def test_bisection_finds_the_shortest_wait_that_still_catches_the_returning_phones() -> None:
    """Phones return 7.3 h after the change: a shorter wait leaves 10 locked; among the waits
    that catch them, shorter is better. From 1, 6, 12 h the search halves the intervals beside
    the best each time: 9; 7.5 and 10.5; 6.75 and 8.25."""
    asked: list[list[float]] = []

    def outcomes(xs: Sequence[float]) -> dict[float, tuple[float, ...]]:
        asked.append(list(xs))
        return {x: (10.0 if x < 7.3 else 0.0, x) for x in xs}

    line = bisect([1.0, 6.0, 12.0], 12.0, outcomes, depth=3,
                  rounding=lambda x: round(x * 4) / 4)
    assert line.added == [9.0, 7.5, 10.5, 6.75, 8.25] and line.best == 7.5
    assert asked == [[1.0, 6.0, 12.0], [9.0], [7.5, 10.5], [6.75, 8.25]]


def test_bisection_runs_nothing_where_the_outcome_does_not_change() -> None:
    line = bisect([1.0, 6.0, 12.0], 6.0, lambda xs: {x: (0.0,) for x in xs}, depth=3,
                  rounding=round)
    assert line.added == [] and line.best == 6.0  # ties keep the incumbent


def test_pareto_front_with_tolerances() -> None:
    objective = Objective(("locked_final", "procedure_duration_s"))
    means = {"slow-safe": {"locked_final": 0.0, "procedure_duration_s": 50000.0},
             "fast-risky": {"locked_final": 40.0, "procedure_duration_s": 2000.0},
             "worse": {"locked_final": 40.0, "procedure_duration_s": 9000.0},
             "almost": {"locked_final": 0.2, "procedure_duration_s": 50100.0}}
    assert pareto_front(means, objective) == ["slow-safe", "fast-risky", "almost"]
    assert dominates(means["fast-risky"], means["worse"], objective)
    assert not dominates(means["slow-safe"], means["almost"], objective)  # within tolerances


@pytest.mark.parametrize(("summary", "metric", "expected"), [
    ({"duration_s": 1000, "change_start_s": 100, "time_to_pre_change_working_s": 300},
     "procedure_duration_s", 350.0),  # back at 400, first step at 50
    ({"duration_s": 1000, "change_start_s": 100, "time_to_pre_change_working_s": None},
     "procedure_duration_s", 950.0),  # not back: counts as back at the end
    ({"duration_s": 1000, "change_start_s": 100, "ever_locked": 0,
      "time_to_99pct_locked_recovered_s": None}, "time_to_99pct_locked_recovered_s", 0.0),
    ({"duration_s": 1000, "change_start_s": 100, "ever_locked": 5,
      "time_to_99pct_locked_recovered_s": None}, "time_to_99pct_locked_recovered_s", 900.0),
    ({"duration_s": 1000, "change_start_s": 100, "outage_p95_s": None}, "outage_p95_s", 0.0),
    ({"duration_s": 1000, "locked_final": 7}, "locked_final", 7.0),
], ids=["back", "never-back", "none-locked", "never-99pct", "no-outage", "plain"])
def test_nulls_of_a_summary_read_as_what_they_mean(summary: dict, metric: str,
                                                   expected: float) -> None:
    assert metric_value(summary, metric, begin=50.0) == expected
