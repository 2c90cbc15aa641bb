"""Running sweeps: reproducibility, common random numbers, resume, more replications, failures,
provenance checks. Runs go through in-process thread executors (fast, and monkeypatches apply);
the process pool and Dask are tested in test_sweep_cli.py and test_sweep_dask.py."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from sweep_helpers import BASE, CountingExecutor, sweep_text

import sim.sweep.provenance
import sim.sweep.task
from sim.errors import ItlsimError
from sim.fleet.run import DEFAULT_ENGINE, ENGINES
from sim.sweep.provenance import Provenance
from sim.sweep.runner import SweepReport, run_sweep
from sim.sweep.seeds import replication_seed, replication_seeds
from sim.sweep.spec import SweepSpec, load_sweep
from sim.sweep.store import SweepStore

GRID = """
[parameters.tvs_at]
path = "events.1.at"
values = ["20min", "1h"]
[parameters.technicians]
path = "recovery.technicians"
values = [0, 2]
"""


def spec_of(tmp_path: Path, header: str = "replications = 2", body: str = GRID) -> SweepSpec:
    path = tmp_path / "sweep.toml"
    path.write_text(sweep_text(body, header))
    return load_sweep(path)


def sweep(spec: SweepSpec, out: Path, executor: CountingExecutor | None = None,
          **options) -> SweepReport:
    with executor or CountingExecutor() as pool:
        return run_sweep(spec, pool, slots=2, out=out, progress=False, **options)


def numbers(out: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    with SweepStore.open(out, read_only=True) as store:
        runs = store.sql("SELECT point_key, replication, seed, status, scenario_hash FROM runs "
                         "ORDER BY ALL")
        series = store.sql("SELECT * FROM series ORDER BY ALL")
        return store.metrics(), runs, series


def test_the_same_root_seed_reproduces_every_number(tmp_path: Path) -> None:
    spec = spec_of(tmp_path)
    first = sweep(spec, tmp_path / "a")
    sweep(spec, tmp_path / "b")
    assert (first.planned, first.executed, first.failed) == (8, 8, 0)
    a, b = numbers(tmp_path / "a"), numbers(tmp_path / "b")
    for left, right in zip(a, b, strict=True):
        pd.testing.assert_frame_equal(left, right)
    assert a[0]["ever_locked"].sum() > 0  # the runs did something
    assert (tmp_path / "a" / "stats.csv").read_text() == (tmp_path / "b" / "stats.csv").read_text()


def test_replications_use_common_random_numbers(tmp_path: Path) -> None:
    spec = spec_of(tmp_path, "replications = 3\nroot_seed = 11")
    sweep(spec, tmp_path / "out")
    runs = numbers(tmp_path / "out")[1]
    seeds = runs.groupby("replication").seed.unique()
    assert [list(s) for s in seeds] == [[s] for s in replication_seeds(11, 3)]  # CRN
    assert len(set(replication_seeds(11, 3))) == 3  # independent streams
    assert replication_seeds(11, 5)[:3] == replication_seeds(11, 3)
    assert replication_seed(12, 0) != replication_seed(11, 0)
    child = np.random.SeedSequence(11).spawn(3)[2]
    assert replication_seed(11, 2) == int(child.generate_state(1, np.uint64)[0] >> np.uint64(1))
    # same replication, same draws: the points differing only in technicians (which never
    # start before the TVS regeneration at 20 min) lock the same phones
    metrics = numbers(tmp_path / "out")[0]
    early = metrics[metrics.tvs_at == 1200].pivot(index="replication", columns="technicians",
                                                  values="ever_locked")
    assert early[0].tolist() == early[2].tolist()


def test_streams_are_independent() -> None:
    draws = [np.random.default_rng(replication_seed(1, r)).random(5000) for r in range(4)]
    correlations = np.corrcoef(draws)[np.triu_indices(4, 1)]
    assert np.abs(correlations).max() < 0.05


def test_an_interrupted_sweep_resumes_with_only_the_missing_runs(tmp_path: Path) -> None:
    spec = spec_of(tmp_path, "replications = 4")
    with pytest.raises(KeyboardInterrupt):
        sweep(spec, tmp_path / "out", CountingExecutor(workers=1, stop_after=6))
    stored = set(map(tuple, numbers(tmp_path / "out")[1][["point_key", "replication"]].values))
    assert 0 < len(stored) < 16
    again = CountingExecutor()
    report = sweep(spec, tmp_path / "out", again)
    assert len(again.runs) == len(set(again.runs)) == 16 - len(stored)
    assert set(again.runs).isdisjoint(stored)
    assert (report.stored_before, report.executed) == (len(stored), 16 - len(stored))
    pd.testing.assert_frame_equal(numbers(tmp_path / "out")[0],
                                  (sweep(spec, tmp_path / "fresh"), numbers(tmp_path / "fresh"))
                                  [1][0])


def test_more_replications_add_runs_and_keep_the_old(tmp_path: Path) -> None:
    sweep(spec_of(tmp_path), tmp_path / "out")
    before = numbers(tmp_path / "out")[0]
    more = CountingExecutor()
    report = sweep(spec_of(tmp_path, "replications = 3"), tmp_path / "out", more)
    assert sorted(r for _, r in more.runs) == [2, 2, 2, 2]
    assert (report.stored_before, report.executed) == (8, 4)
    after = numbers(tmp_path / "out")[0]
    pd.testing.assert_frame_equal(after[after.replication < 2].reset_index(drop=True), before)
    assert sweep(spec_of(tmp_path, "replications = 3"), tmp_path / "out").executed == 0


def test_a_failing_run_is_recorded_and_the_sweep_goes_on(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    real = sim.sweep.task.simulate
    bad_seed = replication_seed(1, 1)

    def flaky(scenario, **kwargs):
        if scenario.seed == bad_seed and scenario.recovery.technicians == 2:
            raise RuntimeError("injected\nfault")
        return real(scenario, **kwargs)

    monkeypatch.setattr(sim.sweep.task, "simulate", flaky)
    spec = spec_of(tmp_path)
    report = sweep(spec, tmp_path / "out")
    assert (report.executed, report.failed) == (8, 2)
    with SweepStore.open(tmp_path / "out", read_only=True) as store:
        runs = store.runs()
        assert len(store.metrics()) == 6
    failed = runs[runs.status == "failed"]
    assert failed.technicians.tolist() == [2, 2] and failed.replication.tolist() == [1, 1]
    assert failed.error.iloc[0].startswith("RuntimeError: injected fault (at test_sweep.py:")
    assert sweep(spec, tmp_path / "out").executed == 0  # failures are not rerun by default
    monkeypatch.setattr(sim.sweep.task, "simulate", real)
    retry = CountingExecutor()
    report = sweep(spec, tmp_path / "out", retry, retry_failed=True)
    assert (report.executed, report.failed, len(retry.runs)) == (2, 0, 2)


def test_resuming_with_other_code_is_refused_unless_allowed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sweep(spec_of(tmp_path), tmp_path / "out")
    other = Provenance("9.9.9", "0123456789abcdef", "feedface" * 8)
    monkeypatch.setattr("sim.sweep.runner.current", lambda: other)
    more = spec_of(tmp_path, "replications = 3")
    with pytest.raises(ItlsimError) as info:
        sweep(more, tmp_path / "out")
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{tmp_path / 'out' / 'sweep.duckdb'}: 8 stored runs were made by "
                              f"itlsim 0.1.0 (revision ")
    assert message.endswith("this is itlsim 9.9.9 (revision 01234567, code feedface); results "
                            "of different code are not mixed: use --out for a new store, or "
                            "--allow-mixed to add runs to this one anyway")
    assert sweep(more, tmp_path / "out", allow_mixed=True).executed == 4


def test_a_worker_with_other_code_is_refused(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sim.sweep.task, "current", lambda: Provenance("9.9.9", None, "0" * 64))
    with pytest.raises(ItlsimError, match=r"a worker runs itlsim 9\.9\.9 \(revision unknown"):
        sweep(spec_of(tmp_path), tmp_path / "out")


def test_a_worker_at_another_revision_with_the_same_code_is_accepted(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mine = sim.sweep.provenance.current()
    moved = Provenance(mine.version, "f" * 40, mine.code)  # e.g. a README-only commit
    monkeypatch.setattr(sim.sweep.task, "current", lambda: moved)
    assert sweep(spec_of(tmp_path), tmp_path / "out").failed == 0


def test_a_changed_scenario_or_root_seed_is_refused(tmp_path: Path) -> None:
    base = tmp_path / "base.toml"
    base.write_text(BASE.read_text())
    path = tmp_path / "sweep.toml"
    path.write_text(f'[sweep]\nbase = "base.toml"\nreplications = 1\n{GRID}')
    sweep(load_sweep(path), tmp_path / "out")
    with pytest.raises(ItlsimError, match=r"the root seed changed \(stored runs use root seed 1, "
                                          r"this sweep 5\)"):
        sweep(load_sweep(path, root_seed=5), tmp_path / "out")
    base.write_text(BASE.read_text().replace("count = 50", "count = 51"))
    with pytest.raises(ItlsimError, match=r"the scenario of point 0 \(tvs_at='20min', "
                                          r"technicians=0\) replication 0 changed since it was "
                                          r"stored: the base scenario"):
        sweep(load_sweep(path), tmp_path / "out")
    assert sweep(load_sweep(path, replications=2), tmp_path / "out",
                 allow_mixed=True).executed == 4


def test_longest_runs_go_first_with_a_progress_bar(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)  # the bar is drawn on terminals
    spec = spec_of(tmp_path, "replications = 2", '[parameters.phones]\npath = "phones.0.count"\n'
                                                 'values = [20, 200, 80]\n')
    order = CountingExecutor(workers=1)
    with order:
        run_sweep(spec, order, slots=1, out=tmp_path / "out", progress=True)
    phones = {p.key: p.raw["phones"] for p in spec.points}
    assert [phones[key] for key, _ in order.runs] == [200, 200, 80, 80, 20, 20]
    assert re.search(r"100%\|█+\| \[\d\d:\d\d elapsed, ETA 00:00, 6/6 runs, 0 failed\]$",
                     capsys.readouterr().err.splitlines()[-1])


def other_engine(engine: str) -> str:
    return next(e for e in ENGINES if e != engine)


def test_the_store_records_the_engine_that_ran_each_run(tmp_path: Path) -> None:
    """``[sweep] engine``: every run's row names the engine the worker ran (the run result's
    own record, ``RunResult.engine``), and the sweep's description names it too."""
    for engine in ENGINES:
        sweep(spec_of(tmp_path, f'replications = 2\nengine = "{engine}"'), tmp_path / engine)
        with SweepStore.open(tmp_path / engine) as store:
            assert store.recorded().engine.tolist() == [engine] * 8
            assert store.sql("SELECT DISTINCT engine FROM runs").engine.tolist() == [engine]
            assert store.sweep_info()["engine"] == engine


