"""Phone-state counts over time, derived exactly from the collector's change log.

``Steps`` is the fleet's state counts as a step function: the counts after every instant at
which a phone changed state (``unregistered_steps``: the same for settled phones that are not
registered, P9). Two samplings are taken from it:

- ``grid``: the counts at every ``resolution`` tick (``0, step, 2 step, ...`` up to the
  duration), the same times in every run, so sweeps average runs tick by tick;
- ``keeping_extremes``: the grid plus, within every tick interval, the first and last change
  and, for each state, the instants its count reaches its lowest and its highest value and the
  change right after each. Drawn as a step line ("steps-post") it shows every dip and peak at
  its true depth and time, however short, while a day of a 40,000-phone fleet stays a few
  thousand rows (M4 aggregation, Jugel et al., VLDB 2014, with the next change kept so a dip
  ends where it really ends).

A count at time ``t`` includes every change at ``t``. All of it is numpy over the log's
columns, after the run: nothing samples during the simulation.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass

import numpy as np

from sim.fleet.collector import SETTLED, STATES, Collector, Transitions


@dataclass(frozen=True)
class Steps:
    """Counts per state: ``initial`` before ``times[0]``, ``counts[i]`` from ``times[i]`` to
    ``times[i + 1]`` (the last row to the end of the run). ``times`` are distinct, increasing."""

    times: np.ndarray
    counts: np.ndarray
    initial: np.ndarray

    @classmethod
    def of(cls, collector: Collector) -> Steps:
        return steps(column(collector.log_time), column(collector.log_old),
                     column(collector.log_new),
                     np.bincount(column(collector.initial), minlength=len(STATES)))

    def at(self, when: np.ndarray) -> np.ndarray:
        """Counts at each time in ``when`` (after every change at that time)."""
        index = np.searchsorted(self.times, when, side="right") - 1
        table = np.vstack([self.initial[np.newaxis, :], self.counts])
        return table[index + 1]

    def grid(self, step: float, until: float) -> tuple[np.ndarray, np.ndarray]:
        """Times ``0, step, 2 step, ...`` up to ``until`` and the counts there."""
        times = grid_times(step, until)
        return times, self.at(times)

    def keeping_extremes(self, step: float, until: float) -> tuple[np.ndarray, np.ndarray]:
        """The grid plus the instants that keep every interval's extremes (module doc)."""
        grid = grid_times(step, until)
        inside = self.times <= until
        times, counts = self.times[inside], self.counts[inside]
        picks = _extreme_rows(np.floor(times / step).astype(np.int64), counts)
        merged = np.union1d(grid, times[picks])
        return merged, self.at(merged)


def unregistered_steps(collector: Collector) -> Steps:
    """Settled but unregistered phones per state (P9), from their log: an entry leaves its old
    state's count and joins its new one, ``NONE`` (-1) matching no state."""
    return transition_steps(collector.unregistered_log, np.zeros(len(STATES), dtype=np.int64))


def transition_steps(log: Transitions, initial: np.ndarray) -> Steps:
    """Counts per category after every instant of ``log`` (``steps``), from ``initial``."""
    return steps(column(log.time), column(log.old), column(log.new), initial)


def registered_counts(counts: np.ndarray, unregistered: np.ndarray) -> np.ndarray:
    """Registered phones per state (rows of counts per state): the settled ones that are not
    unregistered; booting and switched-off phones are never registered (P9)."""
    settled = np.isin(np.arange(len(STATES)), [STATES.index(s) for s in SETTLED])
    return np.where(settled, counts - unregistered, 0)


def column(values: array) -> np.ndarray:
    """A read-only numpy view of one of the collector's ``array`` columns (no copy)."""
    return np.frombuffer(values, dtype=values.typecode)


def grid_times(step: float, until: float) -> np.ndarray:
    """``0, step, 2 step, ...`` while at most ``until`` (a hair of tolerance for rounding)."""
    return np.arange(int(np.floor(until / step + 1e-9)) + 1, dtype=np.float64) * step


def steps(time: np.ndarray, old: np.ndarray, new: np.ndarray, initial: np.ndarray) -> Steps:
    """Counts after each distinct change time of a change log (``time`` non-decreasing)."""
    last = np.ones(len(time), dtype=bool)
    last[:-1] = time[1:] != time[:-1]  # the last change of each instant holds its counts
    counts = np.empty((int(last.sum()), len(initial)), dtype=np.int32)  # a row per instant
    for state, start in enumerate(initial):
        moves = (new == state).astype(np.int32) - (old == state)
        counts[:, state] = (np.cumsum(moves) + start)[last]
    return Steps(time[last], counts, initial.astype(np.int64))


def _extreme_rows(bucket: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Row indices that keep, per bucket (non-decreasing ids), the first and last row and, per
    column, the first row of its minimum and of its maximum and the row after each."""
    if len(bucket) == 0:
        return np.zeros(0, dtype=np.intp)
    starts = np.flatnonzero(np.r_[True, bucket[1:] != bucket[:-1]])
    ends = np.r_[starts[1:], len(bucket)] - 1
    sizes = ends - starts + 1
    picks = [starts, ends]
    for values in counts.T:
        for reduce in (np.minimum, np.maximum):
            extreme = np.repeat(reduce.reduceat(values, starts), sizes)
            hits = np.flatnonzero(values == extreme)
            first = hits[np.searchsorted(hits, starts)]  # each bucket's first hit
            picks += [first, np.minimum(first + 1, len(bucket) - 1)]
    return np.unique(np.concatenate(picks))


def recoveries_by(collector: Collector, times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative recoveries at ``times``: without a technician, and by hand."""
    when = column(collector.recovery_time)
    manual = column(collector.recovery_manual).astype(bool)
    return (np.searchsorted(when[~manual], times, side="right"),
            np.searchsorted(when[manual], times, side="right"))
