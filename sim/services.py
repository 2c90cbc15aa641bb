"""Capacity of the cluster's services in simulated time: TFTP serving slots and TVS sessions.

A TFTP node serves at most "Maximum Serving Count" transfers at once (500 when co-resident
with CallManager, trust-model 9); a TVS node holds a limited number of TLS sessions. ``Slots`` is
a FIFO counting resource built for fleets: taking a free slot costs no SimPy event, so the
common uncontended case is as cheap as a counter, while a boot storm queues phones in order.
"""

from __future__ import annotations

from collections import deque

import simpy


class Slots:
    """A counting resource with FIFO waiters and peak statistics."""

    __slots__ = ("env", "name", "capacity", "in_use", "waiting", "peak_in_use", "peak_queue",
                 "served")

    def __init__(self, env: simpy.Environment, name: str, capacity: int):
        self.env = env
        self.name = name
        self.capacity = capacity
        self.in_use = 0
        self.waiting: deque[simpy.Event] = deque()
        self.peak_in_use = 0
        self.peak_queue = 0
        self.served = 0

    def take(self) -> simpy.Event | None:
        """Take a slot: ``None`` if one was free (no event needed), else an event to wait on."""
        if self.in_use < self.capacity:
            self.in_use += 1
            self.served += 1
            if self.in_use > self.peak_in_use:
                self.peak_in_use = self.in_use
            return None
        event = self.env.event()
        self.waiting.append(event)
        if len(self.waiting) > self.peak_queue:
            self.peak_queue = len(self.waiting)
        return event

    def give(self) -> None:
        """Return a slot; the longest waiter gets it directly (FIFO)."""
        if self.waiting:
            self.served += 1
            self.waiting.popleft().succeed()
        else:
            self.in_use -= 1
