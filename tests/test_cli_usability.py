"""Small things a user trips on (issue 9, point 8): progress bars only on a terminal, --json,
--quiet, validate for every kind of file, plot's --format against --out, the README synopsis.

``-h`` and ``python -m sim`` are in test_exit_codes.py; the Dask extra in test_dependencies.py.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest
from cli_helpers import ROOT, SMALL_RUN, itlsim
from click.testing import CliRunner
from sweep_helpers import sweep_text

from sim.cli import main


@pytest.fixture()
def slow(tmp_path: Path) -> Path:
    """A run of several seconds on any machine (80,000 phones, 160,000 boots; 30,000 took
    1.7 s on an idle core): tqdm shows its bar after 2 s."""
    path = tmp_path / "slow.toml"
    path.write_text(SMALL_RUN.replace("count = 60", "count = 80000"))
    return path


def run_with_stderr_on_a_terminal(args: list[str]) -> str:
    """Run ``python -m sim ARGS`` with stderr on an 80-column pseudo-terminal; what it wrote
    there."""
    leader, follower = os.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    process = subprocess.Popen([sys.executable, "-m", "sim", *args], stdout=subprocess.DEVNULL,
                               stderr=follower)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=120)
    os.close(leader)
    return b"".join(chunks).decode(errors="replace")


def test_progress_bars_go_to_a_terminal_only(slow: Path, tmp_path: Path) -> None:
    """A piped log got tqdm's \\r updates; now only a terminal does (both run at once)."""
    piped = subprocess.Popen([sys.executable, "-m", "sim", "run", str(slow), "--out",
                              str(tmp_path / "a")], stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
    shown = run_with_stderr_on_a_terminal(["run", str(slow), "--out", str(tmp_path / "b")])
    _, stderr = piped.communicate(timeout=120)
    assert piped.returncode == 0 and stderr == ""
    assert "\r" in shown and "sim-s" in shown


def test_run_json_prints_the_summary_and_quiet_says_where(tmp_path: Path) -> None:
    scenario = tmp_path / "small.toml"
    scenario.write_text(SMALL_RUN)
    as_json = itlsim("run", str(scenario), "--out", str(tmp_path), "--json")
    (folder,) = (tmp_path / "small").iterdir()
    assert json.loads(as_json.stdout) == json.loads((folder / "summary.json").read_text())
    assert as_json.stderr == f"itlsim: results: {folder}\n"
    quiet = CliRunner().invoke(main, ["run", str(scenario), "--out", str(tmp_path / "q"),
                                      "--quiet"])
    assert quiet.stdout.startswith(f"results: {tmp_path / 'q' / 'small'}/seed3-")
    assert quiet.stdout.count("\n") == 1


def test_validate_recognises_cluster_and_sweep_files(tmp_path: Path) -> None:
    cluster = CliRunner().invoke(main, ["validate", str(ROOT / "scenarios" /
                                                        "seed-cluster.toml")])
    assert cluster.exit_code == 0, cluster.output
    assert cluster.stdout.endswith("OK - cluster file 'test10': 2-node 10.0 non-secure cluster, "
                                   "TFTP on test10pub, test10sub (make-itl --node NAME)\n")
    sweep = tmp_path / "sweep.toml"
    sweep.write_text(sweep_text('[parameters.n]\npath = "phones.0.count"\nvalues = [10, 20]\n',
                                "replications = 2"))
    checked = CliRunner().invoke(main, ["validate", str(sweep)])
    assert checked.exit_code == 0, checked.output
    assert re.match(rf"{re.escape(str(sweep))}: OK - sweep 'sweep': 2 points x 2 replications "
                    rf"= 4 runs of .*tiny\.toml; a run needs up to [\d.]+ MB of memory, the "
                    rf"store up to [\d.]+ kB\n$", checked.stdout)
    broken = tmp_path / "broken.toml"
    broken.write_text(sweep.read_text().replace("values", "valus"))
    refused = CliRunner().invoke(main, ["validate", str(broken)])
    assert refused.exit_code == 2 and "unknown key 'valus'; did you mean 'values'?" in \
        refused.stderr


def test_plot_format_must_match_the_out_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["plot", str(tmp_path), "--format", "svg", "--out",
                                       str(tmp_path / "x.png")])
    assert result.exit_code == 2
    assert (f"--format svg does not match --out {tmp_path / 'x.png'}: one file is written in "
            f"the format its suffix names") in result.stderr
    assert not (tmp_path / "x.png").exists()


def _options(command: str) -> set[str]:
    return {opt for param in main.commands[command].params  # type: ignore[attr-defined]
            for opt in param.opts if opt.startswith("--") and opt != "--help"}


@pytest.mark.parametrize("command", ["run", "validate", "make-itl", "show-itl", "show-ctl",
                                     "sweep", "plan", "plot"])
def test_the_readme_synopsis_lists_every_option(command: str) -> None:
    readme = (ROOT / "README.md").read_text()
    line = next(row for row in readme.splitlines()
                if row.startswith("| `itlsim") and f"`itlsim {command} " in row)
    assert {opt for opt in _options(command) if opt not in line} == set()


def test_the_readme_and_the_sweep_header_give_one_timing() -> None:
    header = (ROOT / "scenarios" / "sweeps" / "regen_gap_vs_offline.toml").read_text()
    (in_header,) = re.findall(r"\(2 cores: ([\d-]+ s),", header)
    readme = (ROOT / "README.md").read_text()
    (in_readme,) = re.findall(r"regen_gap_vs_offline\.toml +# 72 runs, ([\d-]+ s) on 2 cores",
                              readme)
    assert in_header == in_readme
