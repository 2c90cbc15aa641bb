"""``itlsim validate``: check any itlsim file as what it is, and say what running it would need.

A file with a ``[sweep]`` table is a sweep file (``sim.sweep.spec``), one with a ``[plan]`` table
a plan file (``sim.plan.spec``: its candidates are generated, so a plan whose constraints leave
no procedure is refused here too), one with only a ``[cluster]`` table (or ``[[clusters]]``) a
cluster file (what ``make-itl`` reads, ``sim.scenario.clusters``), any other a scenario. Before,
cluster and sweep files were refused as scenarios ("missing [simulation]", "unknown key
'sweep'"). Scenarios and sweeps also get their estimate (``sim.fleet.budget``) and are refused,
like ``run``/``sweep`` would refuse them, when it does not fit the limits.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sim.fleet import budget
from sim.scenario.clusters import describe_clusters, load_clusters
from sim.scenario.scenario import describe, load_scenario
from sim.scenario.tomlsource import TomlSource

SCENARIO_TABLES = frozenset({"simulation", "phones", "events", "tftp", "tvs", "phone_boot",
                             "sftp", "recovery"})


@dataclass(frozen=True)
class Checked:
    """What ``validate`` prints: one line, and warnings (events CUCM will refuse)."""

    line: str
    warnings: tuple[str, ...] = ()


def file_kind(path: str | Path) -> str:
    """``"sweep"``, ``"plan"``, ``"cluster"`` or ``"scenario"`` by the file's top-level
    tables."""
    tables = set(TomlSource.load(path).data)
    if "sweep" in tables:
        return "sweep"
    if "plan" in tables:
        return "plan"
    if tables & {"cluster", "clusters"} and not tables & SCENARIO_TABLES:
        return "cluster"
    return "scenario"


def validate_any(path: str, *, event_log: str = "jsonl", max_memory: int | None = None,
                 max_output: int | None = None) -> Checked:
    """What to print for the valid file at ``path``; an ``ItlsimError`` otherwise."""
    kind = file_kind(path)
    if kind == "cluster":
        return Checked(_cluster(path))
    memory = max_memory or budget.default_memory_limit()
    if kind == "sweep":
        return Checked(_sweep(path, memory, max_output))
    if kind == "plan":
        return Checked(_plan(path, memory))
    scenario = load_scenario(path)
    found = budget.estimate(scenario, event_log)
    budget.check(scenario, found, max_memory=memory, event_log=event_log,
                 max_output=budget.free_space(Path("results")) if max_output is None
                 else max_output)
    return Checked(f"{describe(scenario)}; {found.describe()} (event log {event_log})",
                   scenario.warnings)


def _cluster(path: str) -> str:
    clusters = load_clusters(path)
    if clusters.several:
        return (f"cluster file: {describe_clusters(clusters.specs)} (make-itl --cluster NAME "
                f"--node NAME)")
    spec = clusters.first
    tftp = [n.name for n in spec.nodes if "TFTP" in n.services]
    return (f"cluster file '{spec.name}': {len(spec.nodes)}-node "
            f"{spec.version[0]}.{spec.version[1]} {spec.security_mode} cluster, TFTP on "
            f"{', '.join(tftp)} (make-itl --node NAME)")


def _plan(path: str, max_memory: int) -> str:
    from sim.plan.candidates import generate
    from sim.plan.spec import load_plan

    spec = load_plan(path)
    generated = generate(spec)
    scenario = spec.base.scenario
    found = budget.estimate(scenario, "none")
    budget.check(scenario, found, max_memory=max_memory, event_log="none", max_output=None)
    left = sum(len(c) for c in generated.dropped.values())
    return (f"plan '{spec.name}': {spec.goal.describe()}; {len(generated.candidates)} "
            f"candidates ({left} left out by the constraints) of "
            f"{', '.join(m.name for m in spec.methods)}, up to {spec.schedule.most} "
            f"replications each; a run of {Path(spec.base.path).name} needs up to "
            f"{budget.size_text(found.peak)} of memory")


def _sweep(path: str, max_memory: int, max_output: int | None) -> str:
    from sim.sweep.runner import Limits, check_limits, default_out, sweep_estimate
    from sim.sweep.spec import load_sweep
    from sim.sweep.store import store_path

    spec = load_sweep(path)
    scenarios = {point.key: spec.scenario(point) for point in spec.points}
    runs = len(spec.points) * spec.replications
    folder = default_out(spec)
    slots = 1  # the memory of one run; `sweep` checks it again for its number of workers
    check_limits(scenarios, runs, slots, Limits(max_memory, budget.free_space(folder)
                                               if max_output is None else max_output),
                 store_path(folder))
    _, found, written = sweep_estimate(scenarios, runs)
    return (f"sweep '{spec.name}': {len(spec.points)} points x {spec.replications} "
            f"replications = {runs:,} runs of {spec.base_path}; a run needs up to "
            f"{budget.size_text(found.peak)} of memory, the store up to "
            f"{budget.size_text(written)}")
