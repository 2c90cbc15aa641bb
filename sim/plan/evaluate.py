"""Running candidates on the sweep machinery: common random numbers, the store, any executor.

Each (candidate, variant) is a sweep ``Point`` whose raw values are dotted paths into the base
scenario (the candidate's ``[[events]]``, start and technicians; a sensitivity variant adds an
assumption or a share of offline phones). Replication *r* of every point uses the *r*-th seed
of the plan's root seed (``sim.sweep.seeds``: common random numbers), so two candidates meet
the same boot times and the same phones switched off, and their difference is the procedure's.
Runs go through ``sim.sweep.executors.stream`` (a process pool or Dask, longest first, chunked)
into a DuckDB ``SweepStore`` (``plan.duckdb`` in the plan's folder), in transactions; runs
already stored are read back instead of run again, so a plan that stopped resumes and a rerun
costs nothing and gives the same numbers. Stored runs made by other code, another fleet engine
(``[plan] engine``, ``--engine``), another root seed or another scenario are refused, as for
sweeps, before anything is written.

``problem`` says why a candidate cannot be recommended after the runs so far: a run that failed,
a step CUCM refused (the generator respects the engine's rules, so this is a finding), no
change carried out, or a constraint a replication breaks (``max_phones_down``,
``no_technician_visits``).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sim.errors import ItlsimError
from sim.plan.candidates import Candidate
from sim.plan.objective import metric_value, nothing_happened
from sim.plan.spec import PlanSpec
from sim.scenario.durations import human_duration
from sim.scenario.overrides import key_path, set_key
from sim.scenario.scenario import Scenario, scenario_from_dict, scenario_hash
from sim.sweep.executors import BatchedWriter, PlannedRun, stream
from sim.sweep.provenance import current
from sim.sweep.runner import Limits, check_engine, check_limits, check_worker, estimated_cost
from sim.sweep.seeds import replication_seed
from sim.sweep.spec import Point, point_key
from sim.sweep.store import SweepStore
from sim.sweep.task import FAILED, Outcome, seeded

STORE_FILE = "plan.duckdb"
_HINT = "use --out for a new folder, or remove the folder to start again"


@dataclass(frozen=True)
class Variant:
    """A change to the base scenario under which candidates are run (sensitivity)."""

    name: str
    label: str
    overrides: Mapping[str, Any] = field(default_factory=dict)


BASE = Variant("base", "the base scenario")


@dataclass(frozen=True)
class Run:
    """What the planner keeps of one run: its summary (empty if it failed), the refused
    operations (time, label, CUCM's message) and the error text of a failed run."""

    summary: Mapping[str, Any]
    refused: tuple[tuple[float, str, str], ...] = ()
    error: str = ""


class Points:
    """The plan's points as a ``PointSource``: base data with each point's dotted paths set."""

    def __init__(self, spec: PlanSpec):
        self.base_path = spec.base.path
        self.base_data = spec.base.data

    def scenario_data(self, point: Point) -> dict[str, Any]:
        data = copy.deepcopy(self.base_data)
        for path, value in point.raw.items():
            set_key(data, key_path(path), copy.deepcopy(value), self.base_path)
        return data


class Evaluator:
    """Runs candidates as needed and hands back their runs (module doc)."""

    def __init__(self, spec: PlanSpec, executor: Executor, slots: int, folder: Path):
        self.spec = spec
        self.executor = executor
        self.slots = slots
        self.source = Points(spec)
        self.base_events = list(spec.base.data.get("events", []))
        self.store = SweepStore(folder / STORE_FILE, read_only=False)
        self._stored = self._recorded()
        self.info: dict[str, Any] = {
            "name": spec.name, "plan_file": spec.path, "base": spec.base.path,
            "root_seed": spec.root_seed, "replications": spec.schedule.most, "kind": "plan",
            "engine": spec.engine}
        self.store.save_sweep(self.info)
        self.labels: dict[str, str] = {}
        """Point key -> the candidate's label (and the variant's, beside the base), as the
        plan report names procedures; in the store's description for ``itlsim plot``."""
        self.candidates: dict[str, Candidate] = {}
        self.points: dict[tuple[str, str], Point] = {}
        self.scenarios: dict[str, Scenario] = {}
        self.runs: dict[tuple[str, int], Run] = {}
        self.executed = 0

    def add(self, candidates: Sequence[Candidate]) -> None:
        for candidate in candidates:
            self.candidates.setdefault(candidate.key, candidate)

    def point(self, key: str, variant: Variant = BASE) -> Point:
        """The point of candidate ``key`` under ``variant``; its scenario is checked once."""
        found = self.points.get((key, variant.name))
        if found is not None:
            return found
        candidate = self.candidates[key]
        raw = {**candidate.overrides(self.base_events), **variant.overrides}
        values = {"candidate": key, "variant": variant.name, "method": candidate.method,
                  "role": candidate.role or None, **{k: _plain(v) for k, v in
                                                     candidate.choices.items()}}
        point = Point(len(self.points), point_key(values), raw, values)
        scenario = scenario_from_dict(self.source.scenario_data(point), path=self.spec.base.path)
        self.points[(key, variant.name)] = point
        self.scenarios[point.key] = scenario
        self.labels[point.key] = candidate.label if variant.name == BASE.name else \
            f"{candidate.label}; {variant.label}"
        return point

    def check_limits(self, limits: Limits, runs: int) -> None:
        """Refuse a plan whose runs would not fit in memory ``slots`` at a time, or whose
        ``runs`` would outgrow ``limits.max_output`` (``sim.sweep.runner.check_limits``); the
        candidates share the base's fleet, so the longest timelines stand for all."""
        longest = sorted(self.candidates, key=lambda k: -self.candidates[k].end)[:2]
        scenarios = {self.point(key).key: self.scenarios[self.point(key).key] for key in longest}
        check_limits(scenarios, runs, self.slots, limits, self.store.path)

    def scenario(self, key: str, replication: int = 0) -> Scenario:
        """Candidate ``key``'s scenario as replication ``replication`` runs it."""
        point = self.point(key)
        return seeded(self.scenarios[point.key], replication_seed(self.spec.root_seed,
                                                                  replication))

    def ensure(self, keys: Sequence[str], n: int, variant: Variant = BASE) -> None:
        """Every candidate of ``keys`` has replications 0 .. n-1 under ``variant``."""
        points = [self.point(key, variant) for key in keys]
        todo = [PlannedRun(p, r, replication_seed(self.spec.root_seed, r),
                           estimated_cost(self.scenarios[p.key]))
                for p in points for r in range(n) if (p.key, r) not in self.runs]
        self._load([run for run in todo if run.key in self._stored])
        self._save_labels()
        todo = [run for run in todo if run.key not in self.runs]
        if not todo:
            return
        self.store.save_points(list(self.points.values()))
        todo.sort(key=lambda run: (-run.cost, run.point.index, run.replication))
        with BatchedWriter(self.store) as writer:
            for outcomes in stream(self.executor, self.source, todo, self.slots,
                                   engine=self.spec.engine):
                for outcome in outcomes:
                    check_worker(outcome, self.store.path, allow_mixed=False)
                    writer.add(outcome)
                    self.runs[(outcome.point_key, outcome.replication)] = _kept(outcome)
                    self.executed += 1
                writer.tick()

    def _save_labels(self) -> None:
        """The store's description with every point's label so far (only when there are new
        points: a plan reads its runs back many times)."""
        if len(self.labels) != len(self.info.get("labels", {})):
            self.info["labels"] = dict(self.labels)
            self.store.save_sweep(self.info)

    def summaries(self, key: str, n: int, variant: Variant = BASE) -> list[Run]:
        point = self.point(key, variant)
        return [self.runs[(point.key, r)] for r in range(n)]

    def values(self, keys: Sequence[str], n: int, variant: Variant = BASE
               ) -> dict[str, dict[str, np.ndarray]]:
        """The objective metrics of ``keys`` on replications 0 .. n-1 (runs them if needed);
        a candidate with a failed run gets NaN (``problem`` names it)."""
        self.ensure(keys, n, variant)
        metrics = self.spec.objective.metrics
        result = {}
        for key in keys:
            runs = self.summaries(key, n, variant)
            begin = self.candidates[key].begin
            result[key] = {m: np.array([metric_value(run.summary, m, begin=begin)
                                        if run.summary else np.nan for run in runs])
                           for m in metrics}
        return result

    def metric(self, key: str, name: str, n: int, variant: Variant = BASE) -> np.ndarray:
        """Any metric of ``summary.json`` (or the derived ones) for one candidate."""
        begin = self.candidates[key].begin
        return np.array([metric_value(run.summary, name, begin=begin)
                         for run in self.summaries(key, n, variant)])

    def nothing(self, key: str, name: str, n: int, variant: Variant = BASE) -> int:
        """In how many of the replications ``metric`` had nothing to measure (no phone locked,
        no outage): ``metric`` reads them as 0 (I64), a report names them."""
        return sum(nothing_happened(run.summary, name)
                   for run in self.summaries(key, n, variant) if run.summary)

    def problem(self, key: str, n: int, variant: Variant = BASE) -> str | None:
        """Why ``key`` cannot be recommended after ``n`` replications (module doc), or None."""
        return next(self._problems(key, n, variant), None)

    def _problems(self, key: str, n: int, variant: Variant) -> Iterator[str]:
        constraints = self.spec.constraints
        for r, run in enumerate(self.summaries(key, n, variant)):
            if run.error:
                yield f"replication {r} failed: {run.error}"
            elif run.refused:
                at, label, message = run.refused[0]
                yield f"CUCM refused {label} at {human_duration(at)}: {message}"
            elif run.summary.get("change_start_s") is None:
                yield "the change was not carried out"
            elif constraints.max_phones_down is not None and \
                    (run.summary.get("down_peak") or 0) > constraints.max_phones_down:
                yield (f"{run.summary['down_peak']:,} phones down at once in replication {r}, "
                       f"more than max_phones_down = {constraints.max_phones_down:,}")
            elif constraints.no_technician_visits and run.summary.get("manual_visits", 0):
                yield (f"{run.summary['manual_visits']:,} technician visits in replication "
                       f"{r} (no_technician_visits)")

    # -- the store ------------------------------------------------------------------------------

    def _recorded(self) -> set[tuple[str, int]]:
        recorded = self.store.recorded()
        mine = current()
        other = recorded[(recorded.status != FAILED) & ((recorded.itlsim_version != mine.version)
                                                        | (recorded.code != mine.code))]
        if len(other):
            raise ItlsimError(f"{self.store.path}: {len(other)} stored runs were made by other "
                              f"code than {mine.describe()}; {_HINT}")
        check_engine(self.store.path, recorded, self.spec.engine, _HINT)
        return {(key, int(r)) for key, r in zip(recorded.point_key, recorded.replication,
                                                strict=True)}

    def _load(self, runs: list[PlannedRun]) -> None:
        """Read stored runs back, checking they are the runs this plan would make."""
        if not runs:
            return
        keys = sorted({run.point.key for run in runs})
        rows = self.store.sql(f"SELECT point_key, replication, seed, status, error, "
                              f"scenario_hash, summary, markers FROM runs WHERE point_key IN "
                              f"({', '.join('?' * len(keys))})", keys)
        stored = {(row.point_key, int(row.replication)): row for row in rows.itertuples()}
        for run in runs:
            row = stored[run.key]
            digest = scenario_hash(seeded(self.scenarios[run.point.key], run.seed))
            if int(row.seed) != run.seed or (row.status != FAILED
                                             and row.scenario_hash != digest):
                raise ItlsimError(f"{self.store.path}: stored runs were made by another plan, "
                                  f"root seed or base scenario; {_HINT}")
            self.runs[run.key] = _kept(Outcome(
                row.point_key, int(row.replication), int(row.seed), row.status, current(), 0.0,
                error=row.error or "", summary=json.loads(row.summary),
                markers=json.loads(row.markers)))


def _kept(outcome: Outcome) -> Run:
    if outcome.status == FAILED:
        return Run({}, error=outcome.error)
    refused = tuple((float(m[0]), str(m[1]), str(m[3])) for m in outcome.markers
                    if m[2] == "refused")
    return Run(outcome.summary, refused)


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value
