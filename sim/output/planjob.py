"""``itlsim plan``: search a plan file's procedures and write the recommendation.

The results folder (``results/plans/<plan name>/`` or ``--out``) holds

- ``plan.duckdb``: every run, in the sweep store's layout (``sim.sweep.store``), written in
  transactions as runs finish, so a stopped plan resumes and a rerun reads its runs back;
- ``recommendation/``: ``report.html`` (the recommendation as a self-contained page,
  ``sim.output.planreport``; ``itlsim report`` on the plan folder writes it again),
  ``recommendation.json`` (the document of ``sim.plan.recommendation``, what the page renders),
  ``recommendation.txt`` (the same as text: the procedure step by step with its CUCM commands
  and checks), ``ranking.csv`` (every candidate: status, why it was
  dropped, replications, mean and 95 % interval of each objective metric) and
  ``candidates.json`` (every candidate's choices and scenario events); published all or
  nothing (``sim.output.publish``), ``plan-run.json`` (wall time, runs executed now) is the
  only file that differs between identical reruns;
- ``recommended-run/<run id>/``: the recommended procedure simulated once with the first
  replication's seed, a run folder like ``itlsim run`` writes (``recovery.png``,
  ``summary.json``, ...), so the run's own report can be made from it.
"""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.errors import ConfigError
from sim.fleet.run import simulate
from sim.output.planreport import RUNS, render_plan
from sim.output.plantext import ranking_text, recommendation_text
from sim.output.publish import Published, publish_folder
from sim.output.reportdata import read_run
from sim.output.runfolder import run_id, write_run
from sim.plan.planner import PlanResult, run_plan
from sim.plan.recommendation import document
from sim.plan.spec import PlanSpec, load_plan
from sim.plan.steps import events
from sim.scenario.scenario import scenario_hash
from sim.sweep.executors import open_executor
from sim.sweep.runner import Limits

VOLATILE = frozenset({"plan-run.json"})


@dataclass(frozen=True)
class PlanOutput:
    """A finished ``itlsim plan``: the document, where it went, the recommended run."""

    document: dict[str, Any]
    folder: Path
    published: Published
    run: Path | None

    def describe(self, *, quiet: bool = False) -> str:
        """What ``itlsim plan`` prints: the ranking and verdicts (``plantext.ranking_text``),
        then where the recommendation went; ``quiet``: only where."""
        where = (f"recommendation: {self.published.path / 'recommendation.txt'}"
                 + (f"; the recommended run: {self.run}" if self.run else ""))
        return where if quiet else f"{ranking_text(self.document)}\n{where}"


def default_out(spec: PlanSpec) -> Path:
    return Path("results") / "plans" / spec.name


def plan_job(path: str, *, workers: int | None = None, scheduler: str | None = None,
             out: str | None = None, replications: int | None = None,
             root_seed: int | None = None, engine: str | None = None,
             max_memory: int | None = None,
             max_output: int | None = None, say: Callable[[str], None] = lambda text: None
             ) -> PlanOutput:
    """Load, search, write (module doc). A plan whose constraints no procedure meets is
    written, then refused in one line naming the constraint."""
    started = time.perf_counter()
    spec = load_plan(path, root_seed=root_seed, replications=replications, engine=engine)
    folder = Path(out) if out else default_out(spec)
    limits = Limits.given(folder, max_memory=max_memory, max_output=max_output,
                          remote=scheduler is not None)
    with open_executor(workers, scheduler) as (executor, slots):
        result = run_plan(spec, executor, slots, folder, say, limits)
    doc = document(result)
    run = _recommended_run(result, folder, path, spec.engine)
    if run is not None:
        doc["recommendation"]["run_folder"] = f"{RUNS}/{run.name}"
    published = publish_folder(folder / "recommendation", lambda staging: _write(
        staging, doc, result, run, time.perf_counter() - started), volatile=VOLATILE)
    if result.recommended is None:
        raise ConfigError(f"{doc['why_none']}; the ranking is in {published.path}",
                          path=spec.path, key="constraints")
    return PlanOutput(doc, folder, published, run)


def _write(folder: Path, doc: dict[str, Any], result: PlanResult, run: Path | None,
           wall: float) -> None:
    (folder / "recommendation.json").write_text(json.dumps(doc, indent=2, default=str) + "\n",
                                                encoding="utf-8")
    (folder / "recommendation.txt").write_text(recommendation_text(doc) + "\n",
                                               encoding="utf-8")
    _ranking_csv(folder / "ranking.csv", doc)
    (folder / "report.html").write_text(render_plan(
        doc, (folder / "ranking.csv").read_text(encoding="utf-8"),
        None if run is None else read_run(run)), encoding="utf-8")
    candidates = [{"key": c.key, "label": c.label, "method": c.method, "role": c.role or None,
                   "choices": c.choices, "events": events(c.timed)}
                  for c in result.candidates.values()]
    (folder / "candidates.json").write_text(json.dumps(candidates, indent=2, default=str)
                                            + "\n", encoding="utf-8")
    (folder / "plan-run.json").write_text(json.dumps(
        {"wall_time_s": round(wall, 3), "runs_executed_now": result.runs_executed,
         "runs": result.runs_total}, indent=2) + "\n", encoding="utf-8")


def _ranking_csv(path: Path, doc: dict[str, Any]) -> None:
    metrics = [o["metric"] for o in doc["plan"]["objective"]]
    header = ["rank", "key", "label", "method", "role", "status", "reason", "replications",
              "pareto"] + [f"{m}_{part}" for m in metrics for part in ("mean", "ci_low",
                                                                         "ci_high")]
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(header)
        for row in doc["ranking"]:
            writer.writerow([row["rank"] or "", row["key"], row["label"], row["method"],
                             row["role"] or "", row["status"], row["reason"] or "",
                             row["replications"], "true" if row["pareto"] else "false",
                             *[repr(float(row["objective"][m][part])) for m in metrics
                               for part in ("mean", "ci_low", "ci_high")]])


def _recommended_run(result: PlanResult, folder: Path, plan_path: str, engine: str
                     ) -> Path | None:
    """The recommended procedure simulated once (replication 0's seed) on the plan's
    ``engine``, as a run folder."""
    scenario = result.recommended_scenario
    if scenario is None:
        return None
    digest = scenario_hash(scenario)
    published = write_run(simulate(scenario, engine=engine), folder / RUNS /
                          run_id(scenario.seed, digest),
                          provenance={"scenario_file": scenario.path, "scenario_sha256": digest,
                                      "seed": scenario.seed, "overrides": [],
                                      "plan_file": plan_path,
                                      "candidate": result.recommended})
    return published.path
