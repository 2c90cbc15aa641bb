"""`itlsim sweep` and `itlsim plot` on the command line, with the local process pool."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sweep_helpers import sweep_text

from sim.cli import main
from sim.fleet.run import DEFAULT_ENGINE, ENGINES
from sim.sweep.store import SweepStore

BODY = """
[parameters.cm_at]
path = "events.0.at"
values = ["10min", "20min"]
[parameters.tvs_at]
path = "events.1.at"
values = ["15min", "1h"]
"""


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


@pytest.fixture()
def sweep_file(tmp_path: Path) -> Path:
    path = tmp_path / "gap.toml"
    path.write_text(sweep_text(BODY, 'replications = 2\nconstraint = "tvs_at >= cm_at + 300"'))
    return path


def test_dry_run_prints_the_points(sweep_file: Path, tmp_path: Path) -> None:
    result = run("sweep", str(sweep_file), "--dry-run", "--out", str(tmp_path / "out"))
    assert (result.exit_code, result.stderr) == (0, "")
    lines = result.stdout.splitlines()
    assert lines[1:] == [
        "3 points (1 dropped by the constraint 'tvs_at >= cm_at + 300') x 2 replications = "
        f"6 runs, root seed 1, engine {DEFAULT_ENGINE}",
        f"store {tmp_path / 'out' / 'sweep.duckdb'}: 0 of these runs stored, 6 to run",
        " point cm_at tvs_at  phones stored",
        "     0 10min  15min      60    0/2",
        "     1 10min     1h      60    0/2",
        "     2 20min     1h      60    0/2"]
    assert not (tmp_path / "out").exists()


def test_sweep_with_the_process_pool_then_plot(sweep_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run("sweep", str(sweep_file), "--workers", "2", "--out", str(out), "--quiet")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout.startswith("sweep gap: 3 points x 2 replications = 6 runs; 0 already "
                                    "stored, 6 run now (0 failed) in ")
    assert (out / "sweep.duckdb").is_file() and (out / "stats.csv").is_file()
    again = run("sweep", str(sweep_file), "--dry-run", "--out", str(out), "--replications", "3")
    assert f"store {out / 'sweep.duckdb'}: 6 of these runs stored, 3 to run" in again.stdout
    plotted = run("plot", str(out), "--kind", "heatmap", "--metric", "ever_locked",
                  "--format", "svg")
    assert (plotted.exit_code, plotted.stdout) == (0, f"wrote {out / 'plots'}/"
                                                      f"heatmap_ever_locked.svg\n")


def test_errors_are_one_line(sweep_file: Path, tmp_path: Path) -> None:
    sweep_file.write_text(sweep_file.read_text().replace('values = ["15', 'valus = ["15'))
    result = run("sweep", str(sweep_file), "--dry-run")
    assert result.exit_code == 2
    assert result.stderr == (f"itlsim: {sweep_file}:11 [parameters.tvs_at.valus]: unknown key "
                             f"'valus'; did you mean 'values'? (valid keys: path, values, zip, "
                             f"expr, label, unit, categorical, value_labels)\n")
    both = run("sweep", str(sweep_file), "--workers", "1", "--scheduler", "tcp://x:1")
    assert both.exit_code == 2 and "--workers and --scheduler exclude each other" in both.stderr
    missing = run("plot", str(tmp_path / "nothing"))
    assert missing.exit_code == 2
    assert missing.stderr == (f"itlsim: {tmp_path / 'nothing' / 'sweep.duckdb'}: no sweep store "
                              f"here (run `itlsim sweep` first)\n")


def test_the_engine_of_the_file_the_command_line_and_a_refused_resume(sweep_file: Path,
                                                                       tmp_path: Path) -> None:
    """``[sweep] engine`` runs every run on that engine, ``--engine`` wins over it, and a
    resume on another engine than the store's runs is one line, exit 2, nothing written."""
    held = next(e for e in ENGINES if e != DEFAULT_ENGINE)
    sweep_file.write_text(sweep_file.read_text().replace("replications = 2",
                                                         f'replications = 2\nengine = "{held}"'))
    out = tmp_path / "out"
    assert run("sweep", str(sweep_file), "--workers", "1", "--out", str(out),
               "--quiet").exit_code == 0
    with SweepStore.open(out) as store:
        assert store.recorded().engine.tolist() == [held] * 6
    store_file = out / "sweep.duckdb"
    before = (store_file.read_bytes(), (out / "stats.csv").read_bytes())
    refused = run("sweep", str(sweep_file), "--workers", "1", "--out", str(out),
                  "--replications", "3", "--engine", DEFAULT_ENGINE)
    assert (refused.exit_code, refused.stdout) == (2, "")
    assert refused.stderr == (
        f"itlsim: {store_file}: 6 stored runs were made by the {held} engine, not the "
        f"{DEFAULT_ENGINE} engine asked for; runs of different engines are not mixed: pass "
        f"--engine {held} to resume it, else use --out for a new store, or --allow-mixed to add "
        f"{DEFAULT_ENGINE} runs to this one anyway\n")
    assert (store_file.read_bytes(), (out / "stats.csv").read_bytes()) == before
    dry = run("sweep", str(sweep_file), "--dry-run", "--out", str(out), "--engine",
              DEFAULT_ENGINE)
    assert dry.stdout.splitlines()[2] == (
        f"store {store_file}: 6 of these runs stored, 0 to run; stored runs were made by the "
        f"{held} engine, so running this with {DEFAULT_ENGINE} is refused without "
        f"--allow-mixed")
    fresh = run("sweep", str(sweep_file), "--workers", "1", "--out", str(tmp_path / "fresh"),
                "--quiet", "--engine", DEFAULT_ENGINE)
    assert fresh.exit_code == 0
    with SweepStore.open(tmp_path / "fresh") as store:
        assert store.recorded().engine.tolist() == [DEFAULT_ENGINE] * 6


def test_sweep_and_plan_help_say_what_the_engine_defaults_to() -> None:
    """``--engine`` is "not given" by default (the file's key may decide), so its help names
    the default instead of click's ``[default: ...]``."""
    for command, table in (("sweep", "sweep"), ("plan", "plan")):
        text = " ".join(run(command, "--help").stdout.split())
        assert (f"Overrides [{table}] engine; default: that key, else {DEFAULT_ENGINE}."
                in text), text
