"""Shared helpers of the sweep tests: synthetic outcomes and points, a counting executor."""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from sim.sweep.provenance import current
from sim.sweep.spec import Point, point_key
from sim.sweep.task import OK, Outcome

BASE = Path(__file__).parent / "data" / "sweeps" / "tiny.toml"


def point(index: int, **values: Any) -> Point:
    return Point(index, point_key(values), values, values)


def outcome(p: Point, replication: int, summary: dict[str, Any], *, status: str = OK,
            locked: tuple[int, ...] = (0, 1, 2), error: str = "") -> Outcome:
    """A finished run of ``p``: two states over three samples a minute apart."""
    counts = np.array([[10 - n, n] for n in locked], dtype=np.int32)
    return Outcome(p.key, replication, 100 + replication, status, current(), 0.01,
                   scenario_hash="h" if status == OK else "", error=error, summary=summary,
                   states=("trusted", "locked") if status == OK else (),
                   times=np.arange(len(locked)) * 60.0 if status == OK else np.zeros(0),
                   counts=counts if status == OK else np.zeros((0, 0), np.int32),
                   markers=[(60.0, "regen")])


class CountingExecutor(ThreadPoolExecutor):
    """Runs tasks in threads of this process (so monkeypatches apply) and records which runs
    were submitted; ``stop_after`` tasks raises KeyboardInterrupt (an interrupted sweep)."""

    def __init__(self, workers: int = 2, stop_after: int | None = None):
        super().__init__(max_workers=workers)
        self.runs: list[tuple[str, int]] = []
        self.stop_after = stop_after
        self.tasks = 0

    def submit(self, fn, /, *args, **kwargs) -> Future:  # type: ignore[override]
        if self.stop_after is not None and self.tasks >= self.stop_after:
            raise KeyboardInterrupt
        self.tasks += 1
        self.runs += [(run.point_key, run.replication) for run in args[0].runs]
        return super().submit(fn, *args, **kwargs)


def sweep_text(body: str, header: str = "") -> str:
    return f'[sweep]\nbase = "{BASE.as_posix()}"\n{header}\n{body}'
