"""Runaway inputs (issue 9, point 1): a run that cannot fit is refused before it starts, in one
line, quickly; the estimate behind it bounds what a real run uses.

Before the fix ``validate`` accepted 10^9 phones, ``duration = "100000000d"`` and
``resolution = "0.001s"``, and ``run`` then ate gigabytes for minutes with no output. These tests
run the real command line in a process whose address space is capped (``RLIMIT_AS``) and with
a timeout: a regression fails fast instead of taking the machine.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from cli_helpers import SMALL_RUN, itlsim
from sweep_helpers import sweep_text

from sim.fleet.budget import estimate, parse_size, size_text
from sim.scenario.scenario import load_scenario

CAP = 3 << 30  # address space of the child: enough for itlsim, far from what a runaway takes


@pytest.fixture()
def scenario(tmp_path: Path) -> Path:
    path = tmp_path / "small.toml"
    path.write_text(SMALL_RUN)
    return path


@pytest.mark.parametrize(("override", "needs"), [
    ("phones.0.count=1000000000", "(phones: 1,000,000,000 phones)"),
    ("simulation.duration=100000000d", "(time series: 28,800,000,001 time-series samples)"),
    ("simulation.resolution=0.0001s", "(time series: 72,000,001 time-series samples)"),
])
@pytest.mark.parametrize("command", ["run", "validate"])
def test_a_run_that_cannot_fit_is_refused_in_one_line_at_once(
        scenario: Path, tmp_path: Path, command: str, override: str, needs: str) -> None:
    started = time.monotonic()
    result = itlsim(command, str(scenario), "--set", override, "--out", str(tmp_path / "out"),
                    timeout=60, memory=CAP) if command == "run" else \
        itlsim(command, str(_overridden(scenario, override)), timeout=60, memory=CAP)
    assert time.monotonic() - started < 30
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "this run needs up to " in result.stderr and needs in result.stderr
    assert result.stderr.endswith("or raise --max-memory\n")
    assert not (tmp_path / "out").exists()


def _overridden(scenario: Path, override: str) -> Path:
    """The scenario with ``override`` written into the file (validate takes no --set)."""
    key, value = override.split("=")
    table, name = key.rsplit(".", 1)
    text = scenario.read_text()
    if table == "phones.0":
        text = text.replace("count = 60", f"count = {value}")
    else:
        text = text.replace("[simulation]\n", f'[simulation]\n{name} = "{value}"\n', 1)
        text = text.replace(f'{name} = "2h"\n', "").replace(f'{name} = "5min"\n', "")
    path = scenario.with_name("runaway.toml")
    path.write_text(text)
    return path


def test_daily_alerts_over_an_absurd_duration_are_refused(scenario: Path) -> None:
    result = itlsim("run", str(scenario), "--set", "simulation.duration=100000000d",
                    "--set", "simulation.resolution=100000000d", timeout=60, memory=CAP)
    assert result.returncode == 2
    assert "(operations: 100,000,003 logged operations and daily alerts)" in result.stderr
    assert "use a shorter [simulation] duration" in result.stderr


def test_output_over_the_limit_suggests_the_event_log_options(scenario: Path,
                                                              tmp_path: Path) -> None:
    out = tmp_path / "out"
    refused = itlsim("run", str(scenario), "--set", "phones.0.count=20000", "--out", str(out),
                     "--max-output", "5MB")
    assert refused.returncode == 2 and not out.exists()
    assert refused.stderr.startswith(f"itlsim: {scenario}: this run writes up to ")
    assert "(event log: up to 200,000 event-log records) but the limit is 5.0 MB; use " \
           "--event-log none (or parquet, a fraction of the size)" in refused.stderr
    fits = itlsim("run", str(scenario), "--set", "phones.0.count=20000", "--out", str(out),
                  "--max-output", "5MB", "--event-log", "none", "--quiet")
    assert fits.returncode == 0, fits.stderr


def test_a_sweep_with_a_runaway_point_is_refused_before_any_run(tmp_path: Path) -> None:
    sweep = tmp_path / "sweep.toml"
    sweep.write_text(sweep_text('[parameters.n]\npath = "phones.0.count"\n'
                                'values = [10, 1000000000]\n'))
    out = tmp_path / "out"
    result = itlsim("sweep", str(sweep), "--workers", "2", "--out", str(out), timeout=60,
                    memory=CAP)
    assert result.returncode == 2
    assert "x 2 workers) but the limit is" in result.stderr
    assert "or raise --max-memory (or use fewer --workers)" in result.stderr
    assert not (out / "sweep.duckdb").exists()


def test_the_estimate_bounds_a_real_runs_memory_and_output(scenario: Path,
                                                           tmp_path: Path) -> None:
    """The per-phone, per-record and per-sample costs are measurements: for a 20,000-phone
    run the estimate is above the peak RSS and the bytes written, and not wildly above."""
    found = estimate(load_scenario(scenario, overrides=["phones.0.count=20000"]))
    measure = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, "
               "capture_output=True); print(resource.getrusage(resource.RUSAGE_CHILDREN)"
               ".ru_maxrss)")  # a fresh parent: its children's peak is this run's
    report = subprocess.run([sys.executable, "-c", measure, sys.executable, "-m", "sim", "run",
                             str(scenario), "--set", "phones.0.count=20000", "--out",
                             str(tmp_path), "--quiet"], check=True, capture_output=True,
                            text=True, timeout=120)
    peak = int(report.stdout) * 1024
    written = sum(p.stat().st_size for p in tmp_path.rglob("*") if p.is_file())
    assert peak < found.peak < 3 * peak
    assert written < found.written < 3 * written


def test_validate_reports_the_estimate(scenario: Path) -> None:
    result = itlsim("validate", str(scenario))
    assert result.returncode == 0
    assert result.stdout.startswith(f"{scenario}: OK - scenario 'small': 1-node 10.5 "
                                    f"non-secure cluster")
    assert "; needs up to 150 MB of memory and writes up to " in result.stdout


@pytest.mark.parametrize(("text", "count"), [("8GB", 8 * 10**9), ("512MiB", 512 * 2**20),
                                             ("2.5g", 2_500_000_000), ("1000", 1000)])
def test_sizes(text: str, count: int) -> None:
    assert parse_size(text) == count


def test_a_bad_size_is_a_usage_error(scenario: Path) -> None:
    result = itlsim("run", str(scenario), "--max-memory", "lots")
    assert result.returncode == 2
    assert "'lots' is not a size; expected e.g. 8GB, 512MB, 2GiB" in result.stderr


def test_size_text() -> None:
    assert [size_text(n) for n in (999, 1_234_567, 12_600_000_000, 1.6e12)] == [
        "999 bytes", "1.2 MB", "12.6 GB", "1.6 TB"]


def test_the_estimate_counts_clusters_csv_with_several_clusters(tmp_path: Path) -> None:
    """A two-cluster run also writes ``clusters.csv`` and the plot's cluster panel: the
    estimate has a part for them, above what they take, and still bounds the whole folder."""
    from sim.output.runjob import run_scenario

    path = Path(__file__).resolve().parents[1] / "scenarios" / "migration-by-hand.toml"
    overrides = ("phones.0.count=80", "phones.1.count=40")
    found = estimate(load_scenario(path, overrides=overrides))
    folder = run_scenario(str(path), overrides=overrides, out=str(tmp_path),
                          progress=False).published.path
    written = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    assert (folder / "clusters.csv").stat().st_size < found.output["clusters"]
    assert written < found.written
    assert "clusters" not in estimate(load_scenario(path.parent / "baseline.toml")).output
