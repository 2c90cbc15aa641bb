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
from collections import deque
from dataclasses import dataclass

import numpy as np

NONE = -1  # a segment that holds no resource: a plain delay, or skipped when it lasts 0 s


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
    served = [int(np.count_nonzero(resource == r)) for r in range(len(capacity))]
    peaks = [_peak_holders(ends - duration, ends, resource == r) for r in range(len(capacity))]
    if all(peak <= cap for peak, cap in zip(peaks, capacity, strict=True)):
        return Schedule(ends, peaks, [0] * len(capacity), served)
    return _queued(arrive, resource, duration, capacity)


def _peak_holders(starts: np.ndarray, ends: np.ndarray, holds: np.ndarray) -> int:
    """The most intervals ``[start, end)`` (where ``holds``) open at once; at equal times a
    start counts before an end (conservative: a tie never hides a full resource)."""
    if not holds.any():
        return 0
    times = np.concatenate((starts[holds], ends[holds]))
    steps = np.concatenate((np.ones(int(holds.sum()), np.int64),
                            -np.ones(int(holds.sum()), np.int64)))
    order = np.lexsort((-steps, times))
    return int(np.cumsum(steps[order]).max())


def _queued(arrive: np.ndarray, resource: np.ndarray, duration: np.ndarray,
            capacity: list[int]) -> Schedule:
    """The exact FIFO schedule when some request has to wait: an event loop over the storm.

    First requests come from the arrivals in time order (a pointer, not the heap), and the
    delays after a phone's last slot end without an event, so the heap holds only the slots
    in use and delays between them: small however large the storm."""
    segments, n = resource.shape
    res = resource.T.tolist()
    dur = duration.T.tolist()
    holds = resource != NONE
    # after a phone's last slot only delays follow: they end without an event
    last_slot = np.where(holds.any(axis=0), segments - 1 - np.argmax(holds[::-1], axis=0),
                         -1).tolist()
    ends = [[0.0] * segments for _ in range(n)]
    free = list(capacity)
    waiting: list[deque[tuple[int, int]]] = [deque() for _ in capacity]
    peak_in_use = [0] * len(capacity)
    peak_queue = [0] * len(capacity)
    served = [0] * len(capacity)
    heap: list[tuple[float, int, int, int]] = []  # (time, order, phone, k or ~k for a release)
    order = 0

    def begin(i: int, k: int, now: float) -> None:
        """Phone ``i`` asks for segment ``k`` (and the ones after it) at ``now``."""
        nonlocal order
        mine, lasts = ends[i], last_slot[i]
        while k < segments:
            r, d = res[i][k], dur[i][k]
            if r == NONE:
                now = mine[k] = now + d
                if d > 0 and k < lasts:
                    order += 1
                    heapq.heappush(heap, (now, order, i, k + 1))
                    return
                k += 1
                continue
            if free[r]:
                free[r] -= 1
                served[r] += 1
                peak_in_use[r] = max(peak_in_use[r], capacity[r] - free[r])
                mine[k] = now + d
                order += 1
                heapq.heappush(heap, (now + d, order, i, ~k))
            else:
                waiting[r].append((i, k))
                peak_queue[r] = max(peak_queue[r], len(waiting[r]))
            return

    first = np.argsort(arrive, kind="stable")
    arrivals, who = arrive[first].tolist(), first.tolist()
    next_arrival = 0
    while next_arrival < n or heap:
        if next_arrival < n and (not heap or arrivals[next_arrival] <= heap[0][0]):
            begin(who[next_arrival], 0, arrivals[next_arrival])
            next_arrival += 1
            continue
        now, _, i, k = heapq.heappop(heap)
        if k >= 0:
            begin(i, k, now)
            continue
        k = ~k
        r = res[i][k]
        if waiting[r]:  # the slot passes straight to the longest waiter (``Slots.give``)
            j, kj = waiting[r].popleft()
            served[r] += 1
            ends[j][kj] = now + dur[j][kj]
            order += 1
            heapq.heappush(heap, (now + dur[j][kj], order, j, ~kj))
        else:
            free[r] += 1
        begin(i, k + 1, now)
    return Schedule(np.array(ends).T.reshape(segments, n), peak_in_use, peak_queue, served)
