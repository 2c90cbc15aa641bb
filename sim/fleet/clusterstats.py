"""Phones by cluster, for scenarios with several clusters: the summary's counts and the counts
over time that the plot and ``clusters.csv`` show.

A phone is counted on two sides, because a migration separates them (I54):

- where DHCP option 150 points: the cluster whose TFTP servers it fetches its files from (it
  changes when the phone is moved, ``sim.fleet.moves``);
- where it is registered: the cluster of the CM group in the config it accepted last (P9), so a
  moved phone that locked stays registered to the source if it registers at all.

Both come exactly from the collector's logs (``Collector.moves``, ``Collector.registrations``) with
the step arithmetic of ``sim.fleet.series``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.fleet.collector import STATES, Collector
from sim.fleet.model import FleetModel
from sim.fleet.series import Steps, column, transition_steps
from sim.scenario.scenario import Scenario


def cluster_summary(model: FleetModel) -> dict[str, dict[str, Any]]:
    """Per cluster at the end: ``phones`` (option 150 points there) and their
    ``final_states``, ``registered_final`` (registered to it) and ``moved_in`` (phones moved
    to it during the run)."""
    names = model.estate.names
    moved_in = np.bincount(column(model.collector.moves.new), minlength=len(names))
    states = {name: dict.fromkeys(STATES, 0) for name in names}
    registered = dict.fromkeys(names, 0)
    for phone in model.phones:
        states[names[phone.group.cluster]][phone.state] += 1
        if phone.registered:
            registered[model.config_cluster(phone).name] += 1
    return {name: {"phones": sum(states[name].values()), "final_states": states[name],
                   "registered_final": registered[name], "moved_in": int(moved_in[i])}
            for i, name in enumerate(names)}


def pointed_steps(collector: Collector, initial: list[int]) -> Steps:
    """Phones whose option 150 points at each cluster, after every instant phones moved."""
    return transition_steps(collector.moves, np.array(initial, dtype=np.int64))


def registered_steps(collector: Collector) -> Steps:
    """Phones registered to each cluster, after every instant that changed (from 0 at t = 0:
    the placement at t = 0 is logged too)."""
    return transition_steps(collector.registrations,
                            np.zeros(len(collector.clusters), dtype=np.int64))


def cluster_series(collector: Collector, scenario: Scenario
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Times (the resolution grid plus the instants that keep each interval's extremes),
    phones pointed at each cluster and phones registered to each, a row per time."""
    initial = [sum(p.count for p in scenario.populations if p.cluster == name)
               for name in collector.clusters]
    step, until = scenario.resolution, scenario.duration
    pointed, registered = pointed_steps(collector, initial), registered_steps(collector)
    times = np.union1d(pointed.keeping_extremes(step, until)[0],
                       registered.keeping_extremes(step, until)[0])
    return times, pointed.at(times), registered.at(times)
