"""The recommendation as one plain document (``recommendation.json``) a report renders.

Everything a change-advisory board reads, as numbers with their units (seconds, phones, hours;
never formatted text where a number will do), so that a text summary, the HTML report of
``itlsim report`` or a notebook show the same figures:

- ``plan``: the question (the plan file's header), goal, objective with tolerances,
  constraints, replications and root seed;
- ``recommendation``: the procedure's choices, its steps as a person carries them out (clock
  time, where, CLI commands, GUI steps, checks before each step; ``sim.plan.commands``) and the
  scenario ``[[events]]`` that simulate it, its predicted outcome (mean and 95 % interval);
- ``comparisons``: against the naive procedure and Cisco's default guidance, per metric the
  paired mean difference with its interval, the verdict, and whether the deciding metric's
  intervals are separate;
- ``pareto_front`` and ``tradeoffs``: where objectives conflict ("faster, but 42 phones still
  locked"); ``equivalent``: procedures practically equal to the recommendation on every metric;
- ``fragility``: the recommendation under each alternative assumption and share of phones off;
  ``offline_boundaries``: where it loses with none or twice the phones off, the share of all
  phones off between which the answer changes;
- ``search`` and ``ranking``: what was generated, left out, raced, refined, and every candidate
  with its replications, means and intervals, and why it was dropped.

The document is deterministic: no wall time, no paths that depend on where it was run from:
the plan file by its name, the base scenario as the plan file names it (relative to the plan
file), as ``itlsim import`` names its inputs.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sim import __version__
from sim.plan.candidates import Candidate
from sim.plan.choices import CHOICES, shown
from sim.plan.commands import instructions
from sim.plan.objective import OBJECTIVE_METRICS
from sim.plan.planner import PlanResult, Row, Versus
from sim.plan.sensitivity import Boundary, Fragility
from sim.plan.steps import events

UNITS = {"technician_hours": "hours", "locked_phone_hours": "phone-hours"}


def unit(metric: str) -> str:
    """``s`` for times, ``hours``/``phone-hours``, else ``phones`` (counts)."""
    return "s" if metric.endswith("_s") else UNITS.get(metric, "phones")


def _stat(mean: float, low: float, high: float, row: Row | None = None, metric: str = ""
          ) -> dict[str, Any]:
    """Mean and interval; with ``nothing`` where the metric had nothing to measure in some
    replications (no phone locked, no outage): those read as 0 (I64), and a report says
    "none locked" where it is all of them rather than showing 0 s."""
    stat: dict[str, Any] = {"mean": mean, "ci_low": low, "ci_high": high}
    if row is not None and row.nothing.get(metric):
        stat["nothing"] = {"replications": row.nothing[metric], "of": row.n}
    return stat


def document(result: PlanResult) -> dict[str, Any]:
    """The recommendation document of ``result`` (module doc)."""
    spec = result.spec
    recommended = result.candidates.get(result.recommended or "")
    return {
        "itlsim_version": __version__,
        "plan": _plan(result),
        "recommendation": None if recommended is None else _procedure(result, recommended),
        "why_none": None if recommended is not None else _why_none(result),
        "comparisons": [_versus(result, role, v) for role, v in result.versus.items()],
        "pareto_front": [{"key": r.key, "label": result.candidates[r.key].label,
                          "means": r.means} for r in result.rows if r.pareto],
        "tradeoffs": tradeoffs(result),
        "equivalent": [{"key": k, "label": result.candidates[k].label}
                       for k in result.equivalent],
        "fragility": [_fragile(result, f) for f in result.fragility],
        "offline_boundaries": [_boundary(result, b) for b in result.offline_boundaries],
        "search": _search(result),
        "ranking": [_row(result, r) for r in result.rows],
        "metrics": {m: {"description": OBJECTIVE_METRICS[m].description, "unit": unit(m)}
                    for m in dict.fromkeys([*spec.objective.metrics,
                                            *(result.rows[0].outcome if result.rows else ())])
                    if m in OBJECTIVE_METRICS},
    }


def _plan(result: PlanResult) -> dict[str, Any]:
    spec = result.spec
    c = spec.constraints
    return {"name": spec.name, "file": Path(spec.path).name, "description": spec.description,
            "question": spec.question, "base": spec.base.written, "goal": spec.goal.describe(),
            "root_seed": spec.root_seed, "replications": spec.schedule.most,
            "first_replications": spec.schedule.first,
            "start": None if spec.base.scenario.start is None else
            spec.base.scenario.start.isoformat(),
            "objective": [{"metric": m, "tolerance": spec.objective.tolerance(m),
                           "unit": unit(m)} for m in spec.objective.metrics],
            "constraints": {"window_s": c.window, "max_phones_down": c.max_phones_down,
                            "no_technician_visits": c.no_technician_visits},
            "methods": [m.name for m in spec.methods]}


def _procedure(result: PlanResult, candidate: Candidate) -> dict[str, Any]:
    spec = result.spec
    row = result.row(candidate.key)
    return {"key": candidate.key, "label": candidate.label, "method": candidate.method,
            "role": candidate.role or None,
            "choices": {name: shown(name, value) for name, value in candidate.choices.items()
                        if value is not None},
            "choice_help": {name: CHOICES[name].help for name in candidate.choices},
            "steps": [i.as_dict() for i in instructions(candidate.timed, spec.base,
                                                        spec.base.scenario.start)],
            "events": events(candidate.timed),
            "replications": row.n,
            "predicted": {m: _stat(*s, row, m) for m, s in row.outcome.items()},
            "objective": {m: _stat(row.means[m], *row.intervals[m], row, m)
                          for m in spec.objective.metrics}}


def _why_none(result: PlanResult) -> str:
    """The problems that ruled every procedure out (a broken constraint, a refused step), the
    first three."""
    return "no procedure can be recommended: " + "; ".join(
        f"{result.candidates[r.key].label}: {r.reason}" for r in result.rows[:3])


def _versus(result: PlanResult, role: str, versus: Versus) -> dict[str, Any]:
    reference = result.candidates[versus.reference]
    row = result.row(versus.reference)
    return {"role": role, "key": reference.key, "label": reference.label,
            "verdict": versus.verdict.value, "deciding_metric": versus.metric,
            "intervals_separate": versus.separated,
            "difference": {m: _stat(*d) for m, d in versus.differences.items()},
            "predicted": {m: _stat(*s, row, m) for m, s in row.outcome.items()},
            "problem": row.reason or None,
            "steps": [i.as_dict() for i in instructions(
                reference.timed, result.spec.base, result.spec.base.scenario.start)]}


def tradeoffs(result: PlanResult) -> list[dict[str, Any]]:
    """Per other member of the Pareto front: the metrics on which it beats the
    recommendation and those on which it is worse, beyond the tolerances."""
    if result.recommended is None:
        return []
    spec = result.spec
    mine = result.row(result.recommended).means
    found = []
    for row in (r for r in result.rows if r.pareto and r.key != result.recommended
                and r.key not in result.equivalent):
        better, worse = _sides(row.means, mine, spec.objective.metrics, spec.objective.tolerance)
        found.append({"key": row.key, "label": result.candidates[row.key].label,
                      "better": better, "worse": worse})
    return found


def _sides(theirs: Mapping[str, float], mine: Mapping[str, float], metrics: tuple[str, ...],
           tolerance: Any) -> tuple[dict[str, float], dict[str, float]]:
    """Differences (theirs - mine) where they are better, and where worse."""
    diff = {m: theirs[m] - mine[m] for m in metrics}
    return ({m: d for m, d in diff.items() if d < -tolerance(m)},
            {m: d for m, d in diff.items() if d > tolerance(m)})


def _fragile(result: PlanResult, fragility: Fragility) -> dict[str, Any]:
    """One variant: ``rival`` beats the recommendation there on ``metric``; or ``note`` says
    why it fails by itself; or it holds, ``undecided`` naming a rival it could not be told
    apart from on ``metric`` in ``replications``."""
    def label(key: str | None) -> str | None:
        return None if key is None else result.candidates[key].label

    return {"variant": fragility.variant.name, "label": fragility.variant.label,
            "verdict": fragility.verdict, "rival": label(fragility.rival),
            "metric": fragility.metric, "note": fragility.note or None,
            "undecided": label(fragility.unsure), "replications": fragility.replications,
            "means": {result.candidates[k].label: v for k, v in fragility.means.items()}}


def _boundary(result: PlanResult, boundary: Boundary) -> dict[str, Any]:
    """Shares of all phones (0..1): the recommendation holds at ``holds`` and loses at
    ``loses`` (to ``rival`` on ``metric``, or by a problem of its own, ``note``)."""
    losing = _fragile(result, boundary.at)
    return {"base": boundary.base, "holds": boundary.holds, "loses": boundary.loses,
            "rival": losing["rival"], "metric": losing["metric"], "note": losing["note"]}


def _search(result: PlanResult) -> dict[str, Any]:
    generated = result.generated
    return {"candidates": len(generated.candidates),
            "left_out": {reason: len(c) for reason, c in sorted(generated.dropped.items())},
            "duplicate_timelines": generated.duplicates,
            "rounds": [{"replications": n, "candidates": k} for n, k in result.race.rounds],
            "survivors": [result.candidates[k].label for k in result.race.survivors],
            "refinement": [{"choice": r.choice,
                            "tried": [{"value": shown(r.choice, v), "key": list(k)}
                                      for v, k in r.tried.items()],
                            "added": [shown(r.choice, v) for v in r.added],
                            "best": shown(r.choice, r.best)} for r in result.refined],
            "runs": result.runs_total}


def _row(result: PlanResult, row: Row) -> dict[str, Any]:
    candidate = result.candidates[row.key]
    return {"rank": row.rank, "key": row.key, "label": candidate.label,
            "method": candidate.method, "role": candidate.role or None, "status": row.status,
            "reason": row.reason or None, "replications": row.n, "pareto": row.pareto,
            "objective": {m: _stat(row.means[m], *row.intervals[m], row, m)
                          for m in row.means}}
