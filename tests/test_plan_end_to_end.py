"""The planner end to end on tiny fleets (sim.plan.planner, sim.output.planjob, ``itlsim
plan``): it recommends what the rules make best, beats the naive procedure with separate
intervals, never has a generated step refused, gives the same recommendation and the same
stored numbers when run again, resumes from its store, and writes the results folder."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner
from plan_helpers import RENAME, scaled_example, write_plan
from sweep_helpers import CountingExecutor

from sim.cli import main
from sim.errors import ConfigError
from sim.fleet.run import DEFAULT_ENGINE, ENGINES
from sim.output.planjob import plan_job
from sim.plan.candidates import generate
from sim.plan.evaluate import Evaluator
from sim.plan.planner import PlanResult, run_plan
from sim.plan.recommendation import document
from sim.plan.spec import load_plan
from sim.sweep.store import SweepStore


def planned(plan: Path, out: Path, executor: CountingExecutor | None = None) -> PlanResult:
    with executor or CountingExecutor() as pool:
        return run_plan(load_plan(plan), pool, 2, out)


def stored(out: Path) -> pd.DataFrame:
    """Every stored metric of every run with its seed (NaN where a run reported none)."""
    return SweepStore(out / "plan.duckdb").sql(
        "SELECT m.point_key, m.replication, r.seed, m.metric, m.value FROM metrics m JOIN runs r "
        "USING (point_key, replication) ORDER BY m.point_key, m.replication, m.metric")


@pytest.fixture(scope="module")
def rename(rename_plan: tuple[Path, Path, PlanResult]) -> tuple[Path, Path, PlanResult]:
    """The session's rename plan (conftest.py), searched once for this module and the plan
    report's tests."""
    return rename_plan


def test_the_rename_keeps_the_reset_itl_until_the_phones_that_are_off_are_back(rename) -> None:
    """A4, A6, P9: phones off overnight come back 11-13 h later; only a reset ITL still
    served then recovers them without a technician."""
    _, _, result = rename
    best = result.candidates[result.recommended]
    assert (best.method, best.choices["keep_reset_itl"]) == ("localkey", 14 * 3600.0)
    row = result.row(result.recommended)
    assert row.means["locked_final"] == 0 and row.n == 4
    naive = result.versus["naive"]
    assert naive.verdict.value == "better" and naive.metric == "locked_final"
    assert naive.separated  # the intervals on locked_final do not overlap
    naive_row = result.row(result.references["naive"])
    assert naive_row.outcome["ever_locked"][0] == 40  # every phone locks, none recovers alone
    assert naive_row.means["technician_hours"] > 1 and naive_row.means["locked_final"] > 0


def test_the_share_of_phones_off_that_changes_the_answer(rename) -> None:
    """With no phone off, nobody needs the reset ITL the next morning: keeping it 30 minutes is
    as safe and shorter, so the recommendation loses there; the bisection between none off and
    the base's 10 % finds where it starts to hold (a phone or more off, P2: a returning phone
    locks on the new ITL unless the reset ITL is still served)."""
    _, _, result = rename
    lost = {f.variant.name: f for f in result.fragility if f.verdict == "loses"}
    assert set(lost) == {"offline=0"}
    rival = result.candidates[lost["offline=0"].rival]
    assert (rival.method, rival.choices["keep_reset_itl"]) == ("localkey", 1800.0)
    (boundary,) = result.offline_boundaries
    assert boundary.base == 0.1 and 0 <= boundary.loses < boundary.holds < boundary.base
    assert boundary.holds - boundary.loses == pytest.approx(0.1 / 8)  # three bisections
    assert boundary.at.verdict == "loses" and boundary.at.rival == rival.key
    text = document(result)["offline_boundaries"][0]
    assert (text["holds"], text["rival"]) == (boundary.holds, rival.label)


def test_no_generated_step_is_ever_refused_a1(rename) -> None:
    _, out, _ = rename
    refused = SweepStore(out / "plan.duckdb").sql(
        "SELECT sum(CAST(json_extract(summary, '$.operations.refused') AS INTEGER)) AS n, "
        "count(*) AS runs FROM runs")
    assert int(refused.n[0]) == 0 and int(refused.runs[0]) > 20


