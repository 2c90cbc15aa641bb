"""What a run will need, estimated from its Scenario before it starts, and the limits it must fit.

``validate`` accepted 10^9 phones, ``duration = "100000000d"`` or ``resolution = "0.001s"``, and
``run`` then ate gigabytes for minutes with nothing to show. ``estimate`` adds up what a run
holds and writes; ``check`` refuses, in one line, a run that would not fit, saying what it needs,
what dominates, and how to proceed. The estimate is an upper bound in the quantities that grow
without limit (boots, samples, days) and a measurement in the per-item costs:

- memory = ``BASE_MEMORY`` + phones x ``PHONE_BYTES`` + event-log records x ``RECORD_BYTES``
  + samples x ``SAMPLE_BYTES`` + extreme rows x ``EXTREME_BYTES`` + operation-log entries x
  ``OPERATION_BYTES``; the time series keeps, between ticks, the instants of each interval's
  extremes (``sim.fleet.series``): at most one a record, at most ``EXTREMES_PER_TICK`` a tick;
- boots <= phones x (2 + events): each phone boots at most once per event that resets it, once
  more after a technician's fix; each boot logs two records (to booting, to settled), and each
  phone switched off two more; the daily RTMT alert (A7) adds an operation per simulated day;
- output = event log (bytes per record by format) + time series (per sample and extreme row:
  five CSV rows of ``timeseries.csv``; per sample two of ``recoveries.csv``) + DeviceTLInfo (a row
  per phone) + plots; with several clusters, per time row and cluster a row of ``clusters.csv``
  and two step lines' vertices in the plot's cluster panel (``CLUSTER_ROW_BYTES``).

Per-item costs were measured with ``/usr/bin/time -f %M itlsim run`` on ``tests``' small
scenario (three events) at 20,000 and 80,000 phones (peak RSS slope: 1.7 KB a phone with its
four records, event log jsonl; 2.1 KB with parquet) and at 20 days with 10 s and 2 s resolution
(slope: 800 bytes a tick), and rounded up; ``tests/test_budget.py`` checks that the estimate
stays above a real run's peak RSS and bytes written, and within three times them.

Limits: ``--max-memory`` (default ``default_memory_limit``: half the physical memory, or less
if the process has an address-space or cgroup limit) and ``--max-output`` (default: the free
space where the results go).
"""

from __future__ import annotations

import math
import os
import re
import resource
import shutil
from dataclasses import dataclass
from pathlib import Path

from sim.errors import ConfigError
from sim.fleet.collector import STATES
from sim.scenario.durations import DAY, human_duration
from sim.scenario.scenario import Scenario

BASE_MEMORY = 150_000_000  # interpreter, numpy, SimPy, matplotlib for the plot
PARQUET_BASE = 130_000_000  # pandas and DuckDB to write Parquet
PHONE_BYTES = 1_500  # a phone, its DeviceTLInfo row and name
RECORD_BYTES = {"jsonl": 50, "none": 50, "parquet": 150}  # change log, counts derived from it
SAMPLE_BYTES = 800  # a resolution tick: grid counts, series rows, recoveries, plot arrays
EXTREME_BYTES = 250  # a row kept between ticks for an interval's extremes (series.py)
EXTREMES_PER_TICK = 22  # at most: first, last, and per state its minimum, maximum, after each
OPERATION_BYTES = 1_000  # an operation-log entry (a dict of texts)
LINE_BYTES = {"jsonl": 150, "parquet": 6, "none": 0}  # written per record, before names
SAMPLE_OUTPUT = 5 * 24 + 2 * 24  # five timeseries.csv rows, two recoveries.csv rows
DEVICETLINFO_ROW = 140  # MAC name, two SHA-1s, status, flags (plus names)
FIXED_OUTPUT = 500_000  # summary, run.json, scenario.json, recovery.png and .svg
SVG_ROW_BYTES = 200  # recovery.svg: a time-series row's vertices in the step lines
CLUSTER_ROW_BYTES = 30 + 2 * 20  # clusters.csv row; option 150 and registered in recovery.svg
MEMORY_SHARE = 0.5  # of physical memory, by default
_UNITS = {"": 1, "b": 1, "k": 10**3, "kb": 10**3, "m": 10**6, "mb": 10**6, "g": 10**9,
          "gb": 10**9, "t": 10**12, "tb": 10**12, "kib": 2**10, "mib": 2**20, "gib": 2**30,
          "tib": 2**40}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d*)?)\s*([a-z]*)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Estimate:
    """What one run holds at its peak and writes; ``memory``/``output`` list the parts."""

    phones: int
    samples: int
    records: int
    operations: int
    memory: dict[str, int]
    output: dict[str, int]

    @property
    def peak(self) -> int:
        return sum(self.memory.values())

    @property
    def written(self) -> int:
        return sum(self.output.values())

    def describe(self) -> str:
        return (f"needs up to {size_text(self.peak)} of memory and writes up to "
                f"{size_text(self.written)}")


