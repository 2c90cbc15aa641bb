#!/usr/bin/env python3
"""Per-run overhead of tiny sweep runs: one phone per population, as a sweep worker runs them.

    python benchmarks/tiny_runs.py [--runs 20] [--rounds 5] [--engine agents|cohort] [SCENARIO ...]

For each scenario (default: the sweep base ``itl_reset_3000`` and ``baseline``), cuts every
population to one phone and runs ``sim.sweep.task.execute_run`` for ``--runs`` replication
seeds, as a worker does (scenario built from the point's data, simulated, summary and series
returned). Rounds alternate between the scenarios; each keeps its best round. A worker builds
a point's scenario once for all its replications (``sim.sweep.task.point_scenario``), and its
runs of one seed share the cluster's keys (common random numbers across points), so from the
second round on each seed's certificates, records, files, RSA results and random streams are
reused (``sim.trust.reuse``), as in a sweep of more than one point. Prints milliseconds per
run (target: under 5 ms); the default engine unless ``--engine`` names the other.
"""

from __future__ import annotations

import argparse
import json
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULTS = (ROOT / "scenarios" / "sweeps" / "base" / "itl_reset_3000.toml",
            ROOT / "scenarios" / "baseline.toml")


def one_phone_each(path: Path) -> dict:
    data = tomllib.loads(path.read_text())
    for population in data["phones"]:
        population["count"] = 1
    return data


def main() -> None:
    from sim.fleet.run import DEFAULT_ENGINE, ENGINES
    from sim.sweep.task import OK, Run, execute_run

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenarios", nargs="*", default=[str(p) for p in DEFAULTS])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--engine", default=DEFAULT_ENGINE, choices=ENGINES)
    args = parser.parse_args()
    data = {path: one_phone_each(Path(path)) for path in args.scenarios}
    best = dict.fromkeys(data, float("inf"))
    for _ in range(args.rounds):
        for path, raw in data.items():
            started = time.perf_counter()
            for seed in range(args.runs):
                outcome = execute_run(Run("p", seed, seed, raw), path, args.engine)
                assert outcome.status == OK, outcome.error
            best[path] = min(best[path], (time.perf_counter() - started) / args.runs)
    print(json.dumps({Path(p).stem: round(s * 1000, 1) for p, s in best.items()}))


if __name__ == "__main__":
    main()
