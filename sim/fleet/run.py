"""One simulation run: scenario -> model -> run -> results.

``simulate(scenario)`` builds the cluster, the fleet, the timeline and the technicians, runs
SimPy to the scenario's duration and returns a ``RunResult`` (plain data). Everything random
comes from one ``numpy.random.SeedSequence`` of the scenario's seed, spawned into a stream per
purpose, so the same scenario and seed give the same result, byte for byte.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import simpy

from sim.cluster import tftp
from sim.cluster.cluster import P12File, SftpServer
from sim.cluster.estate import Estate
from sim.cluster.served import ConfigProfile
from sim.cluster.variants import itl_variants
from sim.cluster.versions import parse_firmware, sends_devicetlinfo
from sim.fleet.clusterstats import cluster_series
from sim.fleet.cohort import CohortModel
from sim.fleet.collector import STATES, Collector
from sim.fleet.devicetlinfo import DeviceTLInfo, devicetlinfo
from sim.fleet.model import FleetModel
from sim.fleet.phones import (
    Group,
    Phone,
    cm_group_order,
    device_names,
    initial_trust,
    tftp_order,
)
from sim.fleet.progress import ProgressClock
from sim.fleet.sampling import Sampler, stream_seeds
from sim.fleet.series import (
    Steps,
    recoveries_by,
    registered_counts,
    unregistered_steps,
)
from sim.fleet.summary import summarise
from sim.fleet.technicians import Technicians
from sim.fleet.timeline import Marker, Timeline, rtmt_alerts
from sim.scenario.assumptions import engine_assumptions
from sim.scenario.distributions import Uniform
from sim.scenario.scenario import Scenario

STREAMS = ("hardware", "ctl", "file_not_found", "itl", "config", "register", "retry", "tvs",
           "tftp_restart", "availability", "remote", "visit", "reprovision", "phase", "cohort")
ENGINES = ("agents", "cohort")
DEFAULT_ENGINE = "cohort"
"""``agents``: a SimPy agent per phone boot (the reference); ``cohort``: the phones of a reset
boot together as arrays where that is exact, agents elsewhere (``sim.fleet.cohort``)."""


@dataclass
class RunResult:
    """What a run produced; ``sim.output.runfolder`` writes it to disk.

    Counts over time come from the collector's exact change log (``sim.fleet.series``):
    ``series`` on the resolution grid (what sweeps store and average), ``detailed_series`` with
    the instants that keep every dip and peak (the time-series file and the plot).
    """

    scenario: Scenario
    summary: dict[str, Any]
    collector: Collector
    phone_names: list[str]
    populations: list[str]
    devicetlinfo: DeviceTLInfo
    markers: list[Marker]
    wall_time: float
    loop_time: float
    states: tuple[str, ...] = field(default=STATES)
    engine: dict[str, Any] = field(default_factory=lambda: {"name": DEFAULT_ENGINE})
    """The engine and, for ``cohort``, how many resets it booted each way (``run.json``)."""

    @property
    def steps(self) -> Steps:
        """The exact counts after every change instant (not kept: a row per instant)."""
        return Steps.of(self.collector)

    @cached_property
    def grid(self) -> tuple[np.ndarray, np.ndarray]:
        """Sample times on the resolution grid and the counts there (arrays)."""
        return self.steps.grid(self.scenario.resolution, self.scenario.duration)

    @property
    def series(self) -> list[tuple[float, tuple[int, ...]]]:
        """Counts per state at every resolution tick: ``(time_s, counts in STATES order)``."""
        return _rows(*self.grid)

    @property
    def unregistered_steps(self) -> Steps:
        """Settled but unregistered phones per state after every change of them (P9)."""
        return unregistered_steps(self.collector)

    @cached_property
    def cluster_series(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """With several clusters: times, phones pointed at and registered to each cluster
        (``sim.fleet.clusterstats.cluster_series``), computed once for the file and the plot."""
        return cluster_series(self.collector, self.scenario)

    @cached_property
    def _detailed(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The grid plus the change instants that keep every interval's extremes of the state
        counts and of the unregistered counts; the counts there and the registered ones."""
        step, until = self.scenario.resolution, self.scenario.duration
        unregistered = self.unregistered_steps
        times = np.union1d(self.steps.keeping_extremes(step, until)[0],
                           unregistered.keeping_extremes(step, until)[0])
        counts = self.steps.at(times)
        return times, counts, registered_counts(counts, unregistered.at(times))

    @cached_property
    def detailed_series(self) -> list[tuple[float, tuple[int, ...]]]:
        """The grid plus the change instants that keep every interval's extremes."""
        return _rows(*self._detailed[:2])

    def registered_at(self, times: np.ndarray) -> np.ndarray:
        """Registered phones per state at each of ``times`` (P9), a row per time."""
        return registered_counts(self.steps.at(times), self.unregistered_steps.at(times))

    @cached_property
    def detailed_registered(self) -> list[tuple[int, ...]]:
        """Per row of ``detailed_series``: how many phones of each state are registered."""
        return [tuple(row) for row in self._detailed[2].tolist()]

    @cached_property
    def recoveries(self) -> list[tuple[float, int, int]]:
        """Cumulative recoveries ``(time_s, without a technician, by hand)`` at every tick."""
        times = self.grid[0]
        return [(float(t), int(bulk), int(manual)) for t, bulk, manual in zip(
            times, *recoveries_by(self.collector, times), strict=True)]

    @property
    def event_lines(self) -> Iterator[str]:
        """The event log as JSON lines, formatted as they are read (a sweep never asks)."""
        return self.collector.event_lines(self.phone_names, self.populations)