def estimate(scenario: Scenario, event_log: str = "jsonl") -> Estimate:
    """The memory and output of simulating ``scenario`` and writing it with ``event_log``."""
    phones = scenario.phone_count
    samples = math.floor(scenario.duration / scenario.resolution) + 1
    offline = sum(math.ceil(p.count * (p.availability.offline_share
                                       + p.availability.always_off_share))
                  for p in scenario.populations)
    records = 2 * phones * (2 + len(scenario.events)) + 2 * offline
    extremes = min(records, EXTREMES_PER_TICK * samples)
    operations = len(scenario.events) + math.floor(scenario.duration / DAY)
    names = max((len(p.name) for p in scenario.populations), default=0)
    nodes = max((len(n.name) for c in scenario.clusters for n in c.nodes), default=0)
    memory = {"phones": phones * PHONE_BYTES, "event log": records * RECORD_BYTES[event_log],
              "time series": samples * SAMPLE_BYTES + extremes * EXTREME_BYTES,
              "operations": operations * OPERATION_BYTES,
              "program": BASE_MEMORY + (PARQUET_BASE if event_log == "parquet" else 0)}
    per_record = LINE_BYTES[event_log] + (names if event_log == "jsonl" else 0)
    output = {"event log": records * per_record + operations * 4 * per_record,
              "time series": (samples + extremes) * (SAMPLE_OUTPUT + SVG_ROW_BYTES
                                                     + 7 * len(str(phones))),
              "phones": phones * (DEVICETLINFO_ROW + names + nodes), "program": FIXED_OUTPUT,
              "inventory": scenario.inventory.size if scenario.inventory else 0}
    if scenario.several_clusters:
        output["clusters"] = (samples + extremes) * CLUSTER_ROW_BYTES * len(scenario.clusters)
    return Estimate(phones, samples, records, operations, memory, output)


def sweep_output(samples: int) -> int:
    """Bytes a sweep's store keeps for one run of ``samples`` samples (an upper bound:
    DuckDB compresses the series rows, one integer column per state)."""
    return 4_000 + samples * (24 + 4 * len(STATES))


def check(scenario: Scenario, found: Estimate, *, max_memory: int, max_output: int | None,
          event_log: str = "jsonl", workers: int = 1, memory_hint: str = "--max-memory") -> None:
    """Refuse a run that needs more than ``max_memory`` (``workers`` at once) or writes more
    than ``max_output``: one line saying what it needs, what dominates and what to change."""
    peak = found.peak * workers
    if peak > max_memory:
        part = max(found.memory, key=lambda k: found.memory[k])
        times = f" x {workers} workers" if workers > 1 else ""
        raise ConfigError(f"this run needs up to {size_text(peak)} of memory ({part}: "
                          f"{_amount(found, part)}{times}) but the limit is "
                          f"{size_text(max_memory)}; {_remedy(scenario, part, event_log)}, or "
                          f"raise {memory_hint}", path=scenario.path)
    if max_output is not None and found.written > max_output:
        part = max(found.output, key=lambda k: found.output[k])
        raise ConfigError(f"this run writes up to {size_text(found.written)} ({part}: "
                          f"{_amount(found, part)}) but the limit is {size_text(max_output)}; "
                          f"{_remedy(scenario, part, event_log)}, or raise --max-output",
                          path=scenario.path)


def _amount(found: Estimate, part: str) -> str:
    return {"phones": f"{found.phones:,} phones",
            "event log": f"up to {found.records:,} event-log records",
            "time series": f"{found.samples:,} time-series samples",
            "operations": f"{found.operations:,} logged operations and daily alerts",
            "program": "the program itself"}[part]


def _remedy(scenario: Scenario, part: str, event_log: str) -> str:
    if part == "time series":
        return (f"use a coarser [simulation] resolution (now "
                f"{human_duration(scenario.resolution)}) or a shorter duration")
    if part == "event log" and event_log != "none":
        return "use --event-log none (or parquet, a fraction of the size), or fewer phones"
    if part == "operations":
        return (f"use a shorter [simulation] duration (now "
                f"{human_duration(scenario.duration)})")
    return "simulate fewer phones ([[phones]] count), e.g. a share of the fleet"


def default_memory_limit() -> int:
    """Half the physical memory (``os.sysconf``), or the process's address-space limit
    (``RLIMIT_AS``) or cgroup v2 ``memory.max`` when smaller."""
    limits = [int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") * MEMORY_SHARE)]
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft != resource.RLIM_INFINITY:
        limits.append(soft)
    try:
        text = Path("/sys/fs/cgroup/memory.max").read_text().strip()
    except OSError:
        text = "max"
    if text.isdigit():
        limits.append(int(text))
    return min(limits)


def free_space(folder: Path) -> int:
    """Free bytes on the file system that holds ``folder`` (or its nearest existing parent)."""
    existing = folder.absolute()
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    return shutil.disk_usage(existing).free


def parse_size(text: str) -> int:
    """``"8GB"`` -> 8,000,000,000; ``"512MiB"``, ``"2.5G"``, ``"1000000"`` (bytes)."""
    match = _SIZE.match(text)
    if not match or match.group(2).lower() not in _UNITS:
        raise ValueError(f"{text!r} is not a size; expected e.g. 8GB, 512MB, 2GiB")
    return int(float(match.group(1)) * _UNITS[match.group(2).lower()])


def size_text(count: float) -> str:
    """``1234567`` -> ``"1.2 MB"`` (decimal units, never exponent notation)."""
    for unit, scale in (("PB", 1e15), ("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if count >= scale:
            value = count / scale
            return f"{value:,.0f} {unit}" if value >= 100 else f"{value:.1f} {unit}"
    return f"{count:,.0f} bytes"
