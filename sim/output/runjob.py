"""``itlsim run``: load a scenario, simulate with a progress bar, write the results folder."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from tqdm import tqdm

from sim.fleet.run import RunResult, simulate
from sim.output.runfolder import run_id, write_run
from sim.scenario.scenario import load_scenario, scenario_hash


def run_scenario_file(path: str, *, seed: int | None = None, overrides: Iterable[str] = (),
                      out: str = "results", progress: bool = True) -> tuple[RunResult, Path]:
    """Run the scenario in ``path`` and write ``out/<scenario>/<run id>/``."""
    overrides = tuple(overrides)
    scenario = load_scenario(path, seed=seed, overrides=overrides)
    digest = scenario_hash(scenario)
    folder = Path(out) / scenario.name / run_id(scenario.seed, digest)
    with tqdm(total=round(scenario.duration), unit="sim-s", delay=2.0, disable=not progress,
              desc=scenario.name, leave=False) as bar:
        result = simulate(scenario, progress=lambda now: bar.update(round(now) - bar.n))
    write_run(result, folder, provenance={"scenario_file": str(path), "scenario_sha256": digest,
                                          "seed": scenario.seed, "overrides": list(overrides)})
    return result, folder
