"""What a sweep worker reuses between runs gives what building afresh gives (issue 15, tiny runs).

A worker builds each point's scenario once (``sim.sweep.task.point_scenario``), makes each ITL
record and config signature once per certificate and key (``sim.trust.reuse``), and the progress
clock (``sim.fleet.progress``) schedules the events the SimPy process it replaced scheduled.
Every test compares with the uncached path: same bytes, same summary, fresh results for changed
inputs.
"""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import simpy
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from sim.cluster import tftp
from sim.cluster.estate import Estate
from sim.fleet.progress import ProgressClock
from sim.fleet.run import STREAMS, simulate
from sim.fleet.sampling import Sampler, stream_seeds
from sim.fleet.series import grid_times
from sim.scenario.distributions import Exponential
from sim.scenario.scenario import load_scenario, scenario_from_dict, scenario_hash
from sim.sweep import task
from sim.sweep.task import OK, Run, execute_run, point_scenario, seeded
from sim.trust import reuse, trustlist
from sim.trust.certificates import Role
from sim.trust.keys import KeySource, pool_order
from sim.trust.trustlist import Function
from sim.trust.verify import Verifier

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
SMALL = ("baseline.toml", "sweeps/base/itl_reset_3000.toml", "migration-bulk-certificates.toml",
         "rollback-mixed-mode.toml")


def one_phone_each(path: Path) -> dict[str, Any]:
    data = tomllib.loads(path.read_text())
    for population in data["phones"]:
        population["count"] = 1
    return data


# -- the progress clock -------------------------------------------------------------------------

def _old_progress(env: simpy.Environment, step: float, until: float,
                  progress: Callable[[float], None]):
    """The SimPy process the clock replaced (the reference)."""
    for now in grid_times(step, until):
        if now > env.now:
            yield env.timeout(now - env.now)
        progress(env.now)


def _trace(clock: Callable[[simpy.Environment, Callable[[float], None]], object]
           ) -> tuple[list[tuple[str, float]], int]:
    """What a run with ``clock`` and other events at tick times shows: every call in order
    (ticks and other events with the time) and the events scheduled in all."""
    env = simpy.Environment()
    seen: list[tuple[str, float]] = []

    def other(name: str, delays: list[float]):
        for delay in delays:
            yield env.timeout(delay)
            seen.append((name, env.now))

    env.process(other("a", [60.0, 0.0, 30.5, 29.5, 120.0]))
    clock(env, lambda now: seen.append(("tick", now)))
    env.process(other("b", [0.0, 120.0, 1e-9]))
    env.run(until=7.5 * 60 + 1e-9)
    return seen, next(env._eid)


@pytest.mark.parametrize("step", [60.0, 45.0, 7.5 * 60])
def test_progress_clock_schedules_what_the_process_did(step: float) -> None:
    """Same calls at the same times, the same order among simultaneous events and the same
    event count (``simulated_events``)."""
    old = _trace(lambda env, report: env.process(_old_progress(env, step, 7.5 * 60, report)))
    new = _trace(lambda env, report: ProgressClock(env, step, 7.5 * 60, report))
    assert new == old
    assert sum(name == "tick" for name, _ in new[0]) == len(grid_times(step, 7.5 * 60))


@pytest.mark.parametrize("engine", ["agents", "cohort"])
def test_a_progress_listener_changes_no_result(engine: str) -> None:
    scenario = load_scenario(SCENARIOS / "sweeps/base/itl_reset_3000.toml",
                             overrides=["phones.0.count=40"])
    ticks: list[float] = []
    heard = simulate(scenario, engine=engine, progress=ticks.append)
    assert heard.summary == simulate(scenario, engine=engine).summary
    assert ticks == list(grid_times(scenario.resolution, scenario.duration))


# -- records and signatures (T1, T2, P4) --------------------------------------------------------

def test_t1_t2_records_are_made_once_per_certificate_and_address() -> None:
    scenario = load_scenario(SCENARIOS / "baseline.toml")
    cluster = Estate.from_specs((scenario.cluster,), 3).first
    cert = cluster.publisher.certs[Role.CALLMANAGER]
    made = tftp.record_of(cert, Function.SAST, with_certificate=True)
    assert tftp.record_of(cert, Function.SAST, with_certificate=True) is made
    assert made == trustlist.record_for(cert.cert, Function.SAST, with_certificate=True)
    in_ctl = tftp.record_of(cert, Function.SAST, with_certificate=True, dns_name=b"pub\0")
    assert in_ctl.dns_name == b"pub\0" and made.dns_name != in_ctl.dns_name
    hashed = tftp.record_of(cert, Function.TFTP, with_certificate=False)
    assert (hashed.certificate, hashed.function) == (None, Function.TFTP)


def test_p4_a_config_is_signed_once_per_content_and_key() -> None:
    scenario = load_scenario(SCENARIOS / "baseline.toml")
    key = Estate.from_specs((scenario.cluster,), 3).first.publisher.certs[Role.CALLMANAGER].key
    first = reuse.signature(b"<device/>", key)
    assert first == key.sign(b"<device/>", padding.PKCS1v15(), hashes.SHA1())
    assert reuse.signature(b"<device/>", key) is first
    other = reuse.signature(b"<device></device>", key)
    assert other != first
    key.public_key().verify(other, b"<device></device>", padding.PKCS1v15(), hashes.SHA1())


