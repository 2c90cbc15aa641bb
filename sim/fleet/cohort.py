"""The cohort engine: the phones of one reset boot together, as arrays (``--engine cohort``).

A CUCM reset (A1b, A11) restarts thousands of phones at one instant, and phones that hold the
same files in the same population take the same decisions: only their random durations differ
(trust-model section 4). ``CohortModel`` boots such a storm without an agent per phone: it
draws every duration at once, takes each distinct case's decisions once from the trust engine
(``FleetModel.offer_ctl``/``offer_itl``/``_decide`` on a scratch phone: the same memo, the same
RSA checks), computes the exact first-come-first-served TFTP and TVS slot times
(``sim.fleet.slots``) and settles the phones at their own times in time order, between the
other SimPy events (``Storm.drain``: SimPy stays the clock).

The storm is taken over only when it has at least ``SMALLEST_STORM`` phones (smaller ones are
cheaper as agents) and its outcome is exactly the agents' (otherwise the phones get agents,
with the hardware delays already drawn, so the run is then the agents' run):

- no other event can happen while it is in flight: no pending SimPy event before its last
  phone settles except processes known to touch nothing (``FleetModel.bystanders``: progress
  bar, RTMT alert); the end of the run, timeline events, TFTP restarts, offline phones coming
  back, batches, registration retries and anything a later feature schedules all count;
- the TFTP and TVS slots are idle when it starts, and no phone holds TVS-cached certificates
  (their decisions depend on when they are taken, P5);
- every phone reaches a TFTP server its CTL allows;
- no phone locks while technicians work (they could fix and reboot one mid-storm).

Everything else (a reset in the middle of a boot, a TFTP restart during a storm, partitions,
technicians, retries, offline returns) runs as per-phone agents, so every scenario runs.
"""

from __future__ import annotations

import math
from operator import attrgetter
from typing import Any

import numpy as np
import simpy
from simpy.events import NORMAL

from sim.cluster.phone import PhoneTrust
from sim.fleet.agent import Agent
from sim.fleet.model import FleetModel, outcome
from sim.fleet.phones import Phone
from sim.fleet.services import Slots
from sim.fleet.slots import NONE, schedule
from sim.fleet.storm import (
    REGISTER,
    TFTP_CONFIG,
    TFTP_FILES,
    TVS_CONFIG,
    TVS_CTL,
    TVS_ITL,
    Case,
    Storm,
)

TRUST = attrgetter("trust")
SMALLEST_STORM = 32
"""Fewer phones boot as agents: taking a storm over costs about 0.2 ms however small (the
queue scan, a scratch phone per case, numpy's set-up), which agents beat below about 32
phones (a sweep's one-phone runs: ``benchmarks/tiny_runs.py``)."""


