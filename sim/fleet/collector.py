"""The DataCollector: phone-state counts, the change log, the event log, summary counters.

State changes are counted as they happen (O(1) per change) and logged in columns: every change
with its exact time, phone, old and new state and reason. Everything over time (the time
series, the outcome metrics of ``sim.fleet.metrics``) is derived from that log after the run
(``sim.fleet.series``), so it is exact rather than sampled: a dip shorter than the resolution
is not lost. The event log keeps, in order, every administrator operation with its outcome and
every phone state change with its reason; it is formatted once at the end of the run.

Registration (P9) is a second dimension, logged by its exception: a phone that is done booting
(``SETTLED``) but not registered to a CallManager. Such phones are counted per state and their
changes logged like state changes (time, state before and after, -1 on a side where the phone
is not such a phone), so the same derivation gives their counts over time. A settled phone
not in that count is registered; a booting or switched-off phone never is.
"""

from __future__ import annotations

import json
from array import array
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import chain

import numpy as np

OFFLINE, BOOTING, TRUSTED, LOCKED, UNSECURED = "offline", "booting", "trusted", "locked", \
    "unsecured"
STATES = (TRUSTED, LOCKED, BOOTING, OFFLINE, UNSECURED)
STATE_INDEX = {state: i for i, state in enumerate(STATES)}
WORKING = (TRUSTED, UNSECURED)
"""States in which a phone works, with its ITL and config accepted (``unsecured``: the empty
rollback ITL, which makes the phone accept everything, P6). The outcome metrics count a phone
in these states as "working" unless it is unregistered (P9)."""
SETTLED = (*WORKING, LOCKED)
"""Done booting: the phone is registered, or waits to register (P9)."""
NONE = -1  # the side of an unregistered-log entry where the phone is not counted


@dataclass
class Transitions:
    """A log of things counted in numbered categories moving between them: when, the category
    left and the one joined (``NONE`` on a side where the thing is not counted). The
    unregistered phones per state, the phones registered per cluster and the phones' option 150
    per cluster are such logs; ``sim.fleet.series.transition_steps`` turns one into counts over
    time."""

    time: array = field(default_factory=lambda: array("d"))
    old: array = field(default_factory=lambda: array("b"))
    new: array = field(default_factory=lambda: array("b"))

    def add(self, now: float, old: int, new: int) -> None:
        self.time.append(now)
        self.old.append(old)
        self.new.append(new)


def exact(seconds: float) -> int | float:
    """A time as result files write it: whole seconds as an integer, any other value as the
    float itself (written with ``repr``, which reads back to the same float). Never ``%g``:
    it wrote 1,000,007 s as 1.00001e+06, and two samples then shared one row label."""
    return int(seconds) if float(seconds).is_integer() else float(seconds)


def _quoted(text: str) -> str:
    """``text`` as a JSON string literal, quotes and escapes included."""
    return json.dumps(text, ensure_ascii=False)


