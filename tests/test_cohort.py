"""The cohort engine (``sim.fleet.cohort``, ``sim.fleet.slots``) against the agents.

- ``slots.schedule`` gives exactly the end times SimPy agents on the real ``Slots`` give
  (both of its paths, random storms with queues);
- a run on ``--engine cohort`` whose storms all fall back to agents is the agents' run;
- reruns are byte-identical within each engine;
- over replications, both engines agree on what a user reads (locked peak and final,
  recoveries by method, time to recover, outage, queue peaks) within stated tolerances, for
  every shipped scenario (fleets cut to a few hundred phones) and for the corners where a
  storm cannot be taken over (resets in batches mid-boot, a TFTP restart during a storm,
  offline phones coming back, a partition).
"""

from __future__ import annotations

import json
import math
import statistics
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import simpy

from sim.fleet.agent import Agent
from sim.fleet.collector import BOOTING, STATE_INDEX
from sim.fleet.run import simulate
from sim.fleet.sampling import Sampler
from sim.fleet.services import Slots
from sim.fleet.slots import NONE, schedule
from sim.scenario.distributions import Exponential
from sim.scenario.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted(p for p in (ROOT / "scenarios").glob("*.toml") if p.stem != "seed-cluster")
SCENARIOS.append(ROOT / "scenarios" / "imported-cluster" / "scenario.toml")
MAX_PER_POPULATION = 120  # phones per population in the equivalence runs (speed)
REPLICATIONS = 6


# -- exact FIFO slot times -------------------------------------------------------------------

def _agents_schedule(arrive: np.ndarray, resource: np.ndarray, duration: np.ndarray,
                     capacity: list[int]) -> np.ndarray:
    """The same storm run by SimPy agents on ``Slots`` (the agent engine's own parts)."""
    env = simpy.Environment()
    slots = [Slots(env, str(r), c) for r, c in enumerate(capacity)]
    ends = np.zeros_like(duration)

    def steps(i: int):
        yield float(arrive[i])
        for k in range(resource.shape[0]):
            r, d = int(resource[k, i]), float(duration[k, i])
            if r != NONE and not slots[r].take():
                yield slots[r]
            if r != NONE or d > 0:
                yield d
            if r != NONE:
                slots[r].give()
            ends[k, i] = env.now

    for i in range(len(arrive)):
        Agent(env, steps(i))
    env.run()
    return ends


@pytest.mark.parametrize("capacity", [[1, 1], [3, 2], [50, 50]])
def test_slots_schedule_is_the_agents_fifo(capacity: list[int]):
    """Both paths of ``schedule`` (no queue: a cumulative sum; queues: the event loop) give
    the agents' end times on the real ``Slots`` (``sim.fleet.services``), to the float."""
    rng = np.random.default_rng(len(capacity) + capacity[0])
    n = 40
    arrive = rng.uniform(0, 5, n)
    resource = np.array([np.zeros(n), rng.choice([NONE, 1], n), np.zeros(n),
                         np.full(n, NONE)], dtype=np.int64)
    duration = rng.exponential(1.0, (4, n))
    duration[1][resource[1] == NONE] = 0.0
    got = schedule(arrive, resource, duration, capacity)
    assert np.allclose(got.ends, _agents_schedule(arrive, resource, duration, capacity),
                       rtol=0, atol=1e-9)
    assert got.served == [int((resource == r).sum()) for r in range(len(capacity))]
    if capacity[0] == 50:
        assert got.peak_queue == [0, 0]  # the cumulative-sum path
    else:
        assert max(got.peak_queue) > 0 and got.peak_in_use[0] == capacity[0]


def test_slots_schedule_known_answer():
    """One slot, two phones: the second waits for the first (FIFO)."""
    got = schedule(np.array([0.0, 0.5]), np.array([[0, 0]]), np.array([[1.0, 1.0]]), [1])
    assert got.ends.tolist() == [[1.0, 2.0]]
    assert (got.peak_in_use, got.peak_queue, got.served) == ([1], [1], [2])


