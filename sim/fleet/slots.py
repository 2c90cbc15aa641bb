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

    A phone's first request comes from the arrivals in time order (a pointer); its later ones
    from a heap. A phone that had to queue cannot ask again before its slot starts, and a
    resource's slots start in request order, so such phones wait in a per-resource FIFO until
    the clock reaches their start: the heap holds only phones in service or between two slots,
    small however far the storm overflows. Queue peaks come afterwards from the waits."""
    segments, n = resource.shape
    # phone i's segment k at i * segments + k; arrays rather than lists of Python numbers
    # (a million-phone storm: 50 MB instead of 250 MB)
    res, dur = array("h"), array("d")
    res.frombytes(np.ascontiguousarray(resource.T, np.int16).ravel().data.cast("B"))
    dur.frombytes(np.ascontiguousarray(duration.T, np.float64).ravel().data.cast("B"))
    ends = array("d", [0.0]) * (n * segments)
    begins = array("d", [0.0]) * (n * segments)
    free = [[0.0] * c for c in capacity]  # zeros: already heaps
    pending: list[tuple[float, int, int]] = []  # (request time, order, flat index)
    # per resource, the phones that queued, in slot start order, as flat indices: of their
    # next request (its time is the end of the segment before) and of the slot they queued for
    # (its start is ``begins`` there); a FIFO of plain integers, read from ``heads`` on
    parked = [(array("i"), array("i")) for _ in capacity]
    heads = [0] * len(capacity)
    order = next_arrival = 0
    released = math.inf  # the earliest slot start of a parked phone
    first = np.argsort(arrive, kind="stable")
    arrivals, who = [*arrive[first].tolist(), math.inf], (first * segments).tolist()
    while True:
        soonest = arrivals[next_arrival]
        if pending and pending[0][0] < soonest:
            soonest = pending[0][0]
        if released <= soonest and released != math.inf:
            # the phones whose slots have started by then may ask again
            # a block at a time: the heap stays small, and min() runs seldom
            for r, (asking, slot) in enumerate(parked):
                head = heads[r]
                if head < len(asking) and begins[slot[head]] <= soonest:
                    heads[r] = min(len(asking), head + PARKED_BLOCK)
                    for flat in asking[head:heads[r]]:
                        order += 1
                        heapq.heappush(pending, (ends[flat - 1], order, flat))
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
        last = at - at % segments + segments
        r, asked, slot_at = res[at], now, at
        if r != NONE:  # the request: the slot that frees first
            slots = free[r]
            started = slots[0] if slots[0] > now else now
            begins[at] = started
            ends[at] = now = started + dur[at]
            heapq.heapreplace(slots, now)
            at += 1
        while at < last:  # delays up to the next request, or to the end
            if res[at] != NONE:
                if r != NONE and started > asked:  # it waits for its slot to start first
                    parked[r][0].append(at)
                    parked[r][1].append(slot_at)
                    if started < released:
                        released = started
                else:
                    order += 1
                    heapq.heappush(pending, (now, order, at))
                break
            begins[at] = now
            ends[at] = now = now + dur[at]
            at += 1
    shape = (n, segments)
    end = np.frombuffer(ends).reshape(shape).T
    begin = np.frombuffer(begins).reshape(shape).T
    asked_at = np.vstack((arrive[np.newaxis], end[:-1]))
    holds = [resource == r for r in range(len(capacity))]
    return Schedule(
        np.ascontiguousarray(end),
        [_peak_holders(begin, end, h, ends_first=True) for h in holds],
        [_peak_holders(asked_at, begin, h & (begin > asked_at), ends_first=True)
         for h in holds],
        [int(h.sum()) for h in holds])
