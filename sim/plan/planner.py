"""The whole search: candidates, race, refinement, final ranking, comparison, fragility.

1. ``generate`` every candidate the goal's methods and the plan's choices give, with the naive
   procedure and Cisco's default guidance (``sim.plan.candidates``);
2. race them (``sim.plan.race``): a few replications each, drop the clearly worse and those with
   a problem (a step CUCM refuses, a broken constraint), halve, double the replications;
3. refine each waiting time and batch size of the race's winner between the plan's values
   where the outcome changes (``sim.plan.refine``);
4. run the survivors, the refined winner and the references to the plan's full replications
   and rank them by the objective; the first without a problem is the recommendation; the
   Pareto front shows the trade-offs when metrics conflict;
5. compare the recommendation with the references on paired replications, and rerun it and its
   closest rivals under each alternative assumption and share of offline phones
   (``sim.plan.sensitivity``).

Every decision reads stored results fixed by the plan and its root seed, so the same plan gives
the same recommendation and the same numbers, on any executor, resumed or not.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sim.plan.candidates import Candidate, Generated, build, generate, unfit
from sim.plan.choices import CHOICES, axis
from sim.plan.evaluate import Evaluator
from sim.plan.methods import METHODS
from sim.plan.objective import Verdict, compare, interval, pareto_front
from sim.plan.race import RaceResult, race, ranked
from sim.plan.refine import Key, bisect
from sim.plan.sensitivity import Boundary, Fragility, boundaries, check, variants
from sim.plan.spec import PlanSpec
from sim.scenario.scenario import Scenario
from sim.sweep.runner import Limits

Say = Callable[[str], None]
INFEASIBLE: Key = (float("inf"),)
OUTCOME = ("locked_final", "ever_locked", "locked_peak", "technician_hours", "manual_visits",
           "remote_fixes", "locked_phone_hours", "down_peak",
           "time_to_99pct_locked_recovered_s", "outage_p95_s", "procedure_duration_s")
"""What the recommendation predicts for a procedure besides the objective."""
BOUNDARY_DEPTH = 3
"""Bisections of the share of phones off where the answer changes: to an eighth of the base's
share."""


@dataclass(frozen=True)
class Refined:
    """The refinement of one choice: the values tried with their sort keys, the best."""

    choice: str
    tried: dict[Any, Key]
    added: list[Any]
    best: Any


@dataclass(frozen=True)
class Row:
    """A candidate in the ranking, with the replications it got."""

    key: str
    n: int
    means: dict[str, float]
    intervals: dict[str, tuple[float, float]]
    status: str  # "recommended", "finalist", "reference", "dropped", "infeasible"
    reason: str = ""
    rank: int | None = None
    pareto: bool = False
    outcome: dict[str, tuple[float, float, float]] = field(default_factory=dict)
    """Recommended and references: mean and 95 % interval of each ``OUTCOME`` metric."""
    nothing: dict[str, int] = field(default_factory=dict)
    """Per metric shown (objective, outcome), the replications in which it had nothing to
    measure (no phone locked, no outage: read as 0, I64), where there are any."""


@dataclass(frozen=True)
class Versus:
    """The recommendation against a reference, paired on the full replications: per metric
    the mean difference (recommended - reference) and its 95 % interval."""

    reference: str
    verdict: Verdict
    metric: str | None
    differences: dict[str, tuple[float, float, float]]
    separated: bool
    """On the deciding metric the two candidates' own 95 % intervals do not overlap."""


@dataclass
class PlanResult:
    spec: PlanSpec
    generated: Generated
    candidates: dict[str, Candidate]
    race: RaceResult
    refined: list[Refined]
    rows: list[Row]
    recommended: str | None
    references: dict[str, str]
    versus: dict[str, Versus] = field(default_factory=dict)
    equivalent: list[str] = field(default_factory=list)
    """Ranked candidates practically equal to the recommendation on every metric (paired,
    within the tolerances): alternatives as good by the objective."""
    fragility: list[Fragility] = field(default_factory=list)
    offline_boundaries: list[Boundary] = field(default_factory=list)
    """Where the share of phones switched off changes the answer (``sensitivity``)."""
    runs_executed: int = 0
    runs_total: int = 0
    recommended_scenario: Scenario | None = None
    """The recommendation's scenario as its first replication runs it (for a run folder)."""

    def row(self, key: str) -> Row:
        return next(r for r in self.rows if r.key == key)


