"""The DataCollector: phone-state counts, the time series, the event log, summary counters.

State changes are counted as they happen (O(1) per change), so sampling the time series at
each resolution tick is a copy of five integers. The event log keeps, in order, every
administrator operation with its outcome and every phone state change with its reason; it is
formatted once at the end of the run.
"""

from __future__ import annotations

import heapq
import json
from array import array
from dataclasses import dataclass, field

OFFLINE, BOOTING, TRUSTED, LOCKED, UNSECURED = "offline", "booting", "trusted", "locked", \
    "unsecured"
STATES = (TRUSTED, LOCKED, BOOTING, OFFLINE, UNSECURED)
_STATE_INDEX = {state: i for i, state in enumerate(STATES)}


@dataclass
class Collector:
    """Counts and logs for one run."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATES, 0))
    series: list[tuple[float, tuple[int, ...]]] = field(default_factory=list)
    # cumulative recoveries (a locked phone accepting everything again), by who did it
    recoveries_bulk: int = 0
    recoveries_manual: int = 0
    recovery_series: list[tuple[float, int, int]] = field(default_factory=list)
    # The phone log in columns (~15 bytes an entry instead of ~200 for a tuple of objects):
    # time, phone index, old and new state as indices into STATES, reason as an index into
    # ``reason_names``.
    log_time: array = field(default_factory=lambda: array("d"))
    log_phone: array = field(default_factory=lambda: array("l"))
    log_old: array = field(default_factory=lambda: array("b"))
    log_new: array = field(default_factory=lambda: array("b"))
    log_reason: array = field(default_factory=lambda: array("l"))
    reason_names: list[str] = field(default_factory=list)
    _reason_ids: dict[str, int] = field(default_factory=dict)
    operation_log: list[tuple[float, dict]] = field(default_factory=list)
    locked_peak: int = 0
    boots: int = 0
    manual_visits: int = 0
    remote_fixes: int = 0
    reasons: dict[str, int] = field(default_factory=dict)

    def change(self, now: float, phone: int, old: str, new: str, reason: str) -> None:
        """Phone ``phone`` moves from ``old`` to ``new`` because of ``reason``."""
        counts = self.counts
        counts[old] -= 1
        counts[new] += 1
        reason_id = self._reason_ids.get(reason)
        if reason_id is None:
            reason_id = self._reason_ids[reason] = len(self.reason_names)
            self.reason_names.append(reason)
        self.log_time.append(now)
        self.log_phone.append(phone)
        self.log_old.append(_STATE_INDEX[old])
        self.log_new.append(_STATE_INDEX[new])
        self.log_reason.append(reason_id)
        if new == LOCKED:
            self.reasons[reason] = self.reasons.get(reason, 0) + 1
            if counts[LOCKED] > self.locked_peak:
                self.locked_peak = counts[LOCKED]

    def place(self, state: str) -> None:
        """Count a phone entering the run in ``state`` (no log line: it is the start)."""
        self.counts[state] += 1

    def sample(self, now: float) -> None:
        self.series.append((now, tuple(self.counts[s] for s in STATES)))
        self.recovery_series.append((now, self.recoveries_bulk, self.recoveries_manual))

    def recovered(self, by_hand: bool) -> None:
        """A locked phone trusts its cluster again, after a technician's fix or without one
        (bulk reset, TVS, a later ITL)."""
        if by_hand:
            self.recoveries_manual += 1
        else:
            self.recoveries_bulk += 1

    def operation(self, now: float, entry: dict) -> None:
        self.operation_log.append((now, entry))

    def event_lines(self, phone_names: list[str], populations: list[str]) -> list[str]:
        """The event log as JSON lines, operations and phone changes merged in time order
        (operations first at equal times: they cause the changes)."""
        ops = [(t, 0, i, json.dumps({"t": round(t, 3), "kind": "operation", **entry},
                                    sort_keys=True))
               for i, (t, entry) in enumerate(self.operation_log)]
        reasons = self.reason_names
        phones = (
            (t, 1, i, f'{{"from": "{STATES[old]}", "kind": "phone", "phone": '
                      f'"{phone_names[p]}", "population": "{populations[p]}", '
                      f'"reason": "{reasons[r]}", "t": {round(t, 3)}, "to": "{STATES[new]}"}}')
            for i, (t, p, old, new, r) in enumerate(zip(
                self.log_time, self.log_phone, self.log_old, self.log_new, self.log_reason,
                strict=True)))
        return [line for *_, line in heapq.merge(ops, phones)]

    def time_to_share(self, total: int, share: float = 0.99) -> float | None:
        """When the trusted (or unsecured-by-rollback) share last reached ``share`` of the
        fleet and stayed there to the end: 0.0 if it never dropped below, ``None`` if it was
        still below at the last sample."""
        if not self.series or total == 0:
            return None
        trusted, unsecured = STATES.index(TRUSTED), STATES.index(UNSECURED)
        last_below = None
        for now, values in self.series:
            if values[trusted] + values[unsecured] < share * total:
                last_below = now
        if last_below is None:
            return 0.0
        later = [t for t, _ in self.series if t > last_below]
        return later[0] if later else None
