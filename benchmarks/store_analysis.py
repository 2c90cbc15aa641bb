#!/usr/bin/env python3
"""Analysis speed of the sweep store at 10,000 runs (the README's reason for DuckDB).

    python benchmarks/store_analysis.py [--runs 10000] [--samples 289]

Writes a synthetic store of --runs runs (100 points x runs/100 replications, 25 summary
metrics each, a time series of --samples rows of five phone states, i.e. one day at 5-minute
resolution) through ``SweepStore.write`` in batches of 64 like a sweep does, then times what an
analysis does: the wide metrics table in pandas, per-point statistics of every metric, recovery
curves of six points, and a raw SQL aggregation over every time-series row. Prints one JSON
object (seconds, store size).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from sim.sweep.provenance import current
from sim.sweep.spec import Point, point_key
from sim.sweep.stats import curve_stats, point_stats
from sim.sweep.store import SweepStore
from sim.sweep.task import OK, Outcome

STATES = ("trusted", "locked", "booting", "offline", "unsecured")


def synthetic(points: list[Point], replications: int, samples: int):
    """Outcomes with random but plausible numbers, one batch of 64 at a time."""
    rng = np.random.default_rng(1)
    batch = []
    for p in points:
        for r in range(replications):
            summary = {f"metric_{i}": float(rng.integers(0, 1000)) for i in range(20)}
            summary["final_states"] = {s: int(rng.integers(0, 1000)) for s in STATES}
            batch.append(Outcome(p.key, r, r, OK, current(), 0.1, scenario_hash="h",
                                 summary=summary, states=STATES,
                                 times=np.arange(samples) * 300.0,
                                 counts=rng.integers(0, 1000, (samples, 5), dtype=np.int32)))
            if len(batch) == 64:
                yield batch
                batch = []
    if batch:
        yield batch


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return round(time.perf_counter() - started, 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=289)
    args = parser.parse_args()
    points = [Point(i, point_key({"x": i}), {"x": i}, {"x": i}) for i in range(100)]
    with tempfile.TemporaryDirectory() as tmp, \
            SweepStore.open(Path(tmp), read_only=False) as store:
        store.save_sweep({"parameters": [{"name": "x"}]})
        store.save_points(points)
        write = timed(lambda: [store.write(b) for b in synthetic(points, args.runs // 100,
                                                                   args.samples)])
        keys = [p.key for p in points[::17]]
        result = {
            "runs": args.runs, "series_rows": args.runs * args.samples,
            "write_s": write,
            "metrics_wide_s": timed(store.metrics),
            "point_stats_all_metrics_s": timed(lambda: point_stats(store)),
            "curves_6_points_s": timed(lambda: curve_stats(store, keys)),
            "sql_mean_locked_per_point_and_time_s": timed(lambda: store.sql(
                "SELECT point_key, time_s, avg(locked), stddev_samp(locked) FROM series "
                "GROUP BY ALL")),
            "store_mb": round(store.path.stat().st_size / 1e6, 1)}
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
