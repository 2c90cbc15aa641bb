"""A boot storm in flight on the cohort engine: what each case of phones does, and the phones
settling at their own times, in batches between SimPy's other events.

``sim.fleet.cohort`` takes a storm over and computes every phone's segment end times
(``sim.fleet.slots``); a ``Storm`` then settles its phones in time order. Everything due
before SimPy's next event settles as one batch: each phone's files, flags and registration as
the agent's ``FleetModel.conclude`` would leave them (its two halves, ``outcome_state`` and
``after_settling``, at the phone's own time), and the batch's state changes logged at once
(``Collector.changes``), so a storm of 10^5 phones costs a few Python statements per phone.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from operator import attrgetter
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy
from simpy.events import NORMAL

from sim.cluster.cluster import Node
from sim.cluster.phone import Decision
from sim.cluster.served import ServedFiles, SignedConfig
from sim.fleet.collector import BOOTING, LOCKED, STATE_INDEX
from sim.fleet.phones import Phone

if TYPE_CHECKING:
    from sim.fleet.model import FleetModel

# segments of a boot after the hardware delay (sim.fleet.slots): TFTP for the CTL request and
# the ITL, TVS for the CTL, TVS for the ITL, TFTP for the config, TVS for it, registration
TFTP_FILES, TVS_CTL, TVS_ITL, TFTP_CONFIG, TVS_CONFIG, REGISTER = range(6)
# when a case's decision is taken: the end of the segment before it
DECIDED_AFTER = {"ctl": TFTP_FILES, "itl": TVS_CTL, "config": TFTP_CONFIG}


INDEX, CLUSTER = attrgetter("index"), attrgetter("group.cluster")


@dataclass
class Case:
    """What every phone of one case (same installed files, population, TFTP server) does:
    the engine's decisions, taken once, and what the phone holds afterwards."""

    node: Node
    served: ServedFiles
    ctl: tuple[Decision, bool]
    itl: tuple[Decision, bool]
    config: tuple[Decision, bool]
    installed_ctl: Any
    installed_itl: Any
    new_config: SignedConfig | None
    tvs_node: str | None
    result: tuple[bool, str, bool]  # ``model.outcome``: trusted, reason, through TVS
    state: str  # the settled state of a trusted phone (unsecured with the empty ITL, P6)
    # TVS-cached certificates the boot leaves: (identity, stage that cached it, public key)
    cached: list[tuple[Any, str, bytes]] = field(default_factory=list)

    @property
    def locks(self) -> bool:
        return not self.result[0]