def test_resuming_with_another_engine_is_refused_and_writes_nothing(tmp_path: Path) -> None:
    """Runs of the two engines agree statistically, not run for run, so a store holds one
    engine's runs: another engine is refused in one line (which store, which engine it holds,
    which was asked, what to do) before anything is written; ``allow_mixed`` admits it and
    every row still says which engine made it."""
    out = tmp_path / "out"
    sweep(spec_of(tmp_path), out)  # no engine key: the default engine
    asked = other_engine(DEFAULT_ENGINE)
    before = ((out / "sweep.duckdb").read_bytes(), (out / "stats.csv").read_bytes())
    more = f'replications = 3\nengine = "{asked}"'
    with pytest.raises(ItlsimError) as info:
        sweep(spec_of(tmp_path, more), out)
    assert str(info.value) == (
        f"{out / 'sweep.duckdb'}: 8 stored runs were made by the {DEFAULT_ENGINE} engine, not "
        f"the {asked} engine asked for; runs of different engines are not mixed: pass --engine "
        f"{DEFAULT_ENGINE} to resume it, else use --out for a new store, or --allow-mixed to "
        f"add {asked} runs to this one anyway")
    assert ((out / "sweep.duckdb").read_bytes(), (out / "stats.csv").read_bytes()) == before
    assert sweep(spec_of(tmp_path, more), out, allow_mixed=True).executed == 4
    with SweepStore.open(out) as store:
        assert store.recorded().engine.value_counts().to_dict() == {DEFAULT_ENGINE: 8,
                                                                    asked: 4}
        assert store.sweep_info()["engine"] == asked  # the last invocation's


