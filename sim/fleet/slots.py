"""First-come-first-served slot times for a boot storm, exact, as arrays (the cohort engine).

A storm is ``n`` phones that each go through the same fixed sequence of segments after their
own arrival time: hold a slot of a resource (a TFTP node's serving count, a TVS node's
sessions, ``sim.fleet.services.Slots``) for a duration, or just wait a duration (no resource),
or skip the segment (no resource, zero duration). ``schedule`` returns when every segment of
every phone ends, under the semantics of ``Slots``: a request takes a free slot at once, else
queues first-come-first-served and gets the slot the moment one is given back; a phone asks
for its next segment the moment the previous one ends.

Two exact paths:

- no queue anywhere (the common case: a dedicated TFTP node serves 1,500 at once): every
  segment starts when the previous one ends, so the end times are a cumulative sum; this holds
  exactly when, at every instant, each resource's concurrent holders number at most its
  capacity, which is checked with one sort per resource (numpy);
- otherwise a small event loop over the storm's phones only (a heap of segment ends and a FIFO
  per resource), without SimPy, generators or per-phone objects.

Ties in time (only with fixed distributions) are ordered by phone index, as the agents' SimPy
events of one reset would be.
"""

from __future__ import annotations

import heapq
import math
from array import array
from dataclasses import dataclass
from typing import Any

import numpy as np

NONE = -1  # a segment that holds no resource: a plain delay, or skipped when it lasts 0 s
PARKED_BLOCK = 64  # queued phones moved to the request heap at once (``_queued``)


@dataclass
class Schedule:
    """When each segment of each phone ends (``ends[k, i]``), and per resource the most
    slots in use at once, the longest queue and how many requests it served."""

    ends: np.ndarray
    peak_in_use: list[int]
    peak_queue: list[int]
    served: list[int]


def schedule(arrive: np.ndarray, resource: np.ndarray, duration: np.ndarray,
             capacity: list[int]) -> Schedule:
    """End times of ``n`` phones' segments: ``arrive[i]`` when phone ``i`` asks for its first
    segment; ``resource[k, i]`` (an index into ``capacity``, or ``NONE``) and
    ``duration[k, i]`` its segment ``k``. Resources are idle at the start."""
    ends = arrive + np.cumsum(duration, axis=0)
    starts = ends - duration
    peaks = [_peak_holders(starts, ends, resource == r) for r in range(len(capacity))]
    if all(peak <= cap for peak, cap in zip(peaks, capacity, strict=True)):
        return Schedule(ends, peaks, [0] * len(capacity),
                        [int(np.count_nonzero(resource == r)) for r in range(len(capacity))])
    del ends, starts  # a million-phone storm: 100 MB the exact pass does not need
    return _queued(arrive, resource, duration, capacity)


def _peak_holders(starts: np.ndarray, ends: np.ndarray, holds: np.ndarray, *,
                  ends_first: bool = False) -> int:
    """The most intervals ``[start, end)`` (where ``holds``) open at once. At equal times a
    start counts before an end (conservative: a tie never hides a full resource), or after
    it with ``ends_first`` (exact slot times, where a slot freed at ``t`` is taken at ``t``)."""
    if not holds.any():
        return 0
    count = int(holds.sum())
    up, down = np.ones(count, np.int64), -np.ones(count, np.int64)
    # a stable sort by time keeps the order of the concatenation at equal times
    if ends_first:
        times, steps = np.concatenate((ends[holds], starts[holds])), np.concatenate((down, up))
    else:
        times, steps = np.concatenate((starts[holds], ends[holds])), np.concatenate((up, down))
    return int(np.cumsum(steps[np.argsort(times, kind="stable")]).max())


