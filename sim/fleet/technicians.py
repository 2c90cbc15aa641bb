"""Recovering locked phones by hand (trust-model section 7).

A team of technicians works through locked phones in the order they locked. Per phone the
first method of the policy that the phone allows is used: ``remote`` (reset security settings
through the web interface: needs web access and a reachable phone, no visit), ``menu`` (erase the
ITL from Settings > Security: needs settings access, one visit), ``factory`` (power up holding
#, one visit plus re-provisioning). All of them leave the phone without an ITL, so its next
boot trusts the current ITL on first use (P1).
"""

from __future__ import annotations

from collections import deque
from typing import Any

import simpy

from sim.fleet.agent import Process
from sim.fleet.collector import LOCKED
from sim.fleet.model import FleetModel
from sim.fleet.phones import Phone
from sim.scenario.durations import DAY, HOUR


class Technicians:
    """The manual-recovery policy at work; started by ``start()`` (a time or an event)."""

    def __init__(self, model: FleetModel, *, count: int, methods: tuple[str, ...],
                 working_hours: tuple[float, float] | None, working_days: int = 7,
                 week_offset: float = 0.0):
        self.model = model
        self.env = model.env
        self.count = count
        self.methods = methods
        self.working_hours = working_hours
        self.working_days = working_days
        self.week_offset = week_offset  # t = 0 is this many seconds after a Monday 00:00 (I18)
        self.queue: deque[Phone] = deque()
        self.started = False
        self._wake: simpy.Event = self.env.event()
        model.on_lock.append(self.enqueue)

    def enqueue(self, phone: Phone) -> None:
        """A phone locked: it joins the technicians' work list once."""
        if not phone.fixed_by_hand and not phone.queued:
            phone.queued = True
            self.queue.append(phone)
            self._signal()

    def start(self) -> None:
        if self.started or self.count <= 0:
            return
        self.started = True
        self.model.hands_on = True
        for _ in range(self.count):
            self.env.process(self.work())

    def _signal(self) -> None:
        if not self._wake.triggered:
            self._wake.succeed()

    def work(self) -> Process:
        """One technician: at work, take the next phone that is still locked, fix it, repeat.
        The phone is taken once the working period has begun, so a phone that recovered by
        itself overnight (a bulk reset, TVS) is not erased in the morning."""
        while True:
            yield from self._within_hours()
            phone = self._next_locked()
            if phone is None:
                self._wake = self.env.event() if self._wake.triggered else self._wake
                yield self._wake
                continue
            method = self.method_for(phone)
            spent = self.duration(method)
            yield self.env.timeout(spent)
            self.model.collector.technician_seconds += spent
            self.fix(phone, method)

    def _next_locked(self) -> Phone | None:
        while self.queue:
            phone = self.queue.popleft()
            phone.queued = False
            if phone.state == LOCKED:
                return phone
        return None

    def method_for(self, phone: Phone) -> str:
        """The first method of the policy this phone allows (section 7)."""
        for method in self.methods:
            access = phone.group.profile
            if method == "remote" and access.web_access and not phone.group.partitioned:
                return method
            if method == "menu" and access.settings_access:
                return method
            if method == "factory":
                return method
        return "factory"

    def duration(self, method: str) -> float:
        sample = self.model.sample
        if method == "remote":
            return sample["remote"]()
        if method == "menu":
            return sample["visit"]()
        return sample["visit"]() + sample["reprovision"]()

    def fix(self, phone: Phone, method: str) -> None:
        """The ITL (and CTL) is erased; the phone reboots and trusts on first use (P1)."""
        collector = self.model.collector
        if method == "remote":
            collector.remote_fixes += 1
        else:
            collector.manual_visits += 1
        phone.trust.erase()
        phone.fixed_by_hand = True
        if phone.online:
            self.model.reboot(phone, f"manual-{method}")

    def _within_hours(self) -> Any:
        """Wait for the next working period: working hours on working days, on the clock of
        the scenario's start (without one, t = 0 is a Monday 00:00, I18)."""
        start, end = (h * HOUR for h in self.working_hours or (0, 24))
        wait = next_work_start(self.env.now + self.week_offset, start, end, self.working_days)
        if wait > 0:
            yield self.env.timeout(wait)


def next_work_start(now: float, start: float, end: float, days: int) -> float:
    """Seconds from ``now`` until technicians may start a job: 0 inside a working period,
    else until the next one (days 0..``days``-1 of each week, hours ``start``-``end``;
    ``now`` counts from a Monday 00:00)."""
    for day_offset in range(8):
        day = int(now // DAY) + day_offset
        if day % 7 >= days:
            continue
        opens, closes = day * DAY + start, day * DAY + end
        if now < closes:
            return max(opens - now, 0.0)
    raise AssertionError("a working week always has a working period")