def test_sampler_many_gives_the_values_of_single_draws():
    """A storm's hardware delays are the draws its agents would have taken, in order."""
    one = Sampler(Exponential(3.0), np.random.default_rng(5), block=7)
    many = Sampler(Exponential(3.0), np.random.default_rng(5), block=7)
    singles = [one() for _ in range(30)]
    assert many.many(4) + many.many(20) + [many()] + many.many(5) == singles


# -- engines -------------------------------------------------------------------------------

def _small(path: Path, *extra: str) -> list[str]:
    """Overrides that cut every population of ``path`` to ``MAX_PER_POPULATION`` phones."""
    scenario = load_scenario(path)
    return [f"phones.{i}.count={min(p.count, MAX_PER_POPULATION)}"
            for i, p in enumerate(scenario.populations) if not scenario.inventory] + list(extra)


def _run(path: Path, engine: str, seed: int, overrides: list[str]) -> Any:
    return simulate(load_scenario(path, seed=seed, overrides=overrides), engine=engine)


def test_cohort_falling_back_everywhere_is_the_agents_run():
    """Batches 5 s apart reset phones while the previous batch boots (A11), a TFTP restart
    and a reset come during the last: no storm can be taken over, every phone gets an agent
    with the hardware delay already drawn, and the run is the agents' run byte for byte
    (only the count of SimPy events differs)."""
    path = ROOT / "scenarios" / "sweeps" / "base" / "itl_reset_3000.toml"
    overrides = ["phones.0.count=300", "events.3.batch_size=20", "events.3.batch_pause=5s",
                 "events.4.at=66min15s", "events.5.at=66min20s"]
    agents = _run(path, "agents", 3, overrides)
    cohort = _run(path, "cohort", 3, overrides)
    assert cohort.engine["storms"]["cohort"] == 0 < cohort.engine["storms"]["agents"]
    events = "simulated_events"
    assert {**agents.summary, events: 0} == {**cohort.summary, events: 0}
    assert list(agents.event_lines) == list(cohort.event_lines)
    assert agents.devicetlinfo == cohort.devicetlinfo


def test_small_storms_boot_as_agents():
    """A storm of fewer than ``SMALLEST_STORM`` phones (a sweep's one-phone runs) gets agents,
    and the run is the agents' run; one phone more than that is taken over."""
    from sim.fleet.cohort import SMALLEST_STORM

    path = ROOT / "scenarios" / "sweeps" / "base" / "itl_reset_3000.toml"
    small = [f"phones.0.count={SMALLEST_STORM - 1}"]
    agents, cohort = (_run(path, engine, 2, small) for engine in ("agents", "cohort"))
    assert cohort.engine["storms"] == {"cohort": 0, "agents": 2}
    assert {**agents.summary, "simulated_events": 0} == {**cohort.summary, "simulated_events": 0}
    assert list(agents.event_lines) == list(cohort.event_lines)
    taken = _run(path, "cohort", 2, [f"phones.0.count={SMALLEST_STORM}"])
    assert taken.engine["storms"] == {"cohort": 2, "agents": 0}


@pytest.mark.parametrize("engine", ["agents", "cohort"])
def test_reruns_are_byte_identical_within_an_engine(engine: str):
    path = ROOT / "scenarios" / "megacluster.toml"
    overrides = ["phones.0.count=400", "phones.1.count=400", "tftp.serving_count.cucm-tftp1=60"]
    first, second = (_run(path, engine, 9, overrides) for _ in range(2))
    assert json.dumps(first.summary) == json.dumps(second.summary)
    assert list(first.event_lines) == list(second.event_lines)
    assert first.detailed_series == second.detailed_series


COUNTS = ("locked_peak", "locked_final", "ever_locked", "recovered_bulk", "recovered_manual",
          "recovered_tvs", "not_recovered", "registered_final")
TIMES = ("time_to_99pct_locked_recovered_s", "time_to_pre_change_working_s", "outage_median_s",
         "outage_p95_s", "locked_phone_hours")
PEAKS = ("tftp_peak_in_use", "tftp_peak_queue", "tvs_peak_in_use", "tvs_peak_queue")


def _close(a: list[float], b: list[float], floor: float) -> bool:
    """Means within 4 standard errors of their difference (Welch), plus ``floor``: a shift
    this test would flag with less than 1 in 10,000 chance if both engines agree."""
    if a == b:
        return True
    se = math.sqrt(statistics.variance(a) / len(a) + statistics.variance(b) / len(b))
    return abs(statistics.fmean(a) - statistics.fmean(b)) <= 4 * se + floor