def _rows(times: np.ndarray, counts: np.ndarray) -> list[tuple[float, tuple[int, ...]]]:
    return [(t, tuple(row)) for t, row in zip(times.tolist(), counts.tolist(), strict=True)]


def simulate(scenario: Scenario, *, progress: Callable[[float], None] | None = None,
             engine: str = DEFAULT_ENGINE) -> RunResult:
    """Run ``scenario`` to its duration on ``engine`` (``ENGINES``) and collect the results
    (garbage collection paused: ``gc_paused``)."""
    with gc_paused():
        return _simulate(scenario, progress, engine)


def _simulate(scenario: Scenario, progress: Callable[[float], None] | None,
              engine: str) -> RunResult:
    started = time.perf_counter()
    env = simpy.Environment()
    seeds = stream_seeds(scenario.seed, STREAMS)
    estate = Estate.from_specs(scenario.clusters, scenario.seed,
                               engine_assumptions(scenario.assumptions))
    _add_sftp(estate, scenario)
    estate.start_all()
    samplers = _samplers(scenario, seeds)
    groups, phones = _fleet(estate, scenario)
    extra = {"rng": np.random.default_rng(seeds["cohort"])} if engine == "cohort" else {}
    model = (CohortModel if engine == "cohort" else FleetModel)(
        env, estate, groups, phones, samplers, serving_count=scenario.tftp.serving_count_of,
        tvs_capacity=scenario.assumptions["tvs_capacity"],
        tvs_cache_seconds=scenario.tvs.cache_hours * 3600.0, **extra)
    technicians = _technicians(model, scenario)
    timeline = Timeline(model, scenario.events, start_recovery=technicians.start)
    _place(model, scenario, np.random.default_rng(seeds["availability"]))
    env.process(timeline.run())
    model.bystanders.update((  # they touch no phone, node or slot (``FleetModel.bystanders``)
        ProgressClock(env, scenario.resolution, scenario.duration,
                      progress or (lambda now: None)),
        env.process(rtmt_alerts(model, scenario.duration))))
    if scenario.recovery.technicians and scenario.recovery.start is not None:
        env.process(_at(env, scenario.recovery.start, technicians.start))
    loop_started = time.perf_counter()
    env.run(until=scenario.duration + 1e-9)
    loop_time = time.perf_counter() - loop_started
    simulated_events = next(env._eid)  # SimPy's running event id: events scheduled so far
    names = device_names(scenario.populations, scenario.inventory)
    report = devicetlinfo(model, names)
    summary = summarise(model, scenario, simulated_events, report.statuses(),
                        report.not_recoverable())
    used = {"name": engine, "storms": model.storms} if isinstance(model, CohortModel) else \
        {"name": engine}
    return RunResult(scenario, summary, model.collector, names, [p.group.name for p in phones],
                     report, timeline.markers(), time.perf_counter() - started, loop_time,
                     engine=used)


