"""What a worker does: a small picklable ``Task`` (one or more runs) in, ``Outcome``s out.

Workers (local processes or Dask workers) receive only each run's raw point scenario data and
replication seed, build the scenario with ``scenario_from_dict`` and run ``simulate``. They return
the summary and a compact time series (two numpy arrays), never the event log, so what crosses
process boundaries stays a few kilobytes per run. A run that raises is an ``Outcome`` with
status ``failed`` and the error text: one bad point never stops a sweep.

A worker runs every replication of a point (and, with common random numbers, the same seeds at
every point), so it builds each point's scenario once (``point_scenario``); the cluster's
certificates, signed files and records are reused per seed below (``sim.trust.reuse``).
"""

from __future__ import annotations

import dataclasses
import time
import traceback
from dataclasses import dataclass, field
from typing import Any, TypedDict

import numpy as np

from sim.fleet.run import DEFAULT_ENGINE, simulate
from sim.fleet.timeline import Marker
from sim.scenario.scenario import (
    Scenario,
    reseeded,
    resolved_dict,
    resolved_hash,
    scenario_from_dict,
)
from sim.sweep.provenance import Provenance, current

OK, FAILED = "ok", "failed"


@dataclass(frozen=True)
class Run:
    """One run: its point's raw scenario data (seed not yet set) and its replication's seed.

    Runs of one point share one ``data`` object, which pickle sends once per task.
    """

    point_key: str
    replication: int
    seed: int
    data: dict[str, Any]


@dataclass(frozen=True)
class Task:
    """What a worker executes in one go: one or more runs (a chunk, see ``sim.sweep.runner``)."""

    scenario_path: str
    runs: tuple[Run, ...]
    engine: str  # ``sim.fleet.run.ENGINES``


@dataclass
class Outcome:
    """What a run produced, ready for the store; ``times``/``counts`` are empty on failure."""

    point_key: str
    replication: int
    seed: int
    status: str
    provenance: Provenance
    wall_time: float
    scenario_hash: str = ""
    error: str = ""
    summary: dict[str, Any] = field(default_factory=dict)
    states: tuple[str, ...] = ()
    times: np.ndarray = field(default_factory=lambda: np.zeros(0))
    counts: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.int32))
    markers: list[Marker] = field(default_factory=list)
    engine: str = DEFAULT_ENGINE  # the fleet engine that ran it (the store records it)


class _RunFields(TypedDict):
    """The ``Outcome`` fields a run has whether it succeeds or fails."""

    point_key: str
    replication: int
    seed: int
    provenance: Provenance


@dataclass(frozen=True)
class PointScenario:
    """A point's scenario (its seed not yet set) and its ``resolved_dict``, the identity its
    runs' scenario hashes differ from by the seed only."""

    scenario: Scenario
    resolved: dict[str, Any]

    def hash_with(self, seed: int) -> str:
        """``scenario_hash(seeded(self.scenario, seed))``."""
        return resolved_hash(reseeded(self.resolved, seed))


KEEP_POINTS = 64  # points a worker keeps: a chunk's, a few kilobytes each; cleared when full
_POINTS: dict[tuple[str, str], PointScenario] = {}


def point_scenario(data: dict[str, Any], path: str) -> PointScenario:
    """``scenario_from_dict(data, path=path)``, built once per worker for equal ``data``
    (``repr`` tells every TOML value type apart: ``1``, ``1.0``, ``True``, ``"1"``) when the
    scenario is ``self_contained``; one that read an inventory or certificates file is built
    again every time, so a file changed in between is read again."""
    key = (path, repr(data))
    hit = _POINTS.get(key)
    if hit is None:
        scenario = scenario_from_dict(data, path=path)
        hit = PointScenario(scenario, resolved_dict(scenario))
        if scenario.self_contained:
            if len(_POINTS) >= KEEP_POINTS:
                _POINTS.clear()
            _POINTS[key] = hit
    return hit


def seeded(scenario: Scenario, seed: int) -> Scenario:
    """The scenario of one replication: the point's scenario with the replication's seed."""
    return dataclasses.replace(scenario, seed=seed)


def execute(task: Task) -> list[Outcome]:
    """Simulate every run of ``task``; never raises for a failing run."""
    return [execute_run(run, task.scenario_path, task.engine) for run in task.runs]


def execute_run(run: Run, scenario_path: str, engine: str) -> Outcome:
    """Build and simulate one run's scenario; a failure becomes a ``failed`` outcome."""
    started = time.perf_counter()
    base = _RunFields(point_key=run.point_key, replication=run.replication, seed=run.seed,
                      provenance=current())
    try:
        point = point_scenario(run.data, scenario_path)
        result = simulate(seeded(point.scenario, run.seed), engine=engine)
    except Exception as exc:  # recorded with its error text; the sweep goes on
        return Outcome(**base, status=FAILED, error=describe_error(exc),
                       wall_time=time.perf_counter() - started, engine=engine)
    times, counts = result.grid
    return Outcome(**base, status=OK, wall_time=time.perf_counter() - started,
                   scenario_hash=point.hash_with(run.seed), summary=result.summary,
                   states=tuple(result.states), times=times, counts=counts.astype(np.int32),
                   markers=list(result.markers), engine=result.engine["name"])


def describe_error(exc: BaseException) -> str:
    """``Type: message (at file.py:123)``: one line that locates the failure."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" (at {frames[-1].filename.rsplit('/', 1)[-1]}:{frames[-1].lineno})" if frames \
        else ""
    message = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {message}{where}"
