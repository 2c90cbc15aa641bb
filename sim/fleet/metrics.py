"""The outcome metrics of a run, exact from the change log (README, "Outcome metrics").

Every metric is measured from the **change**: the first disruptive operation that CUCM carried
out (``sim.scenario.events.DISRUPTIVE_ACTIONS``: the operations that change what TFTP serves or
which certificates vouch for it; a refused one changes nothing) or the first lock, whichever
comes first. A run without either has no change and these metrics are null.

- ``time_to_99pct_locked_recovered_s``: from the change until 99 % (rounded up) of the phones
  that ever locked work again. A phone works again at its first working state after its last
  lock; a planned reboot afterwards does not undo that. Null when no phone locked, or when
  fewer than 99 % of them work again by the end.
- ``time_to_pre_change_working_s``: from the change until the number of working phones is back
  at its value just before the change and stays there to the end. Rebooting phones are not
  working, so the procedure's planned resets count. Null if it is not back by the end.
- ``locked_phone_hours``: the area under the locked curve over the whole run (a lower bound
  when phones are still locked at the end).
- ``down_peak``: the most phones at one time, from the change on, that are switched on but not
  working (booting, locked, or done booting and unregistered): what a reset batch, CUCM's own
  resets (A1b) or a lock puts out of service at once.
- outage: a phone's time after the change in ``booting`` or ``locked``; ``offline`` (switched
  off) is no outage. ``outage_phones`` had any; ``outage_median_s`` and ``outage_p95_s`` over
  them (linear interpolation between ranks, numpy's default).

"Working" is a state of ``sim.fleet.collector.WORKING`` and registered to a CallManager (P9):
the settled phones that are unregistered are subtracted. The functions take plain arrays, so
tests feed them change logs built by hand.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.fleet.collector import BOOTING, LOCKED, OFFLINE, STATE_INDEX, WORKING, Collector
from sim.fleet.series import Steps, column, unregistered_steps

_WORKING = np.array([STATE_INDEX[s] for s in WORKING])
_OUTAGE = np.array([STATE_INDEX[s] for s in (BOOTING, LOCKED)])
_LOCKED = STATE_INDEX[LOCKED]
_OFFLINE = STATE_INDEX[OFFLINE]


@dataclass(frozen=True)
class ChangeLog:
    """A run's phone changes sorted by phone (time order within a phone), and where each
    phone's state interval ends: the phone's next change or the end of the run."""

    phone: np.ndarray
    time: np.ndarray
    new: np.ndarray
    initial: np.ndarray
    first_time: np.ndarray
    end: float

    @classmethod
    def of(cls, collector: Collector, end: float) -> ChangeLog:
        return cls.build(column(collector.log_phone), column(collector.log_time),
                         column(collector.log_new), column(collector.initial), end)

    @classmethod
    def build(cls, phone: np.ndarray, time: np.ndarray, new: np.ndarray,
              initial: np.ndarray, end: float) -> ChangeLog:
        order = np.argsort(phone, kind="stable")
        phone, time = phone[order], time[order]
        first_time = np.full(len(initial), end)
        np.minimum.at(first_time, phone, time)
        return cls(phone, time, new[order], initial, first_time, end)

    def next_time(self) -> np.ndarray:
        """End of the interval each change starts: the same phone's next change, else the end."""
        following = np.full(len(self.time), self.end)
        same = self.phone[1:] == self.phone[:-1]
        following[:-1][same] = self.time[1:][same]
        return following

    def time_in(self, states: np.ndarray, since: float = 0.0) -> np.ndarray:
        """Seconds each phone spent in ``states`` between ``since`` and the end."""
        starts = np.concatenate([np.zeros(len(self.initial)), self.time])
        ends = np.concatenate([self.first_time, self.next_time()])
        state = np.concatenate([self.initial, self.new])
        phone = np.concatenate([np.arange(len(self.initial)), self.phone])
        length = np.clip(ends, since, None) - np.clip(starts, since, None)
        return np.bincount(phone, weights=np.where(np.isin(state, states), length, 0.0),
                           minlength=len(self.initial))

    def recovered_at(self) -> np.ndarray:
        """Per phone that ever locked: when it first worked after its last lock (inf if
        never); phones that never locked are left out."""
        index = np.arange(len(self.time))
        last_lock = np.full(len(self.initial), -1)
        locks = self.new == _LOCKED
        np.maximum.at(last_lock, self.phone[locks], index[locks])
        after = np.isin(self.new, _WORKING) & (index > last_lock[self.phone]) & \
            (last_lock[self.phone] >= 0)
        recovered = np.full(len(self.initial), np.inf)
        np.minimum.at(recovered, self.phone[after], self.time[after])
        return recovered[last_lock >= 0]


def change_start(operations: Iterable[tuple[float, dict]], disruptive: frozenset[str],
                 first_lock: float | None) -> tuple[float | None, str | None]:
    """When the change starts and what started it: the first disruptive operation CUCM
    carried out, or the first lock if that came earlier (module doc)."""
    op = next(((at, entry) for at, entry in operations if entry.get("action") in disruptive
               and entry.get("status") == "done"), None)
    if first_lock is not None and (op is None or first_lock < op[0]):
        return first_lock, "first lock"
    if op is None:
        return None, None
    return op[0], op[1].get("command") or op[1]["action"]