@contextmanager
def gc_paused() -> Iterator[None]:
    """The cyclic garbage collector paused for a block: building a fleet, running it and
    writing its files allocate millions of acyclic objects, and the collector's passes over
    10^5 live phones cost ~15% for nothing (agents break their own reference cycle when they
    finish). Restored as it was, also after an error."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _samplers(scenario: Scenario, seeds: Mapping[str, np.random.SeedSequence]
              ) -> dict[str, Sampler]:
    boot, files, recovery = scenario.phone_boot, scenario.tftp, scenario.recovery
    dists = {"hardware": boot.hardware, "register": boot.register, "retry": boot.retry,
             "ctl": files.ctl_transfer, "file_not_found": files.file_not_found,
             "itl": files.itl_transfer,
             "config": files.config_transfer, "tftp_restart": files.restart,
             "tvs": scenario.assumptions["tvs_latency"], "remote": recovery.remote,
             "visit": recovery.visit,
             "reprovision": recovery.factory_reprovision,
             "phase": Uniform(0.0, 1.0)}  # where in its retry cycle a waiting phone is (I33)
    return {name: Sampler(dist, seeds[name]) for name, dist in dists.items()}


def _add_sftp(estate: Estate, scenario: Scenario) -> None:
    """The scenario's SFTP servers, reachable from every cluster; ``has_p12_backup`` holds the
    first cluster's ITLRecovery.p12 (A7)."""
    cluster = estate.first
    for server in scenario.sftp:
        estate.add_sftp(SftpServer(server.host, server.user, server.password, server.reachable))
        if server.has_p12_backup and cluster.itl_recovery is not None:
            cluster.sftp[server.host].files[server.path] = P12File(
                cluster.itl_recovery, cluster.security_password)
            cluster.itl_recovery_backed_up = True


def _fleet(estate: Estate, scenario: Scenario) -> tuple[list[Group], list[Phone]]:
    """Groups and phones with their installed files and config at t = 0: the ITL and config
    their first TFTP server (of their starting cluster) serves, or the node
    ``initial_itl_from`` names (or an ``initial_itl`` variant of it), DHCP option 150 pointing
    at the TFTP nodes' addresses (A3a)."""
    groups: list[Group] = []
    phones: list[Phone] = []
    for index, pop in enumerate(scenario.populations):
        cluster = estate.clusters[pop.cluster]
        tftp_names = tftp_order(cluster, tuple(pop.tftp))
        cm_group = cm_group_order(cluster, tuple(pop.cm_group))
        profile = ConfigProfile(cm_group, pop.settings_access, pop.web_access)
        group = Group(index, pop.name, tftp_names, cm_group, profile, pop.itl_support,
                      reports_devicetlinfo=pop.itl_support and sends_devicetlinfo(
                          parse_firmware(pop.firmware)),
                      option150={name: cluster.node(name).ip for name in tftp_names},
                      cluster=estate.names.index(pop.cluster))
        groups.append(group)
        held = pop.initial_itl_from or tftp_names[0]  # the TFTP server the phones used last
        variants = itl_variants(cluster, held)
        ctl = variants.ctl if pop.initial_ctl else None
        config = tftp.served_config(cluster, cluster.served[held], profile)
        for _ in range(pop.count):
            trust = initial_trust(pop.initial_itl, pop.itl_support, variants, ctl)
            phone = Phone(len(phones), group, trust, online=True)
            phone.config = config
            phone.tftp_used = held
            phones.append(phone)
    return groups, phones


def _place(model: FleetModel, scenario: Scenario, rng: np.random.Generator) -> None:
    """Initial states: registered phones settled, the offline share switched off (and the
    times they come back scheduled)."""
    phones = model.phones
    start = 0
    for pop in scenario.populations:
        members = phones[start:start + pop.count]
        start += pop.count
        avail = pop.availability
        draws = rng.random(len(members))
        for phone, draw in zip(members, draws.tolist(), strict=True):
            phone.state = model.settled_state(phone)
            model.collector.place(phone.index, phone.state)
            model.registration.place(phone)
            if draw < avail.always_off_share + avail.offline_share:
                back: float | None = None
                if draw >= avail.always_off_share:
                    # offline until it returns: offline_share > 0 here, which the scenario
                    # accepts only together with returns (populations.population_from)
                    assert avail.returns is not None
                    back = avail.offline_from + float(avail.returns.sample(rng))
                model.env.process(_offline(model, phone, avail.offline_from, back))


def _offline(model: FleetModel, phone: Phone, off_at: float, back_at: float | None):
    if off_at > 0:
        yield model.env.timeout(off_at)
    model.power(phone, False, "powered-off")
    if back_at is not None:
        yield model.env.timeout(max(back_at - model.env.now, 0.0))
        model.power(phone, True, "powered-on")


def _technicians(model: FleetModel, scenario: Scenario) -> Technicians:
    recovery = scenario.recovery
    return Technicians(model, count=recovery.technicians, methods=tuple(recovery.methods),
                       working_hours=recovery.working_hours,
                       working_days=recovery.working_days, week_offset=scenario.week_offset)


def _at(env: simpy.Environment, when: float, action: Callable[[], None]):
    yield env.timeout(when)
    action()