class Storm:
    """A storm in flight: its phones settle at their own times, in time order, each before
    any SimPy event that comes later (``drain``). Nothing restarts them meanwhile (the
    takeover rule, ``sim.fleet.cohort``), so every phone settles from booting."""

    def __init__(self, model: FleetModel, phones: list[Phone], cases: list[Case],
                 case_of: np.ndarray, ends: np.ndarray):
        self.model = model
        self.cases = cases
        self.ends = ends
        order = np.argsort(ends[REGISTER], kind="stable")
        # everything per phone in the order they settle
        self.order = order.tolist()
        self.phones = list(map(phones.__getitem__, self.order))
        self.times = ends[REGISTER][order]
        self.settle_at = self.times.tolist()
        self.case_of = case_of[order]
        self.index = np.fromiter(map(INDEX, self.phones), np.int64, len(phones))
        collector = model.collector
        # the column the collector keeps only with several clusters
        self.cluster = np.fromiter(map(CLUSTER, self.phones), np.int64, len(phones)) \
            if collector.clusters else np.zeros(len(phones), np.int64)
        self.state_of_case = np.array([STATE_INDEX[LOCKED if case.locks else case.state]
                                       for case in cases], np.int64)
        self.reason_of_case = np.array([collector.reason_id(case.result[1]) for case in cases],
                                       np.int64)
        self.last = self.settle_at[-1]
        self.next = 0
        self._event = simpy.Event(model.env)
        self._event._ok = True
        self._event._value = None

    def start(self) -> None:
        self._wake(self.settle_at[0])

    def _wake(self, at: float) -> None:
        env = self.model.env
        self._event.callbacks = [self.drain]
        env.schedule(self._event, NORMAL, at - env.now)

    def drain(self, _event: simpy.Event) -> None:
        """Settle, as one batch, every phone due before the next other event; wait again for
        the rest."""
        end = bisect_left(self.settle_at, self.model.env.peek(), self.next)
        if end > self.next:
            self._settle(self.next, end)
            self.model.env._now = self.settle_at[end - 1]  # SimPy's clock: the last settle
            self.next = end
        if end < len(self.order):
            self._wake(self.settle_at[end])

    def _settle(self, first: int, end: int) -> None:
        """What the agents would have done to the phones ``first:end`` (in settle order) by
        the end of their boots: the state changes logged at once, then each case's phones
        updated together where nothing else is recorded (trusted, registered, one cluster,
        nothing cached by TVS, not a recovery), the others one by one in time order."""
        model = self.model
        cases = self.case_of[first:end]
        model.collector.changes(
            self.times[first:end], self.index[first:end],
            np.full(end - first, STATE_INDEX[BOOTING]), self.state_of_case[cases],
            self.reason_of_case[cases], self.cluster[first:end])
        one_by_one: list[int] = []
        for c in np.unique(cases).tolist():
            members = (np.flatnonzero(cases == c) + first).tolist()
            case = self.cases[c]
            if case.locks or case.cached or model.collector.clusters:
                one_by_one.extend(members)
            else:
                one_by_one.extend(self._settle_together(case, members))
        for n in sorted(one_by_one):
            self._settle_one(n)

    def _settle_together(self, case: Case, members: list[int]) -> list[int]:
        """Settle trusted phones of ``case`` that register (``Registration.registers``, the
        same for the whole case while the storm is in flight): their files, the state and
        ``registered``, what ``FleetModel.conclude`` leaves on such a phone; the ones it
        leaves to ``_settle_one`` (all of them if the case does not register, recoveries)."""
        phones, model = self.phones, self.model
        registers: bool | None = None
        left: list[int] = []
        for n in members:
            phone = phones[n]
            if phone.locked:  # a recovery: counted at its time (``outcome_state``)
                left.append(n)
                continue
            self._install(phone, case, n)
            if registers is None:
                registers = model.registration.registers(phone, True)
            if not registers:
                left.append(n)
                continue
            phone.state = model.outcome_state(phone, True, False, case.state)
            model.registration.set(phone, True)
        return left

    def _settle_one(self, n: int) -> None:
        """Settle phone ``n`` at its own time as ``FleetModel.conclude`` does (its change is
        logged already)."""
        phone, case, model = self.phones[n], self.cases[self.case_of[n]], self.model
        model.env._now = self.settle_at[n]
        self._install(phone, case, n)
        trusted, _, via_tvs = case.result
        phone.state = model.outcome_state(phone, trusted, via_tvs, case.state)
        model.after_settling(phone, trusted)

    def _install(self, phone: Phone, case: Case, n: int) -> None:
        """The files the boot leaves on phone ``n``: CTL, ITL, TVS-cached certificates (each
        expiring a cache period after the time it was cached, P5), config; the TFTP server it
        used."""
        trust = phone.trust
        phone.tftp_used = case.node.name
        trust.ctl = case.installed_ctl
        if case.installed_itl is not trust.itl:
            trust.install_itl(case.installed_itl)
        for identity, stage, key in case.cached:
            trust.tvs_cache[identity] = (float(self.ends[DECIDED_AFTER[stage], self.order[n]])
                                         + self.model.tvs_cache_seconds, key)
        if case.new_config is not None:
            phone.config = case.new_config
