"""Running a sweep: plan it, resume it, execute what is missing, keep the numbers apart.

The plan is every (point, replication) of the sweep file, each with its seed (``sim.sweep.seeds``)
and an estimated cost. Runs already in the store are skipped, so an interrupted sweep resumes
and raising ``replications`` later adds only the new runs; the rest is executed longest first
on any ``concurrent.futures.Executor`` (``sim.sweep.executors``: a local process pool or Dask) and
streamed into the store (``sim.sweep.store``) as it finishes, a failing run recorded with its error.
At the end the per-point statistics are written beside the store (``stats.csv``).

The store refuses to mix results: resuming with other code, another fleet engine, another root
seed or a changed scenario raises one ``ItlsimError`` line naming what changed, unless
``allow_mixed``. The engines agree statistically, not run for run (``tests/test_cohort.py``),
so their runs are kept apart like those of different code; ``allow_mixed`` admits them as it
admits other code, and every run's ``engine`` column still says which one made it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from sim.errors import ItlsimError
from sim.fleet.budget import (
    Estimate,
    check,
    default_memory_limit,
    estimate,
    free_space,
    size_text,
    sweep_output,
)
from sim.scenario.scenario import Scenario, scenario_hash
from sim.sweep.executors import BatchedWriter, PlannedRun, stream
from sim.sweep.provenance import Provenance, current
from sim.sweep.seeds import replication_seeds
from sim.sweep.spec import SweepSpec, comparable
from sim.sweep.stats import point_stats
from sim.sweep.store import SweepStore, store_path
from sim.sweep.task import FAILED, Outcome, seeded

STATS_FILE = "stats.csv"
_MIXED_HINT = "use --out for a new store, or --allow-mixed to add runs to this one anyway"


@dataclass(frozen=True)
class SweepReport:
    """What one ``run_sweep`` call did."""

    store: Path
    planned: int
    stored_before: int
    executed: int
    failed: int
    wall_time: float

    def describe(self, spec: SweepSpec) -> str:
        return (f"sweep {spec.name}: {len(spec.points)} points x {spec.replications} "
                f"replications = {self.planned} runs; {self.stored_before} already stored, "
                f"{self.executed} run now ({self.failed} failed) in {self.wall_time:.1f} s; "
                f"store {self.store}")


def default_out(spec: SweepSpec) -> Path:
    """``results/sweeps/<sweep name>``."""
    return Path("results") / "sweeps" / spec.name


def estimated_cost(scenario: Scenario) -> float:
    """Relative run time: phone boots dominate and grow with phones x events that reset them;
    the time series adds one sample per resolution step."""
    return scenario.phone_count * (1 + len(scenario.events)) + scenario.duration / \
        scenario.resolution


def plan(spec: SweepSpec) -> tuple[list[PlannedRun], dict[str, Scenario]]:
    """Every run of the sweep and each point's scenario (validated; errors name the point)."""
    seeds = replication_seeds(spec.root_seed, spec.replications)
    scenarios = {point.key: spec.scenario(point) for point in spec.points}
    runs = [PlannedRun(point, r, seed, estimated_cost(scenarios[point.key]))
            for point in spec.points for r, seed in enumerate(seeds)]
    return runs, scenarios


@dataclass(frozen=True)
class Limits:
    """What a sweep may use: memory for ``slots`` runs at once (``None``: the workers are
    elsewhere, e.g. a Dask cluster) and bytes added to the store."""

    max_memory: int | None
    max_output: int

    @classmethod
    def given(cls, folder: Path, *, max_memory: int | None = None,
              max_output: int | None = None, remote: bool = False) -> Limits:
        """The given limits, defaults for the others: ``default_memory_limit`` (none for
        remote workers) and the free space under ``folder``."""
        return cls(None if remote else max_memory or default_memory_limit(),
                   free_space(folder) if max_output is None else max_output)


def sweep_estimate(scenarios: dict[str, Scenario], runs: int) -> tuple[Scenario, Estimate, int]:
    """The point whose run needs the most memory, its estimate, and the bytes ``runs`` runs
    add to the store (every run sized as the longest series, an upper bound)."""
    estimates = {key: estimate(s, "none") for key, s in scenarios.items()}
    worst = max(estimates, key=lambda key: estimates[key].peak)
    samples = max(e.samples for e in estimates.values())
    return scenarios[worst], estimates[worst], runs * sweep_output(samples)


