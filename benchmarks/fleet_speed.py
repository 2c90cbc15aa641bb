#!/usr/bin/env python3
"""Fleet simulation speed and memory against the shared yardstick, in one process.

    python benchmarks/fleet_speed.py [--phones 20000] [--rounds 5] [--scenario ...megacluster.toml]

Measures, in this process and on this machine, in alternating rounds (best of ``--rounds``:
one measurement per model is noise on a shared machine):
  - naive / limit: phone boots per second of ../shared/bench/yardstick.py's two reference
    models (a naive SimPy model with an RSA check per phone; a bare heapq loop);
  - itlsim on each engine (``agents``, ``cohort``): boots per second of the megacluster scenario
    (boots / time inside the SimPy loop), and its end-to-end time (build + run + summary, as
    ``itlsim run`` minus file writing);
  - memory per phone beyond the cluster's fixed cost: tracemalloc peak of the same scenario at
    two fleet sizes, slope = (peak_big - peak_small) / (phones_big - phones_small).
Prints one JSON object with the ratios the issue asks for (targets: the megacluster loop at
>= 2x the limit on the cohort engine; < 4096 bytes per phone).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
YARDSTICK = ROOT.parent / "shared" / "bench" / "yardstick.py"
ENGINES = ("agents", "cohort")


def load_yardstick(phones: int):
    """Import the yardstick with its command-line arguments (it reads them at import)."""
    saved = sys.argv
    sys.argv = [str(YARDSTICK), str(phones), "4", "500"]
    try:
        spec = importlib.util.spec_from_file_location("yardstick", YARDSTICK)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.argv = saved
    return module


def itlsim_speed(scenario_path: str, engine: str) -> dict:
    from sim.fleet.run import simulate
    from sim.scenario.scenario import load_scenario

    started = time.perf_counter()
    scenario = load_scenario(scenario_path)
    result = simulate(scenario, engine=engine)
    end_to_end = time.perf_counter() - started
    boots = result.summary["phone_boots"]
    return {"phones": scenario.phone_count, "boots": boots,
            "boots_per_s": round(boots / result.loop_time),
            "end_to_end_s": round(end_to_end, 2), "storms": result.engine.get("storms")}


def memory_per_phone(scenario_path: str, engine: str, small: int, big: int) -> dict:
    from sim.fleet.run import simulate
    from sim.scenario.scenario import load_scenario

    peaks = {}
    for total in (small, big):
        half = total // 2
        scenario = load_scenario(scenario_path, overrides=[f"phones.0.count={half}",
                                                           f"phones.1.count={total - half}"])
        tracemalloc.start()
        simulate(scenario, engine=engine)
        peaks[total] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    slope = (peaks[big] - peaks[small]) / (big - small)
    return {"bytes_per_phone": round(slope), "peak_bytes": peaks}


def best_of(rounds: int, yardstick, scenario: str) -> dict:
    """Every model once per round, in turn; each model's fastest round."""
    best: dict[str, dict] = {}
    for _ in range(rounds):
        n1, t1 = yardstick.naive()
        n2, t2 = yardstick.limit()
        measured = {"naive": {"boots_per_s": round(n1 / t1)},
                    "limit": {"boots_per_s": round(n2 / t2)},
                    **{engine: itlsim_speed(scenario, engine) for engine in ENGINES}}
        for name, value in measured.items():
            if name not in best or value["boots_per_s"] > best[name]["boots_per_s"]:
                best[name] = value
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phones", type=int, default=20000, help="yardstick fleet size")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds (best of)")
    parser.add_argument("--scenario", default=str(ROOT / "scenarios" / "megacluster.toml"))
    parser.add_argument("--no-memory", action="store_true", help="skip the memory measurement")
    args = parser.parse_args()
    best = best_of(args.rounds, load_yardstick(args.phones), args.scenario)
    naive, limit = best["naive"]["boots_per_s"], best["limit"]["boots_per_s"]
    report: dict = {"rounds": args.rounds, "naive_boots_per_s": naive,
                    "limit_boots_per_s": limit}
    for engine in ENGINES:
        ours = best[engine]["boots_per_s"]
        report[engine] = {**best[engine], "over_naive": round(ours / naive, 2),
                          "over_limit": round(ours / limit, 2)}
        if not args.no_memory:
            report[engine]["memory"] = memory_per_phone(args.scenario, engine, 10000, 40000)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
