"""Executing a sweep's runs on a ``concurrent.futures.Executor`` and streaming the outcomes.

One loop for every executor: ``open_executor`` gives a local process pool (every core by
default) or a Dask cluster's executor (``distributed.Client(address).get_executor()``), and
``stream`` submits the same tasks (``sim.sweep.task``) to either, so both produce the same
numbers. Runs go longest first (the caller sorts them by estimated cost), a bounded number of
tasks is in flight (memory stays flat however many runs), and short runs travel in chunks so
that a per-task overhead (a Dask scheduler round trip) does not eat the speed-up.
``BatchedWriter`` moves finished runs into the store in small transactions.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from sim.errors import ItlsimError
from sim.sweep.provenance import current
from sim.sweep.spec import Point
from sim.sweep.store import SweepStore
from sim.sweep.task import FAILED, Outcome, Run, Task, describe_error, execute

IN_FLIGHT_PER_SLOT = 2
TASK_SECONDS, MAX_CHUNK = 0.25, 64
FLUSH_RUNS, FLUSH_SECONDS = 64, 1.0


class PointSource(Protocol):
    """What ``stream`` needs to build a point's scenario: the base scenario's path (worker
    errors name it) and the point's raw scenario data. A ``SweepSpec`` is one; the change
    planner (``sim.plan``) streams its candidate procedures through another."""

    @property
    def base_path(self) -> str: ...

    def scenario_data(self, point: Point) -> dict[str, Any]: ...


@dataclass(frozen=True)
class PlannedRun:
    """One run of a sweep; ``cost`` is the estimate that orders submission."""

    point: Point
    replication: int
    seed: int
    cost: float

    @property
    def key(self) -> tuple[str, int]:
        return self.point.key, self.replication


def stream(executor: Executor, spec: PointSource, todo: list[PlannedRun], slots: int,
           engine: str, heartbeat: float = FLUSH_SECONDS) -> Iterator[list[Outcome]]:
    """Run ``todo`` in its order on the fleet ``engine`` and yield each finished task's
    outcomes; an empty list at least every ``heartbeat`` seconds lets the caller flush while
    long runs are going on.

    Keeps ``slots * IN_FLIGHT_PER_SLOT`` tasks in flight; pending tasks are cancelled when the
    caller stops early (an error or an interrupt).
    """
    chunks = _Chunker(todo, slots)
    pending: dict[Future, list[PlannedRun]] = {}

    def refill() -> None:
        while len(pending) < slots * IN_FLIGHT_PER_SLOT:
            chunk = chunks.take()
            if not chunk:
                return
            pending[executor.submit(execute, _task(spec, chunk, engine))] = chunk

    try:
        refill()
        while pending:
            done, _ = wait(pending, timeout=heartbeat, return_when=FIRST_COMPLETED)
            if not done:
                yield []
            for future in done:
                chunk = pending.pop(future)
                outcomes = _outcomes(future, chunk, engine)
                for run, outcome in zip(chunk, outcomes, strict=True):
                    chunks.observe(run, outcome)
                yield outcomes
            refill()
    finally:
        for future in pending:
            future.cancel()


def _task(spec: PointSource, chunk: list[PlannedRun], engine: str) -> Task:
    """The task of ``chunk``; runs of one point share one data object (pickled once)."""
    data = {run.point.key: spec.scenario_data(run.point) for run in chunk}
    return Task(spec.base_path, tuple(Run(run.point.key, run.replication, run.seed,
                                          data[run.point.key]) for run in chunk), engine)


class _Chunker:
    """Cuts the longest-first queue into tasks of about ``TASK_SECONDS`` of simulation.

    Every task costs the executor a fixed overhead (a Dask round trip through the scheduler
    costs milliseconds), so short runs travel in chunks. The first tasks hold one run each;
    then the seconds per unit of estimated cost measured so far size the chunks. Near the end
    chunks shrink so that every worker still has work (the last worker does not finish alone).
    """

    def __init__(self, todo: list[PlannedRun], slots: int):
        self.queue = deque(todo)
        self.slots = slots
        self.seconds = 0.0
        self.cost = 0.0

    def observe(self, run: PlannedRun, outcome: Outcome) -> None:
        if outcome.wall_time > 0:
            self.seconds += outcome.wall_time
            self.cost += run.cost

    def take(self) -> list[PlannedRun]:
        if not self.queue:
            return []
        size = 1
        if self.seconds > 0:
            per_run = self.seconds / self.cost * self.queue[0].cost
            size = int(TASK_SECONDS / per_run) if per_run > 0 else MAX_CHUNK
        size = max(1, min(size, MAX_CHUNK, len(self.queue) // (2 * self.slots)))
        return [self.queue.popleft() for _ in range(size)]


def _outcomes(future: Future, chunk: list[PlannedRun], engine: str) -> list[Outcome]:
    """The worker's outcomes, or failed ones if the executor lost the task."""
    try:
        return future.result()
    except BrokenProcessPool:
        raise ItlsimError("a worker process died (killed, or out of memory); the finished runs "
                          "are stored: rerun the same command to resume") from None
    except Exception as exc:  # e.g. a Dask worker lost: recorded like failing runs
        return [Outcome(run.point.key, run.replication, run.seed, FAILED, current(), 0.0,
                        error=describe_error(exc), engine=engine) for run in chunk]