def run_plan(spec: PlanSpec, executor: Executor, slots: int, folder: Path,
             say: Say = lambda text: None, limits: Limits | None = None) -> PlanResult:
    """Search ``spec`` (module doc); runs and the store go to ``folder``, within ``limits``
    (memory per run x ``slots``, bytes the store may grow by)."""
    generated = generate(spec)
    evaluator = Evaluator(spec, executor, slots, folder)
    evaluator.add(generated.candidates)
    if limits is not None:
        evaluator.check_limits(limits, len(generated.candidates) * spec.schedule.most)
    keys = [c.key for c in generated.candidates]
    say(f"{len(keys)} candidates ({sum(len(v) for v in generated.dropped.values())} left out "
        f"before running, {generated.duplicates} duplicate timelines); racing")
    raced = race(keys, evaluator.values, spec.objective, spec.schedule, evaluator.problem)
    say(f"race: {len(raced.survivors)} left after {len(raced.rounds)} rounds; refining")
    refined, winner = _refine(spec, evaluator, raced)
    references = {c.role: c.key for c in generated.candidates if c.role}
    final = list(dict.fromkeys([*raced.survivors, *([winner] if winner else [])]))
    evaluator.values([*final, *[k for k in references.values() if k not in final]],
                     spec.schedule.most)
    rows = _rows(spec, evaluator, raced, final, references)
    recommended = next((r.key for r in rows if r.status == "recommended"), None)
    result = PlanResult(spec, generated, dict(evaluator.candidates), raced, refined, rows,
                        recommended, references)
    if recommended is not None:
        result.recommended_scenario = evaluator.scenario(recommended)
        say("comparing with the references and checking what makes it fragile")
        result.versus = {role: _versus(spec, evaluator, recommended, key)
                         for role, key in references.items() if key != recommended}
        result.equivalent = _equivalent(spec, evaluator, recommended, rows)
        if spec.sensitivity:
            result.fragility, result.offline_boundaries = _fragility(spec, evaluator, result)
    result.runs_executed = evaluator.executed
    result.runs_total = len(evaluator.runs)
    return result


def _refine(spec: PlanSpec, evaluator: Evaluator, raced: RaceResult
            ) -> tuple[list[Refined], str | None]:
    """Refine the race winner's waits and batch sizes one at a time (``sim.plan.refine``)."""
    if not raced.survivors:
        return [], None
    n = raced.rounds[-1][0]
    incumbent = evaluator.candidates[ranked(raced.survivors,
                                            evaluator.values(raced.survivors, n),
                                            spec.objective)[0]]
    if incumbent.role and incumbent.method not in METHODS[spec.goal.kind]:
        return [], incumbent.key
    found = []
    for name in incumbent.choices:
        if spec.refine_depth == 0 or not CHOICES[name].refinable or \
                len(spec.values(name)) < 2:
            continue
        line, incumbent = _line(spec, evaluator, incumbent, name)
        found.append(line)
    return found, incumbent.key


def _line(spec: PlanSpec, evaluator: Evaluator, incumbent: Candidate, name: str
          ) -> tuple[Refined, Candidate]:
    method = METHODS[spec.goal.kind][incumbent.method]
    line_axis = axis(name, sum(spec.base.phones.values()))
    built: dict[float, Candidate] = {}

    def outcomes(xs: Sequence[float]) -> dict[float, Key]:
        fit = {}
        for x in xs:
            candidate = build(spec, method, {**incumbent.choices, name: line_axis.from_line(x)})
            if unfit(spec, candidate) is None:
                built[x] = fit[x] = candidate
        evaluator.add(list(fit.values()))
        n = spec.schedule.first
        values = evaluator.values([c.key for c in fit.values()], n)
        return {x: INFEASIBLE if evaluator.problem(c.key, n) else
                spec.objective.key({m: float(np.mean(v)) for m, v in values[c.key].items()})
                for x, c in fit.items()}

    line = bisect([line_axis.to_line(v) for v in spec.values(name)],
                  line_axis.to_line(incumbent.choices[name]), outcomes,
                  depth=spec.refine_depth,
                  rounding=lambda x: line_axis.to_line(line_axis.from_line(x)))
    best = built.get(line.best, incumbent)
    return Refined(name, {line_axis.from_line(x): k for x, k in sorted(line.points.items())},
                   [line_axis.from_line(x) for x in line.added],
                   line_axis.from_line(line.best)), best


def _summary(spec: PlanSpec, evaluator: Evaluator, key: str, n: int
             ) -> tuple[dict[str, float], dict[str, tuple[float, float]]]:
    values = evaluator.values([key], n)[key]
    stats = {m: interval(values[m]) for m in spec.objective.metrics}
    return ({m: s[0] for m, s in stats.items()}, {m: (s[1], s[2]) for m, s in stats.items()})


