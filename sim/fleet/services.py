"""Capacity of the cluster's services in simulated time: TFTP serving slots and TVS sessions.

A TFTP node serves at most "Maximum Serving Count" transfers at once (500 when co-resident
with CallManager, trust-model 9); a TVS node holds a limited number of TLS sessions. ``Slots`` is
a FIFO counting resource built for fleets: taking a free slot costs no SimPy event, so the
common uncontended case is as cheap as a counter, while a boot storm queues phones in order.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

import simpy


class Slots:
    """A counting resource with FIFO waiters and peak statistics.

    A phone that finds no free slot yields the ``Slots`` itself; its agent joins ``waiting``
    with the callback that resumes it. ``give`` hands the slot straight to the longest waiter
    and resumes it at the same simulated time without a queue event; hand-overs made while
    one is in progress are queued and run in order (no recursion however long the queue).
    """

    __slots__ = ("env", "name", "capacity", "in_use", "waiting", "peak_in_use", "peak_queue",
                 "served", "_handovers", "_handing")

    def __init__(self, env: simpy.Environment, name: str, capacity: int):
        self.env = env
        self.name = name
        self.capacity = capacity
        self.in_use = 0
        self.waiting: deque[Callable[[None], None]] = deque()
        self.peak_in_use = 0
        self.peak_queue = 0
        self.served = 0
        self._handovers = 0
        self._handing = False

    def take(self) -> bool:
        """Take a free slot if there is one; ``False`` means: yield this ``Slots`` to queue."""
        if self.in_use < self.capacity:
            self.in_use += 1
            self.served += 1
            if self.in_use > self.peak_in_use:
                self.peak_in_use = self.in_use
            return True
        return False

    def enqueue(self, resume: Callable[[None], None]) -> None:
        """Wait for a slot; ``resume`` is called when ``give`` hands one over."""
        self.waiting.append(resume)
        if len(self.waiting) > self.peak_queue:
            self.peak_queue = len(self.waiting)

    def give(self) -> None:
        """Return a slot; the longest waiter gets it directly (FIFO)."""
        self._handovers += 1
        if self._handing:
            return
        self._handing = True
        try:
            while self._handovers:
                self._handovers -= 1
                if self.waiting:
                    self.served += 1
                    self.waiting.popleft()(None)
                else:
                    self.in_use -= 1
        finally:
            self._handing = False