def test_a_store_older_than_recorded_engines_holds_agents_runs(tmp_path: Path) -> None:
    """A store written before engines were recorded (no ``engine`` column, no ``engine`` key)
    was made by the agents engine, the only one there was: resuming it with cohort is refused,
    with agents it resumes, and the column is added for the new runs."""
    out = tmp_path / "out"
    sweep(spec_of(tmp_path, 'replications = 2\nengine = "agents"'), out)
    with duckdb.connect(str(out / "sweep.duckdb")) as con:  # as an older itlsim left it
        con.execute("ALTER TABLE runs DROP COLUMN engine")
        con.execute("DELETE FROM sweep WHERE key = 'engine'")
    with SweepStore.open(out) as store:
        assert store.recorded().engine.tolist() == ["agents"] * 8
    with pytest.raises(ItlsimError, match=r": 8 stored runs were made by the agents engine, not "
                                          r"the cohort engine asked for; .* pass --engine agents "):
        sweep(spec_of(tmp_path, 'replications = 3\nengine = "cohort"'), out)
    assert sweep(spec_of(tmp_path, 'replications = 3\nengine = "agents"'), out).executed == 4
    with SweepStore.open(out) as store:
        stored = store.sql("SELECT coalesce(engine, 'not recorded') AS engine, count(*) AS n "
                           "FROM runs GROUP BY ALL ORDER BY ALL")
        assert stored.to_dict("list") == {"engine": ["agents", "not recorded"], "n": [4, 8]}
        assert store.recorded().engine.tolist() == ["agents"] * 12