def _disagreements(path: Path, *extra: str) -> tuple[list[str], dict[str, int]]:
    overrides = _small(path, *extra)
    runs = {engine: [_run(path, engine, seed, overrides) for seed in range(REPLICATIONS)]
            for engine in ("agents", "cohort")}
    phones = runs["agents"][0].summary["phones_total"]
    storms = {"cohort": 0, "agents": 0}
    for run in runs["cohort"]:
        for way, count in run.engine["storms"].items():
            storms[way] += count
    wrong = []
    for key, floor in ([(k, 0.01 * phones + 1) for k in COUNTS]
                       + [(k, 1.0) for k in TIMES] + [(k, 0.05 * phones + 2) for k in PEAKS]):
        values = {e: [r.summary[key] for r in rs] for e, rs in runs.items()}
        if any(v is None for vs in values.values() for v in vs):
            if values["agents"] != values["cohort"]:  # a metric that exists in one engine only
                wrong.append(f"{key}: {values}")
            continue
        if not _close(values["agents"], values["cohort"], floor):
            wrong.append(f"{key}: agents {values['agents']} cohort {values['cohort']}")
    return wrong, storms


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.parent.name if p.stem == "scenario"
                         else p.stem)
def test_engines_agree_on_every_shipped_scenario(path: Path):
    """Tolerances (per metric, over 6 replications of each engine, Welch 4 SE plus): counts
    1% of the fleet + 1 phone; times 1 s; slot peaks 5% of the fleet + 2."""
    wrong, _ = _disagreements(path)
    assert not wrong, "\n".join(wrong)


PARTITION = """
[[events]]
at = "10min30s"
action = "partition"
population = "campus-a"

[[events]]
at = "25min"
action = "heal"
population = "campus-a"
"""

CORNERS = {
    "reset-mid-boot": ("sweeps/base/itl_reset_3000.toml", ("events.3.batch_size=40",
                                                            "events.3.batch_pause=20s")),
    "tftp-restart-during-storm": ("megacluster.toml", ("events.1.at=11min",)),
    "tvs-regen-while-queued": ("callmanager-and-tvs-regen.toml", ()),
    "offline-returns": ("sweeps/base/regen_callmanager_tvs.toml", ()),
    "tvs-queue": ("cert-renewal-tn225746.toml", ("assumptions.tvs_capacity=4",)),
}


@pytest.mark.parametrize("name", sorted(CORNERS))
def test_engines_agree_in_corners(name: str):
    """The corners where phones diverge; the same tolerances as for shipped scenarios."""
    scenario, extra = CORNERS[name]
    wrong, _ = _disagreements(ROOT / "scenarios" / scenario, *extra)
    assert not wrong, "\n".join(wrong)


def test_engines_agree_across_a_partition(tmp_path: Path):
    """A population cut off while its storm is in flight, healed later (P9, I33)."""
    path = tmp_path / "partition.toml"
    path.write_text((ROOT / "scenarios" / "megacluster.toml").read_text() + PARTITION)
    wrong, storms = _disagreements(path)
    assert storms["agents"] > 0
    assert not wrong, "\n".join(wrong)


def test_the_megacluster_storms_are_taken_over():
    """The case the engine is for: every reset of the megacluster boots as one cohort, with
    the queue the agents see when the TFTP nodes serve 60 at once."""
    path = ROOT / "scenarios" / "megacluster.toml"
    wrong, storms = _disagreements(path, "tftp.serving_count.cucm-tftp1=60",
                                   "tftp.serving_count.cucm-tftp2=60")
    assert storms == {"cohort": 3 * REPLICATIONS, "agents": 0}
    assert not wrong, "\n".join(wrong)