def test_a_later_run_counts_its_own_checks_and_a_changed_file_is_checked_again() -> None:
    """The process keeps RSA results, each run's ``Verifier`` still counts the distinct checks
    it needs (the summary's ``rsa_verifications``), and altered bytes never get a kept result."""
    scenario = load_scenario(SCENARIOS / "baseline.toml")
    estate = Estate.from_specs((scenario.cluster,), 3)
    estate.start_all()
    cluster = estate.first
    itl = cluster.served[cluster.publisher.name].itl
    key = tftp.itl_signer(cluster, cluster.publisher).public_key_der  # ITLRecovery on 12.5
    runs = [Verifier(), Verifier()]
    assert [run.trust_list(itl, key) for run in runs] == [True, True]
    assert [run.rsa_checks for run in runs] == [1, 1]
    altered = dataclasses.replace(itl, raw=itl.raw[:-1] + bytes([itl.raw[-1] ^ 1]))
    assert not runs[1].trust_list(altered, key) and runs[1].rsa_checks == 2


# -- seeds: streams and keys ---------------------------------------------------------------------

def test_a_stream_made_at_its_first_draw_draws_what_it_drew_when_made_first() -> None:
    seeds = stream_seeds(7, STREAMS)
    assert stream_seeds(7, STREAMS) is seeds
    children = np.random.SeedSequence(7).spawn(len(STREAMS))
    eager = Sampler(Exponential(3.0), np.random.default_rng(children[0]), block=5)
    lazy = Sampler(Exponential(3.0), seeds[STREAMS[0]], block=5)
    assert [lazy() for _ in range(12)] == [eager() for _ in range(12)]
    other = Sampler(Exponential(3.0), stream_seeds(8, STREAMS)[STREAMS[0]], block=5)
    assert other() != Sampler(Exponential(3.0), seeds[STREAMS[0]], block=5)()


def test_keys_come_in_the_seeds_pool_order() -> None:
    order = pool_order(11, 1024)
    assert sorted(order) == list(range(len(order))) and order != pool_order(12, 1024)
    source, again = KeySource(11), KeySource(11)
    first = [source.next_key(1024) for _ in range(3)]
    assert [again.next_key(1024) for _ in range(3)] == first
    assert len({id(key) for key in first}) == 3


# -- the point's scenario -----------------------------------------------------------------------

@pytest.mark.parametrize("name", SMALL)
@pytest.mark.parametrize("engine", ["agents", "cohort"])
def test_a_reused_point_gives_the_uncached_run(name: str, engine: str) -> None:
    """Runs from the worker's memo (the second seed on, and the same seed again after other
    runs) return the summary, series and scenario hash of a scenario built afresh."""
    path = SCENARIOS / name
    data = one_phone_each(path)
    task._POINTS.clear()
    for seed in (4, 5, 4):
        outcome = execute_run(Run("p", 0, seed, data), str(path), engine)
        assert outcome.status == OK, outcome.error
        fresh = seeded(scenario_from_dict(data, path=str(path)), seed)
        result = simulate(fresh, engine=engine)
        assert outcome.summary == result.summary
        assert outcome.scenario_hash == scenario_hash(fresh)
        assert np.array_equal(outcome.counts, result.grid[1])
    assert len(task._POINTS) == 1


def test_each_seed_gets_its_own_hash_and_a_changed_point_a_new_scenario() -> None:
    path = SCENARIOS / "baseline.toml"
    data = one_phone_each(path)
    point = point_scenario(data, str(path))
    assert point_scenario(one_phone_each(path), str(path)) is point  # equal data: reused
    hashes = {point.hash_with(seed) for seed in range(5)}
    assert len(hashes) == 5
    assert point.hash_with(3) == scenario_hash(dataclasses.replace(point.scenario, seed=3))
    changed = one_phone_each(path)
    changed["phones"][0]["count"] = 2
    assert point_scenario(changed, str(path)).scenario.phone_count == 4


def test_a_scenario_that_reads_files_is_built_every_time() -> None:
    """An inventory or certificates file could change between two runs of a worker."""
    path = SCENARIOS / "imported-cluster/scenario.toml"
    data = tomllib.loads(path.read_text())
    first = point_scenario(data, str(path))
    assert not first.scenario.self_contained
    assert point_scenario(data, str(path)) is not first
    assert point_scenario(one_phone_each(SCENARIOS / "baseline.toml"),
                          str(SCENARIOS / "baseline.toml")).scenario.self_contained


def test_the_worker_keeps_a_bounded_number_of_points() -> None:
    """Bounded, and still a memo: the point just built is the one handed out again (a memo
    that kept nothing would pass the bound alone)."""
    path = SCENARIOS / "baseline.toml"
    for count in range(1, task.KEEP_POINTS + 3):
        data = one_phone_each(path)
        data["phones"][0]["count"] = count
        built = point_scenario(data, str(path))
        assert len(task._POINTS) <= task.KEEP_POINTS
        assert point_scenario(data, str(path)) is built