def _rows(spec: PlanSpec, evaluator: Evaluator, raced: RaceResult, final: list[str],
          references: dict[str, str]) -> list[Row]:
    """Final and reference candidates ranked (recommended first), then the rest as dropped."""
    most = spec.schedule.most
    shown = [*final, *[k for k in references.values() if k not in final]]
    problems = {k: evaluator.problem(k, most) for k in shown}
    values = evaluator.values(shown, most)
    order = ranked([k for k in shown if not problems[k]], values, spec.objective)
    front = set(pareto_front({k: {m: float(np.mean(values[k][m]))
                                  for m in spec.objective.metrics} for k in order},
                             spec.objective))
    rows = []
    for rank, key in enumerate(order, 1):
        means, intervals = _summary(spec, evaluator, key, most)
        status = "recommended" if rank == 1 else \
            "reference" if key in references.values() else "finalist"
        outcome = {m: interval(evaluator.metric(key, m, most)) for m in OUTCOME} \
            if rank == 1 or key in references.values() else {}
        rows.append(Row(key, most, means, intervals, status, rank=rank, pareto=key in front,
                        outcome=outcome, nothing=_nothing(evaluator, key, [*means, *outcome],
                                                          most)))
    for key in (k for k in shown if problems[k]):
        means, intervals = _summary(spec, evaluator, key, most)
        rows.append(Row(key, most, means, intervals, "infeasible", problems[key] or "",
                        nothing=_nothing(evaluator, key, means, most)))
    done = {r.key for r in rows}
    for dropped in sorted((d for d in raced.dropped if d.key not in done),
                          key=lambda d: -d.replications):
        means, intervals = _summary(spec, evaluator, dropped.key, dropped.replications)
        rows.append(Row(dropped.key, dropped.replications, means, intervals, "dropped",
                        _dropped_reason(evaluator, dropped.reason, dropped.by, dropped.metric),
                        nothing=_nothing(evaluator, dropped.key, means, dropped.replications)))
    return rows


def _nothing(evaluator: Evaluator, key: str, metrics: Iterable[str], n: int) -> dict[str, int]:
    """``Row.nothing``: the metrics that had nothing to measure in some replications."""
    counts = {m: evaluator.nothing(key, m, n) for m in dict.fromkeys(metrics)}
    return {m: k for m, k in counts.items() if k}


def _dropped_reason(evaluator: Evaluator, reason: str, by: str | None, metric: str | None
                    ) -> str:
    if by is None:
        return reason
    return f"beaten on {metric} by {evaluator.candidates[by].label}"


def _versus(spec: PlanSpec, evaluator: Evaluator, recommended: str, reference: str) -> Versus:
    most = spec.schedule.most
    values = evaluator.values([recommended, reference], most)
    mine, theirs = values[recommended], values[reference]
    result = compare(mine, theirs, spec.objective)
    differences = {m: interval(mine[m] - theirs[m]) for m in spec.objective.metrics}
    decided = result.metric or spec.objective.metrics[0]
    _, low_a, high_a = interval(mine[decided])
    _, low_b, high_b = interval(theirs[decided])
    return Versus(reference, result.verdict, result.metric, differences,
                  high_a < low_b or high_b < low_a)


def _equivalent(spec: PlanSpec, evaluator: Evaluator, recommended: str, rows: list[Row]
                ) -> list[str]:
    others = [r.key for r in rows if r.rank is not None and r.key != recommended]
    values = evaluator.values([recommended, *others], spec.schedule.most)
    return [k for k in others if compare(values[recommended], values[k],
                                         spec.objective).verdict is Verdict.EQUAL]


def _fragility(spec: PlanSpec, evaluator: Evaluator, result: PlanResult
               ) -> tuple[list[Fragility], list[Boundary]]:
    """The recommendation against its closest rival and the references under each variant,
    and where the share of phones off changes the answer."""
    recommended = result.recommended
    assert recommended is not None
    rivals = [r.key for r in result.rows if r.rank is not None and r.key != recommended][:1]
    others = list(dict.fromkeys([*rivals, *result.references.values()]))
    n = spec.sensitivity_replications
    found = [check(evaluator, recommended, others, spec.objective, n, variant)
             for variant in variants(spec.base.scenario)]
    return found, boundaries(evaluator, recommended, others, spec.objective, n,
                             spec.base.scenario, found, BOUNDARY_DEPTH)
