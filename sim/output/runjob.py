"""``itlsim run``: load a scenario, check its budget, simulate with a progress bar, write."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from sim.fleet import budget
from sim.fleet.run import DEFAULT_ENGINE, RunResult, gc_paused, simulate
from sim.output.publish import Published
from sim.output.runfolder import run_id, write_run
from sim.scenario.scenario import load_scenario, scenario_hash


@dataclass(frozen=True)
class RunOutput:
    """A finished ``itlsim run``: the result and where it was published."""

    result: RunResult
    published: Published


def run_scenario(path: str, *, seed: int | None = None, overrides: Iterable[str] = (),
                 out: str = "results", progress: bool = True, event_log: str = "jsonl",
                 max_memory: int | None = None, max_output: int | None = None,
                 engine: str = DEFAULT_ENGINE) -> RunOutput:
    """Run the scenario in ``path`` and publish ``out/<scenario>/<run id>/``.

    A run that would need more than ``max_memory`` (default: ``budget.default_memory_limit``)
    or write more than ``max_output`` (default: the free space under ``out``) is refused before
    it starts (``sim.fleet.budget``). ``progress`` shows a bar on a terminal only (never
    ``\\r`` updates in a piped log). ``engine``: one of ``sim.fleet.run.ENGINES``."""
    overrides = tuple(overrides)
    scenario = load_scenario(path, seed=seed, overrides=overrides)
    budget.check(scenario, budget.estimate(scenario, event_log), event_log=event_log,
                 max_memory=max_memory or budget.default_memory_limit(),
                 max_output=budget.free_space(Path(out)) if max_output is None else max_output)
    digest = scenario_hash(scenario)
    folder = Path(out) / scenario.name / run_id(scenario.seed, digest)
    with tqdm(total=round(scenario.duration), unit="sim-s", delay=2.0,
              disable=None if progress else True, desc=scenario.name, leave=False) as bar:
        result = simulate(scenario, progress=lambda now: bar.update(round(now) - bar.n),
                          engine=engine)
    with gc_paused():  # formatting and writing make millions of short-lived acyclic objects
        published = write_run(result, folder, event_log=event_log, provenance={
            "scenario_file": str(path), "scenario_sha256": digest, "seed": scenario.seed,
            "overrides": list(overrides)})
    return RunOutput(result, published)


def run_scenario_file(path: str, *, seed: int | None = None, overrides: Iterable[str] = (),
                      out: str = "results", progress: bool = True) -> tuple[RunResult, Path]:
    """``run_scenario`` for a notebook: the result and its folder."""
    output = run_scenario(path, seed=seed, overrides=overrides, out=out, progress=progress)
    return output.result, output.published.path