def _queued(arrive: np.ndarray, resource: np.ndarray, duration: np.ndarray,
            capacity: list[int]) -> Schedule:
    """The exact FIFO schedule when some request has to wait.

    Requests are taken in the order they are made. A request made at ``t`` takes the slot that
    frees first, at ``max(t, free)``: every request made before it already holds its slot, so
    this is first-come-first-served, and a freed slot passing straight to the longest waiter
    (``Slots.give``) is the same thing. Each resource is a heap of its slots' free times.

    Only the segments that hold a slot go through the pass (``_chain``: after each, the next
    one and the delays in between); plain delays are added afterwards, as arrays. A phone's
    first request comes from the arrivals in time order (a pointer); its later ones from a
    heap. A phone that had to queue cannot ask again before its slot starts, and a resource's
    slots start in request order, so such phones wait in a per-resource FIFO until the clock
    reaches their start: the heap holds only phones in service or between two slots, small
    however far the storm overflows. Queue peaks come afterwards from the waits."""
    segments, n = resource.shape
    following, gap, first, lead = _chain(resource, duration)
    # segment k of phone i at flat index k * n + i: memoryviews of the numpy tables, read and
    # written one number at a time without a copy or a Python number per entry
    res, dur, nxt, wait = (_flat(table) for table in (
        np.ascontiguousarray(resource, np.int16), np.ascontiguousarray(duration, np.float64),
        following, gap))
    end_table, begin_table = np.zeros((segments, n)), np.zeros((segments, n))
    ends, begins = _flat(end_table), _flat(begin_table)
    free = [[0.0] * c for c in capacity]  # zeros: already heaps
    pending: list[tuple[float, int, int]] = []  # (request time, order, flat index)
    # per resource, the phones that queued, in slot start order, as flat indices: of their
    # next request and of the slot they queued for (its start is ``begins`` there, and the
    # request comes ``wait`` after its end); a FIFO of plain integers, read from ``heads`` on
    parked = [(array("l"), array("l")) for _ in capacity]
    heads = [0] * len(capacity)
    order = next_arrival = 0
    released = math.inf  # the earliest slot start of a parked phone
    asks_first = arrive + lead
    by_time = np.argsort(asks_first, kind="stable")
    by_time = by_time[first[by_time] >= 0]  # phones that ask for a slot at all
    arrivals, who = [*asks_first[by_time].tolist(), math.inf], first[by_time].tolist()
    count = len(who)
    while True:
        soonest = arrivals[next_arrival]
        if pending and pending[0][0] < soonest:
            soonest = pending[0][0]
        if released <= soonest and released != math.inf:
            # the phones whose slots have started by then may ask again, a block at a time:
            # the heap stays small, and min() runs seldom
            for r, (asking, slot) in enumerate(parked):
                head = heads[r]
                if head < len(asking) and begins[slot[head]] <= soonest:
                    heads[r] = min(len(asking), head + PARKED_BLOCK)
                    for flat, held in zip(asking[head:heads[r]], slot[head:heads[r]],
                                          strict=True):
                        order += 1
                        heapq.heappush(pending, (ends[held] + wait[held], order, flat))
            released = min((begins[slot[heads[r]]] for r, (asking, slot) in enumerate(parked)
                            if heads[r] < len(asking)), default=math.inf)
            continue
        if soonest == math.inf:
            break
        if soonest < arrivals[next_arrival]:
            now, _, at = heapq.heappop(pending)
        else:
            now, at = soonest, who[next_arrival]
            next_arrival += 1
        r = res[at]
        slots = free[r]
        started = slots[0] if slots[0] > now else now
        begins[at] = started
        ends[at] = end = started + dur[at]
        heapq.heapreplace(slots, end)
        then = nxt[at]
        if then < 0:
            continue
        if started > now:  # it waits for its slot to start before it can ask again
            parked[r][0].append(then)
            parked[r][1].append(at)
            if started < released:
                released = started
        else:
            order += 1
            heapq.heappush(pending, (end + wait[at], order, then))
    assert next_arrival == count
    return _with_delays(arrive, resource, duration, capacity, end_table, begin_table)


def _flat(table: np.ndarray) -> Any:
    """A C-contiguous table as a flat memoryview of its numbers (item ``k * n + i``); typed
    ``Any``: a memoryview's items are floats or integers by its format, which typing does not
    follow."""
    return table.ravel().data


def _chain(resource: np.ndarray, duration: np.ndarray) -> tuple[np.ndarray, np.ndarray,
                                                                  np.ndarray, np.ndarray]:
    """For each segment, the flat index of the phone's next segment that holds a slot (-1:
    none) and the sum of the plain delays in between; for each phone, its first such segment
    (-1: none) and the delays before it. (Between two slots of a boot the plain segments are
    unused TVS steps of zero duration, so these sums are the agents' to the bit.)"""
    segments, n = resource.shape
    base = np.arange(n, dtype=np.int64)
    following = np.full((segments, n), -1, np.int64)
    gap = np.zeros((segments, n))
    upcoming = np.full(n, -1, np.int64)
    delays = np.zeros(n)
    for k in range(segments - 1, -1, -1):
        following[k], gap[k] = upcoming, delays
        holds = resource[k] != NONE
        upcoming = np.where(holds, base + k * n, upcoming)
        delays = np.where(holds, 0.0, delays + duration[k])
    return following, gap, upcoming, delays


def _with_delays(arrive: np.ndarray, resource: np.ndarray, duration: np.ndarray,
                 capacity: list[int], end: np.ndarray, begin: np.ndarray) -> Schedule:
    """The schedule from the pass's slot times (``end``, completed in place): each plain delay
    ends its own duration after the segment before it; peaks from the intervals."""
    before = arrive
    for k in range(len(end)):
        plain = resource[k] == NONE
        end[k][plain] = before[plain] + duration[k][plain]
        before = end[k]
    asked_at = np.vstack((arrive[np.newaxis], end[:-1]))
    holds = [resource == r for r in range(len(capacity))]
    return Schedule(
        end,
        [_peak_holders(begin, end, h, ends_first=True) for h in holds],
        [_peak_holders(asked_at, begin, h & (begin > asked_at), ends_first=True)
         for h in holds],
        [int(h.sum()) for h in holds])