def test_the_same_plan_gives_the_same_recommendation_and_numbers(rename, tmp_path: Path
                                                                 ) -> None:
    plan, out, first = rename
    again = planned(plan, tmp_path / "again")
    assert json.dumps(document(again), default=str) == json.dumps(document(first), default=str)
    pd.testing.assert_frame_equal(stored(tmp_path / "again"), stored(out), check_exact=True)


def test_a_rerun_reads_its_runs_back_and_runs_nothing(rename) -> None:
    plan, out, first = rename
    executor = CountingExecutor()
    again = planned(plan, out, executor)
    assert executor.runs == [] and again.runs_executed == 0
    assert again.recommended == first.recommended and again.rows == first.rows


def test_candidates_run_on_the_plans_engine(tmp_path: Path) -> None:
    """``[plan] engine`` reaches the workers: the store's rows name the engine that ran."""
    engine = next(e for e in ENGINES if e != DEFAULT_ENGINE)
    spec = load_plan(write_plan(tmp_path, RENAME), engine=engine)
    with CountingExecutor() as pool:
        evaluator = Evaluator(spec, pool, 2, tmp_path / "out")
        evaluator.add(generate(spec).candidates[:1])
        evaluator.ensure([next(iter(evaluator.candidates))], 2)
    with SweepStore(tmp_path / "out" / "plan.duckdb") as store:
        assert store.recorded().engine.tolist() == [engine] * 2
        assert store.sweep_info()["engine"] == engine


def test_a_plan_refuses_to_resume_on_another_engine(rename, tmp_path: Path) -> None:
    """A plan's store holds one engine's runs: another engine is one line, exit 2, before
    anything is written (the store's bytes stay, no recommendation)."""
    plan, out, _ = rename
    folder = tmp_path / "cli"
    folder.mkdir()
    shutil.copy(out / "plan.duckdb", folder / "plan.duckdb")
    before = (folder / "plan.duckdb").read_bytes()
    recorded = SweepStore(folder / "plan.duckdb").recorded()
    runs = int((recorded.status == "ok").sum())  # failed runs hold no results: never block
    asked = next(e for e in ENGINES if e != DEFAULT_ENGINE)
    result = CliRunner().invoke(main, ["plan", str(plan), "--workers", "1", "--out",
                                       str(folder), "--engine", asked])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        f"itlsim: {folder / 'plan.duckdb'}: {runs} stored runs were made by the "
        f"{DEFAULT_ENGINE} engine, not the {asked} engine asked for; runs of different engines "
        f"are not mixed: pass --engine {DEFAULT_ENGINE} to resume it, else use --out for a new "
        f"folder, or remove the folder to start again\n")
    assert (folder / "plan.duckdb").read_bytes() == before
    assert sorted(p.name for p in folder.iterdir()) == ["plan.duckdb"]


def test_itlsim_plan_writes_the_results_folder(rename, tmp_path: Path) -> None:
    """A results folder holding only the store of an earlier search (its runs are read back,
    so the command reruns nothing but the recommended run)."""
    plan, out, first = rename
    (tmp_path / "cli").mkdir()
    shutil.copy(out / "plan.duckdb", tmp_path / "cli" / "plan.duckdb")
    result = CliRunner().invoke(main, ["plan", str(plan), "--workers", "1", "--out",
                                       str(tmp_path / "cli")])
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "cli" / "recommendation" / "plan-run.json").read_text())[
        "runs_executed_now"] == 0
    assert "recommended: localkey, keep_reset_itl 14h" in result.output
    assert "against the naive procedure: better on locked at the end by 3.75" in result.output
    folder = tmp_path / "cli" / "recommendation"
    doc = json.loads((folder / "recommendation.json").read_text())
    assert doc["recommendation"]["key"] == first.recommended
    assert [s["title"] for s in doc["recommendation"]["steps"]][:3] == [
        "back up ITLRecovery.p12", "set network hostname pub-new", "utils itl reset localkey"]
    text = (folder / "recommendation.txt").read_text()
    assert "type: utils itl reset localkey" in text and "check first: DeviceTLInfo" in text
    ranking = (folder / "ranking.csv").read_text().splitlines()
    assert ranking[0].startswith("rank,key,label,method,role,status,reason,replications")
    assert len(ranking) == 1 + len(first.rows)
    (run,) = (tmp_path / "cli" / "recommended-run").iterdir()
    assert json.loads((run / "summary.json").read_text())["locked_final"] == 0