@dataclass
class Collector:
    """Counts and logs for one run."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATES, 0))
    # each phone's state at t = 0, by phone index (``place``)
    initial: array = field(default_factory=lambda: array("b"))
    # The phone log in columns (18 bytes an entry instead of ~200 for a tuple of objects):
    # time, phone index, old and new state as indices into STATES, reason as an index into
    # ``reason_names``. Appended in time order (SimPy's clock never goes back).
    log_time: array = field(default_factory=lambda: array("d"))
    log_phone: array = field(default_factory=lambda: array("i"))
    log_old: array = field(default_factory=lambda: array("b"))
    log_new: array = field(default_factory=lambda: array("b"))
    log_reason: array = field(default_factory=lambda: array("i"))
    reason_names: list[str] = field(default_factory=list)
    _reason_ids: dict[str, int] = field(default_factory=dict)
    # recoveries (a locked phone accepting everything again): when, and whether by hand
    recovery_time: array = field(default_factory=lambda: array("d"))
    recovery_manual: array = field(default_factory=lambda: array("b"))
    operation_log: list[tuple[float, dict]] = field(default_factory=list)
    locked_peak: int = 0
    boots: int = 0
    manual_visits: int = 0
    remote_fixes: int = 0
    technician_seconds: float = 0.0
    """Time technicians spent on finished fixes (visits, re-provisioning, remote resets)."""
    reasons: dict[str, int] = field(default_factory=dict)
    """Lock events per reason (a phone that locks twice counts twice)."""
    unregistered: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATES, 0))
    """Settled phones not registered to a CallManager now, per state (P9)."""
    unregistered_log: Transitions = field(default_factory=Transitions)
    """Their log: the state index before and after (``NONE`` where not counted)."""
    retries: int = 0
    """Unregistered phones going back through TFTP (P9)."""
    clusters: tuple[str, ...] = ()
    """The cluster names when a scenario has several; then each change also logs the cluster
    the phone's DHCP option 150 points at (``log_cluster``), registrations log the cluster a
    phone registers to and moves between clusters are logged (``sim.fleet.clusterstats``)."""
    log_cluster: array = field(default_factory=lambda: array("b"))
    registrations: Transitions = field(default_factory=Transitions)
    moves: Transitions = field(default_factory=Transitions)

    def change(self, now: float, phone: int, old: str, new: str, reason: str,
               unregistered: bool = False, cluster: int = 0) -> None:
        """Phone ``phone`` moves from ``old`` to ``new`` because of ``reason``; an
        ``unregistered`` settled phone stays counted as such in its new state; ``cluster``:
        where its option 150 points (logged with several clusters)."""
        if self.clusters:
            self.log_cluster.append(cluster)
        counts = self.counts
        counts[old] -= 1
        counts[new] += 1
        if unregistered:
            self.unregister(now, old, new)
        reason_id = self._reason_ids.get(reason)
        if reason_id is None:
            reason_id = self.reason_id(reason)
        self.log_time.append(now)
        self.log_phone.append(phone)
        self.log_old.append(STATE_INDEX[old])
        self.log_new.append(STATE_INDEX[new])
        self.log_reason.append(reason_id)
        if new == LOCKED:
            self.reasons[reason] = self.reasons.get(reason, 0) + 1
            if counts[LOCKED] > self.locked_peak:
                self.locked_peak = counts[LOCKED]

    def changes(self, times: np.ndarray, phones: np.ndarray, olds: np.ndarray,
                news: np.ndarray, reasons: np.ndarray, clusters: np.ndarray) -> None:
        """``change`` for many phones at once, in their order, as columns: times, phone
        indices, state indices before and after (``STATE_INDEX``), reason ids
        (``reason_id``), clusters (a storm's restarts or settles, ``sim.fleet.storm``); none
        of the phones counted as unregistered."""
        if self.clusters:
            self.log_cluster.frombytes(clusters.astype(np.int8).tobytes())
        self.log_time.frombytes(times.astype(np.float64).tobytes())
        self.log_phone.frombytes(phones.astype(self.log_phone.typecode).tobytes())
        self.log_old.frombytes(olds.astype(np.int8).tobytes())
        self.log_new.frombytes(news.astype(np.int8).tobytes())
        self.log_reason.frombytes(reasons.astype(self.log_reason.typecode).tobytes())
        delta = np.bincount(news, minlength=len(STATES)) - np.bincount(olds,
                                                                        minlength=len(STATES))
        locked = STATE_INDEX[LOCKED]
        before = self.counts[LOCKED]
        for state, moved in zip(STATES, delta.tolist(), strict=True):
            self.counts[state] += moved
        into = news == locked
        if into.any():  # the most locked at once: the running count along the changes
            steps = into.astype(np.int64) - (olds == locked)
            self.locked_peak = max(self.locked_peak, before + int(np.cumsum(steps).max()))
            for reason, count in zip(*np.unique(reasons[into], return_counts=True),
                                     strict=True):
                name = self.reason_names[reason]
                self.reasons[name] = self.reasons.get(name, 0) + int(count)

    def reason_id(self, reason: str) -> int:
        """The number of ``reason`` in the log's columns, given on its first use."""
        found = self._reason_ids.get(reason)
        if found is None:
            found = self._reason_ids[reason] = len(self.reason_names)
            self.reason_names.append(reason)
        return found

    def place(self, phone: int, state: str) -> None:
        """Count phone ``phone`` entering the run in ``state`` (no log line: it is the start).
        Phones are placed in index order."""
        assert phone == len(self.initial), "phones are placed in index order"
        self.counts[state] += 1
        self.initial.append(STATE_INDEX[state])

    def unregister(self, now: float, old: str | None, new: str | None) -> None:
        """A settled, unregistered phone leaves state ``old`` and/or joins state ``new`` of the
        unregistered count (None: it is not counted on that side) (P9)."""
        if old is not None:
            self.unregistered[old] -= 1
        if new is not None:
            self.unregistered[new] += 1
        self.unregistered_log.add(now, NONE if old is None else STATE_INDEX[old],
                                  NONE if new is None else STATE_INDEX[new])

    def registered(self, now: float, old: int, new: int) -> None:
        """With several clusters: a phone stops being registered to cluster ``old`` and/or
        starts being registered to ``new`` (positions; ``NONE`` on a side where it is not)."""
        self.registrations.add(now, old, new)

    def moved(self, now: float, old: int, new: int) -> None:
        """A phone's DHCP option 150 now points at cluster ``new`` instead of ``old``."""
        self.moves.add(now, old, new)

    def recovered(self, now: float, by_hand: bool) -> None:
        """A locked phone trusts its cluster again, after a technician's fix or without one
        (bulk reset, TVS, a later ITL)."""
        self.recovery_time.append(now)
        self.recovery_manual.append(by_hand)

    def operation(self, now: float, entry: dict) -> None:
        self.operation_log.append((now, entry))

    def event_lines(self, phone_names: list[str], populations: list[str]) -> Iterator[str]:
        """The event log as JSON lines, one at a time (``event_blocks``)."""
        return chain.from_iterable(self.event_blocks(phone_names, populations))

    def event_blocks(self, phone_names: list[str], populations: list[str],
                     size: int = 65536) -> Iterator[list[str]]:
        """The event log as JSON lines in blocks of at most ``size``: operations and phone
        changes merged in time order (operations first at equal times: they cause the
        changes; the operations are few, so each is slotted in by bisection).

        Phone lines are formatted directly (millions of them in a large run), with every name
        JSON-escaped once per distinct name, so a quote or backslash in a population name
        still gives valid JSON; times are exact (``exact``). With several clusters a phone
        line starts with the cluster whose TFTP servers its option 150 gives."""
        quoted = {name: _quoted(name) for name in set(populations)}
        population_of = [quoted[name] for name in populations]
        phone_of = [_quoted(name) for name in phone_names]
        reasons = [_quoted(name) for name in self.reason_names]
        states = [_quoted(state) for state in STATES]
        where = [f'"cluster": {_quoted(name)}, ' for name in self.clusters] or [""]
        clusters = self.log_cluster if self.clusters else bytes(len(self.log_time))

        def phones(first: int, end: int) -> Iterator[list[str]]:
            for lo in range(first, end, size):
                hi = min(lo + size, end)
                yield [f'{{{where[c]}"from": {states[old]}, "kind": "phone", "phone": '
                       f'{phone_of[p]}, "population": {population_of[p]}, '
                       f'"reason": {reasons[r]}, "t": {exact(t)}, "to": {states[new]}}}'
                       for t, p, old, new, r, c in zip(
                           self.log_time[lo:hi], self.log_phone[lo:hi], self.log_old[lo:hi],
                           self.log_new[lo:hi], self.log_reason[lo:hi], clusters[lo:hi],
                           strict=True)]

        start = 0
        for t, entry in self.operation_log:
            before = bisect_left(self.log_time, t, start)
            yield from phones(start, before)
            yield [json.dumps({"t": exact(t), "kind": "operation", **entry}, sort_keys=True,
                              ensure_ascii=False)]
            start = before
        yield from phones(start, len(self.log_time))
