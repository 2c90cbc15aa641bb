#!/usr/bin/env python3
"""Cost per phone against fleet size: ``itlsim run`` end to end, every file written.

    python benchmarks/fleet_scaling.py [--sizes 10000,20000,40000] [--engines agents,cohort]
                                       [--rounds 1] [--out scaling.png]

For each size and engine, runs ``itlsim run scenarios/megacluster.toml`` (two populations of
half the fleet each, three boot storms) in a child process, with ``--quiet`` and every result
file (``--event-log`` as given: default ``jsonl`` as ``itlsim run``; the log of a million-phone
run is then 1.4 GB of text, ``parquet`` makes it tens of MB), and reads its wall time and peak
resident memory (the child's own ``ru_maxrss``, ``os.wait4``). Sizes and engines alternate
within a round; with ``--rounds`` above 1 each point keeps its fastest round. Prints one JSON
line per point and writes a plot of microseconds and kilobytes per phone against the fleet
size (log scale): flat lines mean no super-linear growth.

The defaults take about a minute; the issue's targets are measured with
``--sizes 10000,100000,1000000 --engines cohort`` (a million phones: within 60 s, 1.5 GB).
CI never runs this.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "megacluster.toml"


def run_once(phones: int, engine: str, event_log: str) -> dict:
    """One ``itlsim run`` in a child process: wall seconds and peak RSS in bytes."""
    half = phones // 2
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, "-m", "sim", "run", str(SCENARIO), "--quiet", "--out", out,
                   "--engine", engine, "--event-log", event_log,
                   "--set", f"phones.0.count={half}", "--set", f"phones.1.count={phones - half}"]
        started = time.perf_counter()
        child = subprocess.Popen(command, stdout=subprocess.DEVNULL, cwd=ROOT)
        _, status, usage = os.wait4(child.pid, 0)  # this child's own peak, not the largest's
        seconds = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode:
            raise SystemExit(f"{' '.join(command)} exited with {child.returncode}")
        peak = usage.ru_maxrss * 1024  # kilobytes on Linux
    return {"phones": phones, "engine": engine, "seconds": round(seconds, 2),
            "peak_rss_mb": round(peak / 2**20), "us_per_phone": round(seconds / phones * 1e6, 1),
            "kb_per_phone": round(peak / 1024 / phones, 2)}


def plot(points: list[dict], path: Path) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(9, 3.6), layout="constrained")
    FigureCanvasAgg(figure)
    time_axis, memory_axis = figure.subplots(1, 2)
    for engine in sorted({p["engine"] for p in points}):
        mine = sorted((p for p in points if p["engine"] == engine), key=lambda p: p["phones"])
        sizes = [p["phones"] for p in mine]
        time_axis.plot(sizes, [p["us_per_phone"] for p in mine], "o-", label=engine)
        memory_axis.plot(sizes, [p["kb_per_phone"] for p in mine], "o-", label=engine)
    for axis, label in ((time_axis, "µs per phone (end to end)"),
                        (memory_axis, "peak RSS, KB per phone")):
        axis.set_xscale("log")
        axis.set_xlabel("phones (megacluster, 3 boot storms)")
        axis.set_ylabel(label)
        axis.set_ylim(bottom=0)
        axis.grid(True, alpha=0.3)
        axis.legend()
    figure.savefig(path, dpi=100, metadata={"Software": None})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,20000,40000")
    parser.add_argument("--engines", default="agents,cohort")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--event-log", default="jsonl", choices=("jsonl", "parquet", "none"))
    parser.add_argument("--out", default="fleet_scaling.png", help="the plot (PNG)")
    args = parser.parse_args()
    best: dict[tuple[int, str], dict] = {}
    for _ in range(args.rounds):
        for phones in map(int, args.sizes.split(",")):
            for engine in args.engines.split(","):
                point = run_once(phones, engine, args.event_log)
                key = (phones, engine)
                if key not in best or point["seconds"] < best[key]["seconds"]:
                    best[key] = point
    for point in best.values():
        print(json.dumps(point))
    plot(list(best.values()), Path(args.out))


if __name__ == "__main__":
    main()