class CohortModel(FleetModel):
    """``FleetModel`` that boots the phones of a reset together (module docstring)."""

    def __init__(self, *args: Any, rng: np.random.Generator, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.rng = rng  # the cohort's own durations: the agents' streams stay untouched
        self.storms = {"cohort": 0, "agents": 0}  # instants of resets booted each way
        self._until = -math.inf  # a storm is in flight until then
        # phones restarted at this instant, with their epoch and hardware delay
        self._pending: list[tuple[Phone, int, float]] = []
        self._end_of_instant = simpy.Event(self.env)
        self._end_of_instant._ok = True
        self._end_of_instant._value = None

    def reboot_all(self, phones: list[Phone], reason: str) -> int:
        """Restart now; how they boot is decided once this instant is over (``_at_end``)."""
        restarted = self.restart_all(phones, reason)
        if restarted and not self._pending:
            self._after_this_instant()
        self._pending.extend(zip(restarted, [p.epoch for p in restarted],
                                 self.sample["hardware"].many(len(restarted)), strict=True))
        return len(restarted)

    def boot(self, phone: Phone, hardware: float) -> None:
        self._check_alone()
        super().boot(phone, hardware)

    def _after_this_instant(self) -> None:
        self._end_of_instant.callbacks = [self._at_end]
        self.env.schedule(self._end_of_instant, NORMAL, 0)

    def _at_end(self, _event: simpy.Event) -> None:
        """Every reset of this instant boots as one storm, taken over if that is exact, else
        as the agents it would have had (same hardware delays, same epochs). Waits until the
        instant's other events ran: a process that reset phones may schedule its next step
        (a batch, A11) right after."""
        if self.env.peek() <= self.env.now:
            self._after_this_instant()
            return
        pending, self._pending = self._pending, []
        current = [(p, delay) for p, epoch, delay in pending if p.epoch == epoch]
        if len(current) >= SMALLEST_STORM and \
                self._boot_together([p for p, _ in current], [delay for _, delay in current]):
            self.storms["cohort"] += 1
            self.collector.boots += len(pending)  # a phone reset twice booted twice
            return
        self.storms["agents"] += 1
        for phone, epoch, delay in pending:  # each agent counts its own boot
            self._check_alone()
            Agent(self.env, self.attempt(phone, epoch, delay, boot=True))

    def retry(self, phone: Phone) -> None:
        self._check_alone()
        super().retry(phone)

    def _check_alone(self) -> None:
        """An agent would share TFTP/TVS slots with a storm in flight: the takeover rule
        (``_next_event``) must have excluded that."""
        assert self.env.now >= self._until, "an agent started while a cohort storm is in flight"

    # -- taking a storm over -----------------------------------------------------------------

    def _boot_together(self, phones: list[Phone], hardware: list[float]) -> bool:
        now = self.env.now
        slots = [*self.tftp.values(), *self.tvs.values()]
        if any(s.in_use or s.waiting for s in slots) or any(p.trust.tvs_cache for p in phones):
            return False
        arrive = now + np.asarray(hardware)
        horizon = self._next_event()
        if horizon <= arrive.min():
            return False
        keys = [(id(trust.itl), id(trust.ctl), trust.itl_support, phone.group.index,
                 id(phone.config)) for phone, trust in
                zip(phones, map(TRUST, phones), strict=True)]
        first = dict(zip(reversed(keys), reversed(phones), strict=True))  # a phone per case
        index = {key: c for c, key in enumerate(dict.fromkeys(keys))}  # cases as they come
        cases: list[Case] = []
        for key in index:
            case = self._case(first[key])
            if case is None or (case.locks and self.hands_on):
                return False
            cases.append(case)
        case_of = np.fromiter(map(index.__getitem__, keys), np.int64, len(keys))
        del keys, first  # a tuple and three integers per phone: gone before the slot times
        storm = self._plan(phones, cases, case_of, arrive)
        if storm.last >= horizon:
            return False
        storm.start()
        self._until = storm.last
        return True

    def _next_event(self) -> float:
        """When the next event other than a bystander's happens (``inf``: none)."""
        soonest = math.inf
        for when, _, _, event in self.env._queue:
            if when < soonest and not self._bystander(event):
                soonest = when
        return soonest

    def _bystander(self, event: simpy.Event) -> bool:
        callbacks = event.callbacks or ()
        return bool(callbacks) and all(getattr(cb, "__self__", None) in self.bystanders
                                       for cb in callbacks)

    def _case(self, phone: Phone) -> Case | None:
        """The decisions of ``phone``'s boot, taken on a scratch copy of its trust (the phone
        itself changes only when it settles); ``None`` if no TFTP server is reachable or its
        CTL allows none."""
        node, refused = self._reachable_tftp(phone)
        if node is None or refused is not None:
            return None
        served = self._served[node.name][node.name]  # its cluster's files
        scratch = Phone(-1, phone.group, PhoneTrust(phone.trust.itl, phone.trust.ctl,
                                                    phone.trust.itl_support), True)
        scratch.config = phone.config  # what it registers with and asks TVS through
        cache = scratch.trust.tvs_cache
        cached: list[tuple[Any, str, bytes]] = []

        def newly_cached(stage: str, before: set) -> None:
            cached[:] = [c for c in cached if c[0] in cache]
            cached.extend((identity, stage, key) for identity, (_, key) in cache.items()
                          if identity not in before)

        before = set(cache)
        ctl = self.offer_ctl(scratch, served)
        newly_cached("ctl", before)
        before = set(cache)
        itl = self.offer_itl(scratch, served)
        newly_cached("itl", before)
        before = set(cache)
        config = self._decide(scratch, served, "config")
        newly_cached("config", before)
        profile = phone.group.profile
        return Case(node, served, ctl, itl, config, scratch.trust.ctl, scratch.trust.itl,
                    served.configs[profile] if config[0].accepted else None,
                    self.tvs_node(phone), outcome(ctl[0], itl[0], config[0]),
                    self.settled_state(scratch), cached)

    def _plan(self, phones: list[Phone], cases: list[Case], case_of: np.ndarray,
              arrive: np.ndarray) -> Storm:
        """Durations drawn at once (the agents' distributions, the cohort's stream) and the
        exact slot times of every segment; ``case_of[i]``: phone ``i``'s index in ``cases``."""
        n = len(phones)
        resources: list[Slots] = []
        index: dict[int, int] = {}

        def resource_of(slots: Slots) -> int:
            if id(slots) not in index:
                index[id(slots)] = len(resources)
                resources.append(slots)
            return index[id(slots)]

        draw = {name: self.sample[name].dist.sample_many(self.rng, n)
                for name in ("ctl", "file_not_found", "itl", "config", "register")}
        tvs_latency = dict(zip((TVS_CTL, TVS_ITL, TVS_CONFIG),
                               self.sample["tvs"].dist.sample_many(self.rng, 3 * n).reshape(3, n),
                               strict=True))
        resource = np.full((6, n), NONE, dtype=np.int16)
        duration = np.zeros((6, n))
        for c, case in enumerate(cases):
            members = case_of == c
            tftp = resource_of(self.tftp[case.node.name])
            resource[TFTP_FILES, members] = resource[TFTP_CONFIG, members] = tftp
            tvs = resource_of(self.tvs[case.tvs_node]) if case.tvs_node else NONE
            for k, (_, used) in zip((TVS_CTL, TVS_ITL, TVS_CONFIG),
                                    (case.ctl, case.itl, case.config), strict=True):
                if used and tvs != NONE:
                    resource[k, members] = tvs
                    duration[k, members] = tvs_latency[k][members]
        has_ctl = np.array([case.served.ctl is not None for case in cases])[case_of]
        duration[TFTP_FILES] = np.where(has_ctl, draw["ctl"], draw["file_not_found"]) + \
            draw["itl"]
        duration[TFTP_CONFIG] = draw["config"]
        duration[REGISTER] = draw["register"]
        result = schedule(arrive, resource, duration, [s.capacity for s in resources])
        for slots, peak, queue, served in zip(resources, result.peak_in_use, result.peak_queue,
                                              result.served, strict=True):
            slots.peak_in_use = max(slots.peak_in_use, peak)
            slots.peak_queue = max(slots.peak_queue, queue)
            slots.served += served
        return Storm(self, phones, cases, case_of, result.ends)