def test_the_cli_offers_every_engine(tmp_path: Path):
    """``--engine`` offers ``ENGINES``, and a run says in ``run.json`` which one it used."""
    from click.testing import CliRunner

    from sim import cli
    from sim.cli import main
    from sim.fleet.run import DEFAULT_ENGINE, ENGINES

    assert (cli.ENGINES, cli.DEFAULT_ENGINE) == (ENGINES, DEFAULT_ENGINE)
    path = ROOT / "scenarios" / "megacluster.toml"
    expected = {"cohort": {"name": "cohort", "storms": {"cohort": 3, "agents": 0}},
                "agents": {"name": "agents"}}  # each engine, not only the default
    for engine in ENGINES:
        out = tmp_path / engine
        result = CliRunner().invoke(main, ["run", str(path), "--engine", engine, "--quiet",
                                           "--out", str(out), "--set", "phones.0.count=50",
                                           "--set", "phones.1.count=50"])
        assert result.exit_code == 0, result.output
        run = json.loads(next(out.rglob("run.json")).read_text())
        assert run["engine"] == expected[engine]


def _boot_durations(result: Any) -> dict[tuple[int, int], float]:
    """Seconds from each restart to the end of that boot (settled), from the change log, by
    (phone, its n-th boot)."""
    log = result.collector
    booting = STATE_INDEX[BOOTING]
    started: dict[int, float] = {}
    durations: dict[tuple[int, int], float] = {}
    count: dict[int, int] = {}
    for t, phone, old, new in zip(log.log_time, log.log_phone, log.log_old, log.log_new,
                                  strict=True):
        if new == booting:
            started[phone] = t
        elif old == booting and phone in started:
            count[phone] = count.get(phone, 0) + 1
            durations[phone, count[phone]] = t - started.pop(phone)
    return durations


@pytest.mark.parametrize("name, overrides", [
    ("megacluster", ("phones.0.count=400", "phones.1.count=400",
                     "tftp.serving_count.cucm-tftp1=40", "tftp.serving_count.cucm-tftp2=40")),
    ("safe-callmanager-regen", ("assumptions.tvs_capacity=3",)),
])
def test_boot_durations_match_the_agents(name: str, overrides: tuple[str, ...]):
    """A storm's phones get the hardware delays their agents would have drawn, so each boot
    pairs with the agents' boot of the same phone; the rest of the boot (TFTP and TVS queues
    and transfers, TVS latency, registration: section 4, P5) is drawn independently. Their
    difference, averaged per replication, is zero within 4 standard errors over 6
    replications plus 50 ms (a 20% shorter registration or TVS latency fails)."""
    path = ROOT / "scenarios" / f"{name}.toml"
    means = []
    for seed in range(REPLICATIONS):
        agents, cohort = (_run(path, engine, seed, list(overrides))
                          for engine in ("agents", "cohort"))
        assert cohort.engine["storms"]["agents"] == 0
        a, c = _boot_durations(agents), _boot_durations(cohort)
        assert a.keys() == c.keys() and len(a) > 300
        means.append(statistics.fmean(c[k] - a[k] for k in a))
    assert abs(statistics.fmean(means)) <= 4 * statistics.stdev(means) / math.sqrt(
        len(means)) + 0.05, means


def test_a_sweep_worker_runs_the_engine_it_is_given():
    """``itlsim sweep --engine cohort``: the task carries the engine to the worker, whose run is
    the cohort engine's run of the point (and the store says so, ``sweep_info``)."""
    import dataclasses
    import tomllib

    from sim.fleet.run import DEFAULT_ENGINE
    from sim.sweep.runner import sweep_info
    from sim.sweep.spec import load_sweep
    from sim.sweep.task import OK, Run, execute_run

    path = ROOT / "scenarios" / "megacluster.toml"
    data = tomllib.loads(path.read_text())
    data["phones"][0]["count"] = data["phones"][1]["count"] = 60
    for engine in ("agents", "cohort"):  # each engine, not only the default
        outcome = execute_run(Run("p", 0, 5, data), str(path), engine)
        direct = _run(path, engine, 5, ["phones.0.count=60", "phones.1.count=60"])
        assert outcome.status == OK and outcome.summary == direct.summary
        assert outcome.engine == engine  # what the store's runs table records
    spec = load_sweep(str(ROOT / "scenarios" / "sweeps" / "regen_gap_vs_offline.toml"))
    assert sweep_info(spec)["engine"] == DEFAULT_ENGINE  # every new store records its engine
    assert sweep_info(dataclasses.replace(spec, engine="cohort"))["engine"] == "cohort"
