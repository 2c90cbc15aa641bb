"""Exit codes (issue 9, point 4): 0 ok, 1 a signature that does not verify, 2 bad input, 130 a
clean stop after Ctrl-C (143 after SIGTERM), 70 an internal error with its traceback in a file;
``-h`` is help.

Before the fix, crashes and Ctrl-C also exited 1, the code of a verification failure.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from cli_helpers import SMALL_RUN, itlsim
from click.testing import CliRunner
from sweep_helpers import sweep_text
from test_store_concurrency import GRID, REPLICATIONS, RUNS

import sim
import sim.output.runjob
from sim.cli import main
from sim.errors import EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_TERMINATED
from sim.sweep import SweepStore


def as_in_a_terminal() -> None:
    """Ctrl-C's default in the child, as in a terminal: a shell without job control (a CI
    script's ``cmd &``) starts background commands with SIGINT ignored, and Python keeps it
    ignored, so the tests would not send what a user's terminal sends."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_an_internal_error_exits_70_and_names_its_traceback_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("division by zero in a job")

    monkeypatch.setattr(sim.output.runjob, "run_scenario", broken)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    scenario = tmp_path / "small.toml"
    scenario.write_text(SMALL_RUN)
    result = CliRunner().invoke(main, ["run", str(scenario)])
    assert result.exit_code == EXIT_INTERNAL == 70
    (report,) = tmp_path.glob("itlsim-crash-*.txt")
    assert result.stderr == (f"itlsim: internal error (ZeroDivisionError: division by zero in a "
                             f"job); the full traceback is in {report}; please report it with "
                             f"that file\n")
    text = report.read_text()
    assert "Traceback (most recent call last)" in text and "in broken" in text


@pytest.mark.parametrize(("signum", "code", "line"), [
    (signal.SIGINT, EXIT_INTERRUPTED, "itlsim: interrupted; stopped cleanly (no half-written "
                                      "result is left)\n"),
    (signal.SIGTERM, EXIT_TERMINATED, "itlsim: terminated (SIGTERM); stopped cleanly (no "
                                      "half-written result is left)\n")])
def test_ctrl_c_and_kill_exit_after_a_clean_stop(tmp_path: Path, signum: int, code: int,
                                                 line: str) -> None:
    """SIGINT (130) or SIGTERM (143) while simulating: one line, no results folder and no
    staging left."""
    scenario = tmp_path / "big.toml"
    scenario.write_text(SMALL_RUN.replace("count = 60", "count = 200000"))
    out = tmp_path / "out"
    process = subprocess.Popen([sys.executable, "-m", "sim", "run", str(scenario), "--out",
                                str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, preexec_fn=as_in_a_terminal)
    time.sleep(4)  # imports, loading, and well into the simulation
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=60)
    assert (process.returncode, stderr) == (code, line)
    assert code == 128 + signum
    assert not out.exists() or not any(out.rglob("*.json"))
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_bad_signature_still_exits_1_and_bad_input_2(tmp_path: Path, real_itl: Path) -> None:
    bad = tmp_path / "ITLFile.tlv"
    data = bytearray(real_itl.read_bytes())
    data[200] ^= 0xFF
    bad.write_bytes(bytes(data))
    assert itlsim("show-itl", str(bad)).returncode == 1
    assert itlsim("show-itl", str(tmp_path / "missing.tlv")).returncode == 2
    assert itlsim("run", "--no-such-option").returncode == 2


@pytest.mark.parametrize("args", [["-h"], ["run", "-h"], ["sweep", "-h"]])
def test_dash_h_is_help(args: list[str]) -> None:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0 and result.stdout.startswith("Usage: ")


def test_python_dash_m_sim_is_itlsim() -> None:
    result = itlsim("--version")
    assert (result.returncode, result.stdout) == (0, f"itlsim, version "
                                                     f"{sim.__version__}\n")


def test_ctrl_c_stops_a_sweep_with_130_and_keeps_its_finished_runs(tmp_path: Path) -> None:
    """SIGINT to the whole process group, as a terminal sends it: the parent and the worker
    processes stop; the runs already written stay, and rerunning the command completes."""
    sweep = tmp_path / "sweep.toml"
    sweep.write_text(sweep_text(GRID, f"replications = {REPLICATIONS}"))
    out = tmp_path / "out"
    command = [sys.executable, "-m", "sim", "sweep", str(sweep), "--workers", "2", "--out",
               str(out), "--quiet"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, start_new_session=True, preexec_fn=as_in_a_terminal)
    while not (out / "sweep.duckdb").is_file() or SweepStore(out).recorded().empty:
        assert process.poll() is None, process.communicate()  # still running: mid-sweep
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGINT)  # workers are up and runs are being stored
    _, stderr = process.communicate(timeout=120)
    assert (process.returncode, stderr) == (EXIT_INTERRUPTED, "itlsim: interrupted; stopped "
                                                              "cleanly (no half-written result "
                                                              "is left)\n")
    kept = len(SweepStore(out).recorded())
    assert kept < RUNS
    resumed = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{kept} already stored, {RUNS - kept} run now" in resumed.stdout