def test_two_checkouts_give_the_same_bytes(rename, tmp_path: Path) -> None:
    """The same plan in two folders, named by absolute paths: every reproducible output is the
    same bytes (the plan file by its name, the base as the plan names it, as ``itlsim import``
    names its inputs); only ``plan-run.json`` and the run's ``run.json`` (wall time,
    provenance) may differ. The stored runs are copied, so nothing is simulated but the
    recommended run."""
    plan, out, _ = rename
    for checkout in ("a", "b"):
        folder = tmp_path / checkout / "deep" if checkout == "b" else tmp_path / checkout
        (folder / "out").mkdir(parents=True)
        for name in (plan.name, "base.toml"):
            shutil.copy(plan.parent / name, folder / name)
        shutil.copy(out / "plan.duckdb", folder / "out" / "plan.duckdb")
        plan_job(str((folder / plan.name).resolve()), workers=1,
                 out=str((folder / "out").resolve()))
    files = {checkout: {p.relative_to(root): p.read_bytes() for p in sorted(root.rglob("*"))
                        if p.is_file() and p.name not in ("plan-run.json", "run.json",
                                                          "plan.duckdb")}
             for checkout, root in (("a", tmp_path / "a" / "out"),
                                    ("b", tmp_path / "b" / "deep" / "out"))}
    assert Path("recommendation/report.html") in files["a"]
    assert files["a"] == files["b"]
    assert not [name for name, data in files["a"].items() if str(tmp_path).encode() in data]
    doc = json.loads(files["a"][Path("recommendation/recommendation.json")])
    assert (doc["plan"]["file"], doc["plan"]["base"]) == ("plan.toml", "base.toml")


def test_a_plan_no_procedure_can_satisfy_is_written_then_refused(tmp_path: Path) -> None:
    """The localkey procedures reset all 40 phones at once and are left out before running;
    the rollback resets none itself, but CUCM resets every phone that is on (36) after the
    parameter and the rename (A1b, A9): max_phones_down = 30 rules it out after its runs."""
    spec = load_plan(write_plan(tmp_path, RENAME + '\n[constraints]\nmax_phones_down = 30\n'))
    with CountingExecutor() as pool:
        result = run_plan(spec, pool, 2, tmp_path / "out")
    assert result.recommended is None
    assert [c.method for c in result.generated.candidates] == ["rollback"]
    assert "36 phones down at once in replication 0, more than max_phones_down = 30" in \
        document(result)["why_none"]
    with pytest.raises(ConfigError, match=r"\[constraints\]: no procedure can be recommended: "
                                          r"rollback: 36 phones down at once"):
        plan_job(spec.path, workers=1, out=str(tmp_path / "job"))
    assert (tmp_path / "job" / "recommendation" / "ranking.csv").is_file()


def test_scaled_rename_example(tmp_path: Path) -> None:
    plan = scaled_example("rename-publisher-10-5.toml", tmp_path, divisor=25)
    done = plan_job(str(plan), workers=2, out=str(tmp_path / "out"), replications=4)
    doc = done.document
    assert doc["recommendation"]["method"] == "localkey"
    assert doc["recommendation"]["choices"]["keep_reset_itl"] == "14h"
    naive = next(c for c in doc["comparisons"] if c["role"] == "naive")
    assert naive["verdict"] == "better" and naive["intervals_separate"]


def test_scaled_renewal_example(tmp_path: Path) -> None:
    """The renewal example on 80 phones, every choice of the file: TVS last, after the phones
    that were off are back with the new ITL (P5: they check it through a TVS their old ITL
    lists), ITLRecovery by A8 with the reset ITL kept until morning; better than both references
    with separate intervals; with no phone off Cisco's guidance would do (the boundary)."""
    plan = scaled_example("certificate-renewal-12-5.toml", tmp_path, divisor=25)
    doc = plan_job(str(plan), workers=2, out=str(tmp_path / "out"), replications=4).document
    chosen = doc["recommendation"]["choices"]
    assert doc["recommendation"]["method"] == "a8"
    assert chosen["order"].endswith("> TVS") and chosen["keep_reset_itl"] == "14h"
    for versus in doc["comparisons"]:
        assert versus["verdict"] == "better" and versus["intervals_separate"], versus["role"]
    (boundary,) = doc["offline_boundaries"]
    assert boundary["loses"] == 0 and boundary["rival"] == "Cisco's default guidance (= a8)"