class BatchedWriter:
    """Writes finished runs to the store in batches: one transaction per ``FLUSH_RUNS`` runs
    or ``FLUSH_SECONDS``, whichever comes first, and whatever is left on exit (also on an
    error or interrupt: those runs are complete). Batching keeps the parent's share of a CPU
    small next to the workers; memory holds at most one batch. ``replace`` replaces stored
    runs (failures being retried)."""

    def __init__(self, store: SweepStore, *, replace: bool = False):
        self.store = store
        self.replace = replace
        self.batch: list[Outcome] = []
        self.since = 0.0

    def __enter__(self) -> BatchedWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.flush()

    def add(self, outcome: Outcome) -> None:
        if not self.batch:
            self.since = time.monotonic()
        self.batch.append(outcome)
        if len(self.batch) >= FLUSH_RUNS:
            self.flush()

    def tick(self) -> None:
        """Flush if the oldest waiting run has waited ``FLUSH_SECONDS``."""
        if self.batch and time.monotonic() - self.since >= FLUSH_SECONDS:
            self.flush()

    def flush(self) -> None:
        batch, self.batch = self.batch, []
        self.store.write(batch, replace=self.replace)


@contextmanager
def open_executor(workers: int | None = None, scheduler: str | None = None
                  ) -> Iterator[tuple[Executor, int]]:
    """A local process pool (``workers``, default every core) or a Dask cluster's executor,
    with the number of runs it executes in parallel."""
    if scheduler is not None:
        with _dask_executor(scheduler) as pair:
            yield pair
        return
    slots = workers or os.cpu_count() or 1
    # the parent holds DuckDB's and tqdm's threads, which must not be forked: workers come from
    # a fork server that has imported the simulator once
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["sim.sweep.workerinit", "sim.sweep.task"])
    executor = ProcessPoolExecutor(max_workers=slots, mp_context=context)
    try:
        yield executor, slots
    finally:
        executor.shutdown(wait=True, cancel_futures=True)


@contextmanager
def _dask_executor(address: str) -> Iterator[tuple[Executor, int]]:
    try:
        from distributed import Client
    except ImportError:
        raise ItlsimError(f"--scheduler {address}: running on a Dask cluster needs Dask, an "
                          f"optional part of itlsim: pip install 'itlsim[dask]'") from None

    try:
        client = Client(address, timeout="20s")
    except (OSError, TimeoutError) as exc:
        raise ItlsimError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
    try:
        slots = sum(client.nthreads().values()) or 1
        executor = client.get_executor(pure=False)
        try:
            yield executor, slots
        finally:
            executor.shutdown(wait=True)
    finally:
        client.close()
