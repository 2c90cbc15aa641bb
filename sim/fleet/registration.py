"""Registration (P9): which phones are registered to a CallManager, and how the others retry.

A phone that settled registers with the first CallManager of its CM group that is up, runs the
CallManager service, is reachable and answers at the address its config names (trust-model
section 4; A3a). A locked phone registers only under the assumption
``locked_phones_register`` (default: it does not, TechNotes 214231 and 225746). A phone that
cannot register counts as unregistered and goes back through TFTP: real phones retry on a
fixed cycle; itlsim retries them once something they depend on changed (the cluster's trust
state, a node, the network), one ``retry`` delay later, which gives the same outcome without
an event per phone per cycle (I33). Registered phones whose CallManagers all become
unavailable lose their registration at once and wait the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import simpy
from simpy.events import NORMAL

from sim.cluster.cluster import Node
from sim.cluster.estate import Estate
from sim.cluster.served import SignedConfig
from sim.fleet.collector import NONE, Collector
from sim.fleet.phones import Group, Phone


class Registration:
    """Registered phones, and the unregistered ones waiting for a change to retry."""

    def __init__(self, env: simpy.Environment, estate: Estate, groups: list[Group],
                 phones: list[Phone], collector: Collector, retry: Callable[[Phone], None]):
        self.env = env
        self.estate = estate
        self.groups = groups
        self.phones = phones
        self.collector = collector
        self.retry = retry
        self.waiting: list[tuple[Phone, int]] = []
        self._pending = False
        self._seen = self._availability()
        # config object id -> (config, its CallManager now), valid for one cluster revision:
        # every change of a node's power, services or address bumps the revision
        self._memo: dict[int, tuple[SignedConfig, Node | None]] = {}
        self._memo_revision = estate.revision

    def callmanager(self, phone: Phone) -> Node | None:
        """The CallManager ``phone`` registers with now, or None (P9, A3a): the first of the
        CM group its config names that is up, runs CallManager and answers at that address."""
        config = phone.config
        if phone.group.partitioned or config is None:
            return None
        if self._memo_revision != self.estate.revision:
            self._memo.clear()
            self._memo_revision = self.estate.revision
        hit = self._memo.get(id(config))
        if hit is None:
            hit = self._memo[id(config)] = (config, self._first_answering(config))
        return hit[1]

    def _first_answering(self, config: SignedConfig) -> Node | None:
        nodes = self.estate.nodes
        for name, address in config.callmanagers:
            node = nodes[name]
            if node.up and "CallManager" in node.running and node.ip == address:
                return node
        return None

    def set(self, phone: Phone, registered: bool | None) -> None:
        """Mark ``phone`` registered (True), settled but unregistered (False, counted by the
        collector) or not settled (None: booting or switched off)."""
        was = phone.registered
        if was == registered:
            return
        phone.registered = registered
        if (was is False) != (registered is False):
            state = phone.state
            self.collector.unregister(self.env.now, state if was is False else None,
                                      state if registered is False else None)
        if self.collector.clusters and (was is True or registered is True):
            # with several clusters: which cluster the phone is registered to (its config's;
            # unchanged while it stays registered)
            assert phone.config is not None  # a registered phone has one (``callmanager``)
            where = self.estate.index_of(phone.config.callmanagers[0][0])
            self.collector.registered(self.env.now, where if was is True else NONE,
                                      where if registered is True else NONE)

    def unset_all(self, phones: list[Phone]) -> None:
        """``set(phone, None)`` for each of ``phones`` (a reset restarting them)."""
        for phone in phones:
            if phone.registered is not None:
                self.set(phone, None)

    def register(self, phone: Phone, trusted: bool) -> None:
        """After a boot: register if ``registers`` says so, else wait to retry."""
        registered = self.registers(phone, trusted)
        self.set(phone, registered)
        if not registered:
            self.wait(phone)

    def registers(self, phone: Phone, trusted: bool) -> bool:
        """Whether ``phone`` registers after a boot now: if allowed (a locked phone only under
        the assumption ``locked_phones_register``) and a CallManager answers. The same for
        every phone of one storm's case (``sim.fleet.storm``)."""
        allowed = trusted or self.estate.first.assumptions.locked_phones_register
        return allowed and self.callmanager(phone) is not None

    def place(self, phone: Phone) -> None:
        """A phone settled at t = 0 registers if a CallManager answers (P9)."""
        self.set(phone, self.callmanager(phone) is not None)

    def wait(self, phone: Phone) -> None:
        """``phone`` retries after the next change (a reboot in between makes this stale)."""
        self.waiting.append((phone, phone.epoch))

    def changed(self) -> None:
        """Something phones depend on changed: look again once this instant is over."""
        if self._pending:
            return
        self._pending = True
        event = simpy.Event(self.env)
        event._ok = True
        event._value = None
        event.callbacks.append(self._after_change)
        self.env.schedule(event, NORMAL, 0)

    def _after_change(self, _event: Any) -> None:
        self._pending = False
        seen = self._availability()
        if seen != self._seen:
            self._seen = seen
            for phone in self.phones:
                if phone.registered and self.callmanager(phone) is None:
                    self.set(phone, False)
                    self.wait(phone)
        waiting, self.waiting = self.waiting, []
        for phone, epoch in waiting:
            if phone.epoch == epoch and phone.online:
                self.retry(phone)

    def _availability(self) -> tuple[Any, ...]:
        """What registration depends on besides the phone: nodes' power, CallManager service
        and addresses, and which populations are cut off."""
        return (tuple((n.up, "CallManager" in n.running, n.ip)
                      for n in self.estate.nodes.values()),
                tuple(g.partitioned for g in self.groups))
