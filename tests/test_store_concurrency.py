"""The sweep store while a sweep runs (issue 9, point 6), with real concurrent processes.

Before: the running sweep held its DuckDB file locked, so ``itlsim plot`` and every reader
failed until it finished; a notebook holding the store open made a resume fail; ``SweepStore``
given a ``str`` raised AttributeError and a mistyped path silently created an empty store.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from cli_helpers import itlsim
from sweep_helpers import sweep_text

from sim.errors import ItlsimError
from sim.sweep import SweepStore

GRID = """
[parameters.tvs_at]
path = "events.1.at"
values = ["20min", "30min", "40min", "50min", "1h", "70min", "80min", "90min"]
[parameters.count]
path = "phones.0.count"
values = [2000, 2500, 3000]
"""
REPLICATIONS = 2
RUNS = 8 * 3 * REPLICATIONS
# Each run takes tens of milliseconds even on a fast machine, so the sweep lasts several of the
# writer's one-second flushes (executors.FLUSH_SECONDS) and a reader sees the count grow.
SMALL = """
[parameters.tvs_at]
path = "events.1.at"
values = ["20min", "30min", "40min", "50min"]
"""


@pytest.fixture()
def sweep_file(tmp_path: Path) -> Path:
    path = tmp_path / "sweep.toml"
    path.write_text(sweep_text(GRID, f"replications = {REPLICATIONS}"))
    return path


@pytest.fixture()
def small_sweep(tmp_path: Path) -> Path:
    path = tmp_path / "small.toml"
    path.write_text(sweep_text(SMALL))
    return path


def start_sweep(sweep_file: Path, out: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "sim", "sweep", str(sweep_file), "--workers",
                             "1", "--out", str(out), "--quiet", *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def stored(out: Path) -> int:
    try:
        return len(SweepStore(str(out)).recorded())
    except ItlsimError as error:
        assert "no sweep store here" in str(error)  # not created yet
        return 0


def test_partial_results_are_readable_and_plottable_while_a_sweep_runs(
        sweep_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    sweep = start_sweep(sweep_file, out)
    seen: list[int] = []
    plot = None
    while sweep.poll() is None:
        seen.append(stored(out))
        if plot is None and 0 < seen[-1] < RUNS:
            plot = subprocess.Popen([sys.executable, "-m", "sim", "plot", str(out), "--kind",
                                     "metric", "--metric", "ever_locked", "--format", "png"],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(0.05)
    _, stderr = sweep.communicate()
    assert sweep.returncode == 0, stderr
    partial = sorted({n for n in seen if 0 < n < RUNS})
    assert len(partial) >= 2, seen  # the count grew while the sweep ran
    assert plot is not None
    plotted = plot.communicate(timeout=60)
    assert (plot.returncode, plotted) == (0, (f"wrote {out / 'plots' / 'metric_ever_locked.png'}"
                                              f"\n", ""))
    assert stored(out) == RUNS


def test_a_notebook_holding_a_store_does_not_break_a_resume(small_sweep: Path,
                                                            tmp_path: Path) -> None:
    """A ``SweepStore`` kept in a notebook's variable holds no lock between calls."""
    out = tmp_path / "out"
    assert itlsim("sweep", str(small_sweep), "--workers", "1", "--out", str(out), "--quiet",
                  "--replications", "1").returncode == 0
    notebook = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from sim.sweep import SweepStore; "
        "store = SweepStore(sys.argv[1]); print(len(store.metrics()), flush=True); "
        "time.sleep(30)"), str(out)], stdout=subprocess.PIPE, text=True)
    try:
        assert notebook.stdout is not None and notebook.stdout.readline() == "4\n"
        resumed = itlsim("sweep", str(small_sweep), "--workers", "1", "--out", str(out),
                         "--quiet", "--replications", "2", timeout=120)
        assert resumed.returncode == 0, resumed.stderr
        assert "4 already stored, 4 run now" in resumed.stdout
        assert notebook.poll() is None  # still holding its SweepStore
    finally:
        notebook.kill()
        notebook.wait()


def test_a_writer_waits_for_a_raw_reader_to_close(small_sweep: Path, tmp_path: Path) -> None:
    """A plain read-only duckdb connection blocks the writer only while it is open."""
    out = tmp_path / "out"
    assert itlsim("sweep", str(small_sweep), "--workers", "1", "--out", str(out), "--quiet",
                  "--replications", "1").returncode == 0
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time, duckdb; con = duckdb.connect(sys.argv[1], read_only=True); "
        "print('open', flush=True); time.sleep(3); con.close()"), str(out / "sweep.duckdb")],
        stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline() == "open\n"
    started = time.monotonic()
    resumed = itlsim("sweep", str(small_sweep), "--workers", "1", "--out", str(out), "--quiet",
                     "--replications", "2", timeout=120)
    holder.wait()
    assert resumed.returncode == 0, resumed.stderr
    assert time.monotonic() - started > 2  # it waited for the lock instead of failing


def test_a_store_opens_from_a_str_and_reading_never_creates_one(tmp_path: Path) -> None:
    missing = tmp_path / "sweeps" / "typo"
    with pytest.raises(ItlsimError, match=r"typo/sweep\.duckdb: no sweep store here"):
        SweepStore(str(missing))
    assert not missing.exists() and not (tmp_path / "sweeps").exists()
    made = SweepStore(str(tmp_path / "new"), read_only=False)
    assert made.path == tmp_path / "new" / "sweep.duckdb" and made.path.is_file()
    assert SweepStore(str(tmp_path / "new")).recorded().empty
    not_a_store = tmp_path / "x.duckdb"
    not_a_store.write_text("hello")
    with pytest.raises(ItlsimError, match=r"x\.duckdb: cannot open the sweep store: "):
        SweepStore(not_a_store)


def test_the_store_lock_is_released_between_calls(tmp_path: Path) -> None:
    store = SweepStore(tmp_path, read_only=False)
    store.recorded()
    duckdb.connect(str(store.path)).close()  # a writer elsewhere could open it now