def check_limits(scenarios: dict[str, Scenario], runs: int, slots: int, limits: Limits,
                 store: Path) -> None:
    """Refuse a sweep whose runs would not fit in memory ``slots`` at a time, or whose store
    would grow past ``limits.max_output`` (``sim.fleet.budget``)."""
    worst, found, written = sweep_estimate(scenarios, runs)
    if limits.max_memory is not None:
        check(worst, found, max_memory=limits.max_memory, max_output=None, event_log="none",
              workers=slots, memory_hint="--max-memory (or use fewer --workers)")
    if written > limits.max_output:
        raise ItlsimError(f"{store}: {runs:,} runs would add up to {size_text(written)} to the "
                          f"store but the limit is {size_text(limits.max_output)}; use fewer "
                          f"points or replications, a coarser resolution, or raise "
                          f"--max-output")


def run_sweep(spec: SweepSpec, executor: Executor, *, slots: int, out: Path | None = None,
              allow_mixed: bool = False, retry_failed: bool = False,
              progress: bool = True, limits: Limits | None = None) -> SweepReport:
    """Run what the store lacks of ``spec`` on ``executor`` (``slots`` parallel workers),
    within ``limits`` (default: ``default_memory_limit`` and the free space of ``out``)."""
    started = time.perf_counter()
    runs, scenarios = plan(spec)
    folder = out or default_out(spec)
    check_limits(scenarios, len(runs), slots, limits or Limits.given(folder),
                 store_path(folder))
    with SweepStore.open(folder, read_only=False) as store:
        recorded = store.recorded()
        if not allow_mixed:
            check_resume(store, spec, runs, scenarios, recorded)
        store.save_sweep(sweep_info(spec))
        store.save_points(spec.points)
        kept = recorded[recorded.status != FAILED] if retry_failed else recorded
        skip = {(key, int(r)) for key, r in zip(kept.point_key, kept.replication, strict=True)}
        todo = sorted((r for r in runs if r.key not in skip),
                      key=lambda r: (-r.cost, r.point.index, r.replication))
        failed = 0
        with _progress_bar(spec, todo, progress) as record, \
                BatchedWriter(store, replace=retry_failed) as writer:
            for outcomes in stream(executor, spec, todo, slots, engine=spec.engine):
                for outcome in outcomes:
                    check_worker(outcome, store.path, allow_mixed)
                    writer.add(outcome)
                    record(outcome)
                    failed += outcome.status == FAILED
                writer.tick()
        point_stats(store).to_csv(store.path.parent / STATS_FILE, index=False)
        return SweepReport(store.path, len(runs), len(runs) - len(todo), len(todo), failed,
                           time.perf_counter() - started)


def check_worker(outcome: Outcome, path: Path, allow_mixed: bool) -> None:
    """Refuse the outcome of a worker that runs other code (e.g. a stale Dask worker)."""
    mine = current()
    if not outcome.provenance.same_code(mine) and not allow_mixed:
        raise ItlsimError(f"{path}: a worker runs {outcome.provenance.describe()} but this "
                          f"process runs {mine.describe()}; install the same code on every "
                          f"worker, or {_MIXED_HINT}")


@contextmanager
def _progress_bar(spec: SweepSpec, todo: list[PlannedRun], enabled: bool
                  ) -> Iterator[Callable[[Outcome], None]]:
    """A bar weighted by estimated cost (so the ETA suits longest-first order) that shows
    runs done and failed."""
    costs = {run.key: run.cost for run in todo}
    counts = {"done": 0, "failed": 0}
    bar = tqdm(total=sum(costs.values()) or 1, desc=f"sweep {spec.name}",
               disable=True if not enabled or not todo else None,  # None: a terminal only
               bar_format="{desc}: {percentage:3.0f}%|{bar}| [{elapsed} elapsed, ETA "
                          "{remaining}{postfix}]")

    def record(outcome: Outcome) -> None:
        counts["done"] += 1
        counts["failed"] += outcome.status == FAILED
        bar.set_postfix_str(f"{counts['done']}/{len(todo)} runs, {counts['failed']} failed",
                            refresh=False)
        bar.update(costs[(outcome.point_key, outcome.replication)])

    try:
        yield record
    finally:
        bar.close()