def share_needed(count: int, share: float = 0.99) -> int:
    """How many of ``count`` make ``share`` of them, rounded up (99 of 100, 50 of 50)."""
    return -(-count * round(share * 100) // 100)


def time_to_recover(recovered: np.ndarray, start: float, share: float = 0.99) -> float | None:
    """Seconds from ``start`` until ``share`` of the phones in ``recovered`` (times, inf for
    never) work again; None for no phones or if never."""
    if len(recovered) == 0:
        return None
    when = float(np.sort(recovered)[share_needed(len(recovered), share) - 1])
    return when - start if np.isfinite(when) else None


def working_counts(steps: Steps, unregistered: Steps) -> tuple[np.ndarray, np.ndarray, int]:
    """Instants at which the working count changes, the count after each, and at t = 0:
    phones in a working state less the unregistered ones (P9)."""
    times = np.union1d(steps.times, unregistered.times)
    working = steps.at(times)[:, _WORKING].sum(axis=1) - \
        unregistered.at(times)[:, _WORKING].sum(axis=1)
    initial = steps.initial[_WORKING].sum() - unregistered.initial[_WORKING].sum()
    return times, working, int(initial)


def time_back_to(times: np.ndarray, values: np.ndarray, initial: int, start: float,
                 target: int) -> float | None:
    """Seconds from ``start`` until a step function (``initial``, then ``values[i]`` from
    ``times[i]``) is at least ``target`` and stays so to the end; None if it ends below."""
    ends = np.r_[times, np.inf]
    level = np.r_[initial, values]
    below = np.flatnonzero((ends > start) & (level < target))
    if len(below) == 0:
        return 0.0
    if below[-1] == len(level) - 1:
        return None
    return float(times[below[-1]]) - start


def count_before(times: np.ndarray, values: np.ndarray, initial: int, when: float) -> int:
    """The step function's value just before ``when``."""
    index = int(np.searchsorted(times, when, side="left"))
    return initial if index == 0 else int(values[index - 1])


def down_peak(steps: Steps, times: np.ndarray, working: np.ndarray, initial: int,
              start: float) -> int:
    """The most phones on but not working at one time from ``start`` on: all phones less the
    switched-off and the working ones (``working_counts`` gives ``times``, ``working`` and
    ``initial``); the level current at ``start`` counts."""
    total = int(steps.initial.sum())
    down = total - steps.at(times)[:, _OFFLINE] - working
    level = total - int(steps.initial[_OFFLINE]) - initial
    at_start = int(np.searchsorted(times, start, side="right")) - 1
    if at_start >= 0:
        level = int(down[at_start])
    later = down[times > start]
    return max(level, int(later.max())) if len(later) else level


def percentiles(values: Sequence[float] | np.ndarray) -> tuple[float | None, float | None]:
    """Median and 95th percentile (numpy's default linear interpolation), None when empty."""
    if len(values) == 0:
        return None, None
    median, p95 = np.percentile(values, [50, 95])
    return float(median), float(p95)


def lock_reason_phones(collector: Collector) -> dict[str, int]:
    """Phones that locked at least once for each reason (a phone that locked twice for one
    reason counts once; for two reasons, once under each). ``Collector.reasons`` counts lock
    events instead."""
    locks = column(collector.log_new) == _LOCKED
    reasons = max(len(collector.reason_names), 1)
    # each (phone, reason) once, as one integer: np.unique along an axis is ten times slower
    pairs = np.unique(column(collector.log_phone)[locks].astype(np.int64) * reasons
                      + column(collector.log_reason)[locks])
    phones = np.bincount(pairs % reasons, minlength=len(collector.reason_names))
    return {name: int(phones[i]) for i, name in sorted(
        enumerate(collector.reason_names), key=lambda item: item[1]) if phones[i]}


def outcome_metrics(collector: Collector, end: float, disruptive: frozenset[str]
                    ) -> dict[str, Any]:
    """The outcome metrics of the module doc, for the summary."""
    log = ChangeLog.of(collector, end)
    locks = column(collector.log_new) == _LOCKED
    first_lock = float(column(collector.log_time)[locks][0]) if locks.any() else None
    start, cause = change_start(collector.operation_log, disruptive, first_lock)
    locked_hours = float(log.time_in(np.array([_LOCKED])).sum()) / 3600.0
    result: dict[str, Any] = {
        "change_start_s": start, "change_started_by": cause,
        "locked_phone_hours": round(locked_hours, 3),
        "time_to_99pct_locked_recovered_s": None, "pre_change_working": None,
        "time_to_pre_change_working_s": None, "down_peak": None, "outage_phones": None,
        "outage_median_s": None, "outage_p95_s": None,
    }
    if start is None:
        return result
    steps = Steps.of(collector)
    times, working, initial = working_counts(steps, unregistered_steps(collector))
    before = count_before(times, working, initial, start)
    outage = log.time_in(_OUTAGE, since=start)
    median, p95 = percentiles(outage[outage > 0])
    result.update({
        "time_to_99pct_locked_recovered_s": _rounded(time_to_recover(log.recovered_at(),
                                                                     start)),
        "pre_change_working": before,
        "time_to_pre_change_working_s": _rounded(time_back_to(times, working, initial, start,
                                                              before)),
        "down_peak": down_peak(steps, times, working, initial, start),
        "outage_phones": int((outage > 0).sum()), "outage_median_s": _rounded(median),
        "outage_p95_s": _rounded(p95),
    })
    return result


def _rounded(seconds: float | None) -> float | None:
    """Microseconds are noise in a summary and make numbers harder to compare by eye."""
    return None if seconds is None else round(seconds, 3)