@pytest.fixture(scope="module")
def migration(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """The migration example on 60 phones, planned once: its results folder and document."""
    folder = tmp_path_factory.mktemp("migration")
    plan = scaled_example("migration-old-to-new.toml", folder, divisor=10)
    done = plan_job(str(plan), workers=2, out=str(folder / "out"), replications=4)
    return folder / "out", done.document


def test_scaled_migration_example(migration: tuple[Path, dict[str, Any]]) -> None:
    """The migration example on 60 phones: Bulk Certificate Management (TN 215539), which is
    Cisco's default guidance, beats moving without preparation with separate intervals; the
    rollback (A9) reaches only the phones that are on, so the 6 that come back on Monday need
    a technician."""
    _, doc = migration
    assert doc["recommendation"]["method"] == "bulk"
    assert doc["recommendation"]["predicted"]["locked_final"]["mean"] == 0
    assert doc["recommendation"]["predicted"]["technician_hours"]["mean"] == 0
    naive = next(c for c in doc["comparisons"] if c["role"] == "naive")
    assert naive["verdict"] == "better" and naive["intervals_separate"]
    titles = [s["title"] for s in doc["recommendation"]["steps"]]
    assert titles[:3] == ["device records for wards on new", "Bulk Certificate Export on new",
                          "Bulk Certificate Export on old"]
    assert titles[-1] == "move wards to new"
    steps = doc["recommendation"]["steps"]
    assert steps[4]["cli"] == ["set cert bulk import all"]
    assert steps[4]["checks"] == ["Consolidate finished: the consolidated file is in the SFTP "
                                  "directory (A13)"]
    assert any("source's TVS nodes stay up" in c for c in steps[-1]["checks"])  # P5c
    rollback = [r for r in doc["ranking"] if r["method"] == "rollback"]
    assert rollback and all(r["objective"]["technician_hours"]["mean"] > 0 for r in rollback)


def test_a_dask_cluster_gives_the_same_recommendation_and_numbers(rename, tmp_path: Path
                                                                  ) -> None:
    """The same runs on Dask's executor: the plan is the same plan wherever it runs."""
    from distributed import LocalCluster

    from sim.sweep.executors import open_executor

    plan, out, first = rename
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, \
            open_executor(scheduler=cluster.scheduler_address) as (executor, slots):
        dask = run_plan(load_plan(plan), executor, slots, tmp_path / "dask")
    assert json.dumps(document(dask), default=str) == json.dumps(document(first), default=str)
    pd.testing.assert_frame_equal(stored(tmp_path / "dask"), stored(out), check_exact=True)


def test_a_recommendation_that_locks_nothing_says_none_locked_i64(
        migration: tuple[Path, dict[str, Any]]) -> None:
    """Bulk Certificate Management locks no phone, so the 99 % recovery time is null in every
    replication: the planner ranks it as 0 (I64), but the document marks it and the text and
    the page say "none locked", never "0s" (which reads as phones back at once)."""
    out, doc = migration
    predicted = doc["recommendation"]["predicted"]
    assert predicted["ever_locked"]["mean"] == 0
    recovery = predicted["time_to_99pct_locked_recovered_s"]
    assert recovery["mean"] == 0 and recovery["nothing"] == {"replications": 4, "of": 4}
    assert "nothing" not in predicted["locked_final"]
    text = (out / "recommendation" / "recommendation.txt").read_text()
    assert "  99% of locked phones back: none locked\n" in text
    assert "99% of locked phones back: 0s" not in text
    page = (out / "recommendation" / "report.html").read_text()
    card = re.search(r'data-metric="time_to_99pct_locked_recovered_s" data-value="0.0">\s*'
                     r'<div class="label">[^<]*</div>\s*<div class="value">([^<]*)<', page)
    assert card is not None and card[1] == "none locked"