def check_resume(store: SweepStore, spec: SweepSpec, runs: list[PlannedRun],
                 scenarios: dict[str, Scenario], recorded: pd.DataFrame) -> None:
    """Refuse to add runs to a store whose results differ in code, engine, root seed or
    scenario (failed runs hold no results, so they never block)."""
    recorded = recorded[recorded.status != FAILED]
    if recorded.empty:
        return
    check_engine(store.path, recorded, spec.engine, f"use --out for a new store, or "
                 f"--allow-mixed to add {spec.engine} runs to this one anyway")
    mine = current()
    other = recorded[(recorded.itlsim_version != mine.version) | (recorded.code != mine.code)]
    if len(other):
        first = other.iloc[0]
        theirs = Provenance(first.itlsim_version, first.revision, first.code)
        raise ItlsimError(f"{store.path}: {len(other)} stored runs were made by "
                          f"{theirs.describe()}, this is {mine.describe()}; results of "
                          f"different code are not mixed: {_MIXED_HINT}")
    stored = {(key, int(r)): (seed, digest) for key, r, seed, digest in zip(
        recorded.point_key, recorded.replication, recorded.seed, recorded.scenario_hash,
        strict=True)}
    for run in (r for r in runs if r.key in stored):  # plan order: the first change is named
        seed, digest = stored[run.key]
        if seed != run.seed:
            before = store.sweep_info().get("root_seed", "another")
            raise ItlsimError(f"{store.path}: the root seed changed (stored runs use root seed "
                              f"{before}, this sweep {spec.root_seed}); {_MIXED_HINT}")
        if digest != scenario_hash(seeded(scenarios[run.point.key], run.seed)):
            raise ItlsimError(f"{store.path}: the scenario of point {run.point.index} "
                              f"({run.point.describe()}) replication {run.replication} changed "
                              f"since it was stored: the base scenario {spec.base_path} or the "
                              f"sweep's paths were edited; {_MIXED_HINT}")


def check_engine(path: Path, recorded: pd.DataFrame, engine: str, hint: str) -> None:
    """Refuse to add ``engine``'s runs to a store of which stored ``ok`` runs another engine
    made (runs of stores older than recorded engines count as the agents engine's,
    ``sim.sweep.store.LEGACY_ENGINE``); ``hint`` says what else to do than ``--engine``."""
    other = recorded[(recorded.status != FAILED) & (recorded.engine != engine)]
    if other.empty:
        return
    held = sorted(set(other.engine))
    resume = f"pass --engine {held[0]} to resume it, else " if len(held) == 1 else ""
    raise ItlsimError(f"{path}: {len(other)} stored runs were made by the {' and '.join(held)} "
                      f"engine, not the {engine} engine asked for; runs of different engines "
                      f"are not mixed: {resume}{hint}")


def dry_run_text(spec: SweepSpec, out: Path | None = None) -> str:
    """What ``itlsim sweep --dry-run`` prints: the points, and how many runs each has stored."""
    runs, scenarios = plan(spec)
    path = store_path(out or default_out(spec))
    stored: dict[str, int] = {}
    engines: list[str] = []
    if path.is_file():
        with SweepStore(path, read_only=True) as store:
            recorded = store.recorded()
            stored = recorded[recorded.replication < spec.replications].groupby(
                "point_key").size().to_dict()
            engines = sorted(set(recorded[recorded.status != FAILED].engine) - {spec.engine})
    table = pd.DataFrame([{"point": p.index, **p.raw, "phones": scenarios[p.key].phone_count,
                           "stored": f"{stored.get(p.key, 0)}/{spec.replications}"}
                          for p in spec.points])
    dropped = f" ({spec.dropped} dropped by the constraint {spec.constraint.text!r})" \
        if spec.constraint else ""
    have = sum(stored.get(p.key, 0) for p in spec.points)
    return "\n".join([
        f"sweep {spec.name} ({spec.path}), base scenario {spec.base_path}",
        f"{len(spec.points)} points{dropped} x {spec.replications} replications = "
        f"{len(runs)} runs, root seed {spec.root_seed}, engine {spec.engine}",
        f"store {path}: {have} of these runs stored, {len(runs) - have} to run" + (
            f"; stored runs were made by the {' and '.join(engines)} engine, so running "
            f"this with {spec.engine} is refused without --allow-mixed" if engines else ""),
        table.to_string(index=False)])


def sweep_info(spec: SweepSpec) -> dict[str, object]:
    """What the store records about the sweep (plots read labels and units from it); ``engine``
    is this invocation's (each run's own is in its row, ``SweepStore.recorded``)."""
    return {"engine": spec.engine, "name": spec.name, "description": spec.description,
            "sweep_file": spec.path,
            "base": spec.base_path, "replications": spec.replications,
            "root_seed": spec.root_seed, "constraint": spec.constraint.text
            if spec.constraint else None, "metrics": list(spec.metrics),
            "parameters": [{"name": p.name, "path": p.dotted, "label": p.label, "unit": p.unit,
                            "expr": p.expr.text if p.expr else None,
                            "categorical": p.categorical, "value_labels": p.value_labels or {},
                            "values": None if p.values is None
                            else [comparable(v) for v in p.values]}
                           for p in spec.parameters]}
