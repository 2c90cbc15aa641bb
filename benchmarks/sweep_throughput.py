#!/usr/bin/env python3
"""Sweep throughput: 1 and 2 local workers against 1- and 2-worker Dask LocalClusters.

    python benchmarks/sweep_throughput.py [--runs 200] [--phones 600] [--repeat 5]

The sweep is 25 points (reset batch size x TFTP serving count over
scenarios/sweeps/base/itl_reset_3000.toml with the fleet cut to --phones) x runs/25
replications. Each configuration runs the same sweep into a fresh store through
``sim.sweep.runner.run_sweep``. Every executor is started and warmed (every worker has imported the
simulator) before the clock starts, so the figures compare steady-state throughput, not
process start-up; the --repeat rounds alternate between the configurations and the best of N
counts. Prints one JSON object: wall time and runs/s per configuration, the speed-up of 2 local
workers over 1 (target >= 1.8), Dask relative to the local pool with 2 workers (target within
15 %) and with 1 worker (a core left for Dask's scheduler and nannies: the runner's own
overhead), and whether the Dask store holds exactly the numbers of the local one. Dask's
statistical profiler is off in the workers unless --dask-profiler (see the README).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from concurrent.futures import Executor, wait
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "scenarios" / "sweeps" / "base" / "itl_reset_3000.toml"
SWEEP = """
[sweep]
name = "throughput"
base = "{base}"
replications = {replications}
[parameters.phones]
path = "phones.0.count"
values = [{phones}]
[parameters.batch_size]
path = "events.3.batch_size"
values = [0, 100, 250, 500, 1000]
[parameters.serving_count]
path = "tftp.max_serving_count"
values = [50, 100, 150, 250, 500]
"""


def warm(executor: Executor, slots: int) -> None:
    """Make every worker import the simulator before timing starts."""
    import sim.sweep.task  # noqa: F401

    wait([executor.submit(_import_simulator) for _ in range(slots * 4)])


def _import_simulator() -> int:
    import sim.sweep.task  # noqa: F401

    return os.getpid()


def timed(spec, executor: Executor, slots: int, out: Path) -> float:
    from sim.sweep.runner import run_sweep

    warm(executor, slots)
    started = time.perf_counter()
    report = run_sweep(spec, executor, slots=slots, out=out, progress=False)
    assert report.failed == 0 and report.executed == report.planned
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200, help="runs in the sweep (x25)")
    parser.add_argument("--phones", type=int, default=600, help="phones per run")
    parser.add_argument("--repeat", type=int, default=5, help="best of N per configuration")
    parser.add_argument("--dask-profiler", action="store_true",
                        help="keep Dask's statistical profiler on in the workers (it samples "
                             "every worker thread each 10 ms: ~10%% on pure-Python runs)")
    args = parser.parse_args()

    import dask
    from distributed import LocalCluster

    # As the README advises for sweep workers (DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED=False);
    # LocalCluster's nannies hand this process's config to their workers.
    dask.config.set({"distributed.worker.profile.enabled": args.dask_profiler})

    from sim.sweep.executors import open_executor
    from sim.sweep.spec import load_sweep
    from sim.sweep.store import SweepStore

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        sweep_file = folder / "throughput.toml"
        sweep_file.write_text(SWEEP.format(base=BASE.as_posix(), phones=args.phones,
                                           replications=max(1, args.runs // 25)))
        spec = load_sweep(sweep_file)
        times: dict[str, list[float]] = {}
        with ExitStack() as stack:
            pools = {"local_1_worker": stack.enter_context(open_executor(workers=1)),
                     "local_2_workers": stack.enter_context(open_executor(workers=2))}
            for i in range(args.repeat):  # rounds alternate, so drifts of the machine hit all
                for name, (executor, slots) in pools.items():
                    times.setdefault(name, []).append(
                        timed(spec, executor, slots, folder / f"{name}-{i}"))
                for workers in (1, 2):  # a cluster lives only for its measurement: idle, it
                    name = f"dask_{workers}_worker{'s' * (workers > 1)}"  # still uses CPU
                    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                      dashboard_address=None) as cluster, \
                            open_executor(scheduler=cluster.scheduler_address) as (ex, slots):
                        times.setdefault(name, []).append(
                            timed(spec, ex, slots, folder / f"{name}-{i}"))
        best = {name: min(values) for name, values in times.items()}
        with SweepStore.open(folder / "local_2_workers-0", read_only=True) as local, \
                SweepStore.open(folder / "dask_2_workers-0", read_only=True) as dask:
            same = local.metrics().equals(dask.metrics())
        runs = len(spec.points) * spec.replications
        print(json.dumps({
            "runs": runs, "phones_per_run": args.phones, "cpus": os.cpu_count(),
            **{f"{name}_s": round(t, 2) for name, t in best.items()},
            **{f"{name}_runs_per_s": round(runs / t, 1) for name, t in best.items()},
            "speedup_2_vs_1": round(best["local_1_worker"] / best["local_2_workers"], 2),
            "dask_vs_local_2": round(best["dask_2_workers"] / best["local_2_workers"], 3),
            "dask_vs_local_1": round(best["dask_1_worker"] / best["local_1_worker"], 3),
            "dask_equals_local": same}, indent=2))


if __name__ == "__main__":
    main()
