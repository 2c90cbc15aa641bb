"""The fleet model: SimPy drives phones through the boot sequence against the trust engine.

``FleetModel`` owns the environment, the cluster (``sim.cluster.cluster``), the phones
(``sim.fleet.phones``), the service capacities (``sim.fleet.services``), registration
(``sim.fleet.registration``) and the collector (``sim.fleet.collector``). A phone boot follows
trust-model section 4: hardware boot (incl. firmware, VLAN, DHCP), CTL and ITL requests at its
first reachable TFTP server, CTL and ITL decisions (TVS when needed), signed config,
registration and DeviceTLInfo; a phone that cannot register goes through it again (P9). The
decisions are the engine's (``PhoneTrust``); this module adds only time, capacity and
bookkeeping. Decisions are memoised per (installed files, offered file, group) between cluster
changes, so a fleet of identical phones costs one decision per distinct case.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import simpy

from sim.cluster.cluster import Cluster, Node
from sim.cluster.estate import Estate
from sim.cluster.phone import TVS_CACHE_SECONDS, Decision, is_empty_itl
from sim.cluster.served import ServedFiles
from sim.cluster.tftp import served_config
from sim.fleet.agent import Agent, Steps
from sim.fleet.collector import (
    BOOTING,
    LOCKED,
    OFFLINE,
    STATE_INDEX,
    TRUSTED,
    UNSECURED,
    Collector,
)
from sim.fleet.memo import PerObject
from sim.fleet.phones import Group, Phone
from sim.fleet.registration import Registration
from sim.fleet.sampling import Sampler
from sim.fleet.services import Slots
from sim.fleet.tvslists import TvsLists
from sim.trust.trustlist import Function, TrustList
from sim.trust.verify import Verifier

NOTHING_OFFERED = Decision(True, "none")  # no CTL served, or the same one again
TFTP_NOT_IN_CTL = Decision(False, reasons=("tftp-not-in-ctl",))  # P3c

class FleetModel:
    """One simulated run: cluster + fleet + services + collector on a SimPy environment."""

    def __init__(self, env: simpy.Environment, estate: Estate, groups: list[Group],
                 phones: list[Phone], samplers: dict[str, Sampler], *,
                 serving_count: Callable[[str], int], tvs_capacity: int,
                 tvs_cache_seconds: float = TVS_CACHE_SECONDS):
        self.env = env
        self.estate = estate
        self.cluster = estate.first  # the only cluster, or the first of several
        self.groups = groups
        self.phones = phones
        self.sample = samplers
        self.collector = Collector(clusters=estate.names if estate.several else ())
        self.verifier = Verifier()
        self.tftp = {name: Slots(env, name, serving_count(name)) for name in estate.nodes}
        self.tvs = {name: Slots(env, name, tvs_capacity) for name in estate.nodes}
        self.tvs_cache_seconds = tvs_cache_seconds
        self._memo: dict[tuple, tuple[Decision, bool, Any, tuple]] = {}
        self._memo_revision = estate.revision
        # each node's cluster's served files (the dict itself: it changes in place)
        self._served = {name: estate.cluster_of(name).served for name in estate.nodes}
        self.tvs_lists = TvsLists(estate, tvs_cache_seconds)  # whose TVS a phone asks (P5c)
        self._is_empty = PerObject(is_empty_itl)
        self._ctl_addresses = PerObject(ctl_tftp_addresses)
        self.on_lock: list[Any] = []  # callbacks(phone): manual recovery queues locked phones
        # processes that never touch phones, the cluster, TFTP or TVS (the progress bar, the
        # RTMT alert): the cohort engine (``sim.fleet.cohort``) runs a storm past their events
        self.bystanders: set[object] = set()
        self.hands_on = False  # technicians at work: a locked phone may be fixed at any time
        self.registration = Registration(env, estate, groups, phones, self.collector,
                                         self.retry)
        estate.listen(self.registration.changed)

    def config_cluster(self, phone: Phone) -> Cluster:
        """The cluster of the config ``phone`` accepted last: it registers there (P9) and asks
        that cluster's TVS (P5c)."""
        return self.tvs_lists.cluster(phone)

    def registered_to(self, cluster: Cluster) -> Iterator[Phone]:
        """The phones registered to ``cluster`` (P9), in index order, as they are reached: the
        ones its resets reach (P9a). Lazy, so a reset of the whole fleet builds no list."""
        if not self.estate.several:  # every config is of the only cluster
            return (phone for phone in self.phones if phone.registered)
        return (phone for phone in self.phones
                if phone.registered and self.config_cluster(phone) is cluster)

    # -- phone lifecycle -------------------------------------------------------------------

    def set_state(self, phone: Phone, state: str, reason: str) -> None:
        if phone.state != state:
            self.collector.change(self.env.now, phone.index, phone.state, state, reason,
                                  phone.registered is False, phone.group.cluster)
            phone.state = state

    def settled_state(self, phone: Phone) -> str:
        """A phone that accepted everything: trusted, or unsecured when its ITL is the empty
        rollback ITL (P6). Cached per installed ITL object."""
        itl = phone.trust.itl
        return UNSECURED if itl is not None and self._is_empty(itl) else TRUSTED

    def reboot(self, phone: Phone, reason: str) -> bool:
        """Restart one phone: it starts a new boot (any boot or retry in progress is
        abandoned). CUCM's resets reach registered phones only (``Timeline.reset``, P9)."""
        if not self.restart(phone, reason):
            return False
        self.boot(phone, self.sample["hardware"]())
        return True

    def reboot_all(self, phones: list[Phone], reason: str) -> int:
        """Restart ``phones`` at one instant (a CUCM reset, A1b, A11); how many restarted.
        The cohort engine boots them together (``sim.fleet.cohort``)."""
        restarted = self.restart_all(phones, reason)
        for phone in restarted:
            self.boot(phone, self.sample["hardware"]())
        return len(restarted)

    def restart(self, phone: Phone, reason: str) -> bool:
        """A restart's bookkeeping: a new epoch (abandons what is in progress), unregistered,
        booting. ``False`` for a phone switched off or cut off (the restart never reaches it)."""
        return bool(self.restart_all([phone], reason))

    def restart_all(self, phones: list[Phone], reason: str) -> list[Phone]:
        """``restart`` for many phones at this instant, the state changes logged at once (a
        reset of 10^5 phones, A1b); the ones that restarted, in order."""
        restarted = [phone for phone in phones if phone.online and not phone.group.partitioned]
        self.registration.unset_all(restarted)
        changed = [phone for phone in restarted if phone.state != BOOTING]
        count = len(changed)
        if count:
            self.collector.changes(
                np.full(count, self.env.now), np.array([p.index for p in changed], np.int64),
                np.array([STATE_INDEX[p.state] for p in changed], np.int64),
                np.full(count, STATE_INDEX[BOOTING]),
                np.full(count, self.collector.reason_id(reason)),
                np.array([p.group.cluster for p in changed] if self.collector.clusters else
                         [], np.int64))
        for phone in restarted:
            phone.epoch += 1
            phone.state = BOOTING
        return restarted

    def boot(self, phone: Phone, hardware: float) -> None:
        """The boot of a restarted phone, as an agent, after ``hardware`` seconds."""
        Agent(self.env, self.attempt(phone, phone.epoch, hardware, boot=True))

    def retry(self, phone: Phone) -> None:
        """An unregistered phone tries again: TFTP, files, registration (P9). It does so on its
        own cycle of ``retry`` seconds, so it notices a change somewhere within one cycle: a
        uniform share of it (I33)."""
        delay = self.sample["phase"]() * self.sample["retry"]()
        Agent(self.env, self.attempt(phone, phone.epoch, delay, boot=False))

    def power(self, phone: Phone, online: bool, reason: str) -> None:
        """A phone switched off (offices closed) or back on (boots)."""
        phone.online = online
        if online:
            self.reboot(phone, reason)
        else:
            phone.epoch += 1
            self.registration.set(phone, None)
            self.set_state(phone, OFFLINE, reason)

    def attempt(self, phone: Phone, epoch: int, delay: float, *, boot: bool) -> Steps:
        """One pass of the boot sequence (trust-model section 4) after ``delay`` seconds: the
        hardware boot (power-on to DHCP) of a ``boot``, or an unregistered phone's wait before
        going back to TFTP (P9)."""
        sample = self.sample
        if boot:
            self.collector.boots += 1
        else:
            self.collector.retries += 1
        yield delay
        while True:
            node, refused = self._reachable_tftp(phone)
            if node is None:
                if refused is not None:  # P3c: no TFTP server its CTL allows
                    self._settle(phone, refused, NOTHING_OFFERED, NOTHING_OFFERED)
                else:  # none reachable: wait until the network or the cluster changes
                    self.registration.wait(phone)
                return
            slots = self.tftp[node.name]
            if not slots.take():
                yield slots
                if phone.epoch != epoch:  # reset while queued: the request is abandoned
                    slots.give()
                    return
            served = self._served[node.name].get(node.name)
            if served is not None and node.up:
                break
            slots.give()  # TFTP went away while we queued: try again
        phone.tftp_used = node.name
        # CTLSEP<MAC>.tlv: the CTL in mixed mode, "file not found" otherwise (section 4)
        yield (sample["ctl"]() if served.ctl is not None else sample["file_not_found"]()) + \
            sample["itl"]()
        slots.give()
        if phone.epoch != epoch:
            return
        ctl, ctl_tvs = self.offer_ctl(phone, served)
        if ctl_tvs:
            yield from self._tvs_session(phone)
        itl, itl_tvs = self.offer_itl(phone, served)
        if itl_tvs:
            yield from self._tvs_session(phone)
        if not slots.take():
            yield slots
            if phone.epoch != epoch:
                slots.give()
                return
        yield sample["config"]()
        slots.give()
        if phone.epoch != epoch:
            return
        config, config_tvs = self._decide(phone, served, "config")
        if config_tvs:
            yield from self._tvs_session(phone)
        if config.accepted:  # the decision built it (``_decide_now``), once per served files
            phone.config = served.configs[phone.group.profile]
        yield sample["register"]()
        if phone.epoch != epoch:
            return
        self._settle(phone, ctl, itl, config)

    def _settle(self, phone: Phone, ctl: Decision, itl: Decision, config: Decision) -> None:
        """The boot's outcome (``outcome``) applied to ``phone`` (``conclude``)."""
        self.conclude(phone, *outcome(ctl, itl, config))

    def conclude(self, phone: Phone, trusted: bool, reason: str, via_tvs: bool,
                 state: str | None = None) -> None:
        """Settle ``phone``: trusted (or unsecured, ``state`` when the caller knows it) or
        locked (P7); then registration (P9). ``via_tvs``: a recovery took a file through
        TVS (P5)."""
        self.set_state(phone, self.outcome_state(phone, trusted, via_tvs, state), reason)
        self.after_settling(phone, trusted)

    def outcome_state(self, phone: Phone, trusted: bool, via_tvs: bool,
                      state: str | None = None) -> str:
        """The first half of ``conclude``: the phone's status message and lock flags after
        its boot (P7), a recovery counted; the state it settles in (not set yet)."""
        if trusted:
            phone.trust.status = ""
            if phone.locked:
                phone.locked = False
                phone.recovered_by_tvs = via_tvs
                self.collector.recovered(self.env.now, phone.fixed_by_hand)
            return state or self.settled_state(phone)
        phone.trust.fail()  # P7: "Trust List Update Failed"
        phone.was_locked = phone.locked = True
        return LOCKED

    def after_settling(self, phone: Phone, trusted: bool) -> None:
        """The second half of ``conclude``, once the state is set: a locked phone joins the
        technicians' list; the phone registers or waits to (P9)."""
        if not trusted:
            for callback in self.on_lock:
                callback(phone)
        self.registration.register(phone, trusted)

    def _reachable_tftp(self, phone: Phone) -> tuple[Node | None, Decision | None]:
        """The first TFTP server of the phone's list that is up, serving and reachable at the
        address DHCP option 150 gave it (A3a), and that its CTL lists (P3c: a secure phone
        talks only to TFTP servers whose address is in its CTL, "Changing the IP Address and
        Hostname for CUCM 12.5(1)"), when the server is of the cluster whose config the phone
        holds: a server of another cluster (a move) is used and its CTL verified by P3a (P3d,
        I55: TN 213407's phone takes the destination's CTL from a server its CTL does not
        list). Else ``None`` and, if a CTL forbade every reachable one, the rejection to
        settle with."""
        group = phone.group
        if group.partitioned:
            return None, None
        ctl = phone.trust.ctl
        allowed = self._ctl_addresses(ctl) if ctl is not None else None
        refused = None
        nodes = self.estate.nodes
        for name in group.tftp:
            node = nodes[name]
            if not (node.up and name in self._served[name]
                    and node.ip == group.option150.get(name, node.ip)):
                continue
            if allowed and node.ip and node.ip not in allowed and \
                    self.estate.cluster_of(name) is self.config_cluster(phone):
                refused = TFTP_NOT_IN_CTL  # P3c, within the cluster of its config (P3d, I55)
                continue
            return node, None
        return None, refused

    # -- decisions ---------------------------------------------------------------------------

    def _decide(self, phone: Phone, served: ServedFiles, kind: str) -> tuple[Decision, bool]:
        """The engine's decision and whether TVS was consulted, memoised while no cluster
        changes (``Estate.revision``, bumped by every change of any cluster's trust state).

        Keyed on the identities of the installed and offered files (shared objects), the
        phone's group, whether that group is cut off and its last accepted config (whose CM
        group names the TVS servers it asks, ``TvsLists``); the memo holds references to the
        files and the config so the ids stay unique. Phones with TVS-cached certificates
        decide afresh (P5 cache).
        """
        trust = phone.trust
        if trust.tvs_cache:
            decision = self._decide_now(phone, served, kind)
            return decision, _used_tvs(decision)
        if self._memo_revision != self.estate.revision:
            self._memo.clear()
            self._memo_revision = self.estate.revision
        group, config = phone.group, phone.config
        key = (kind, id(trust.itl), id(trust.ctl), id(served), group.index, group.partitioned,
               id(config))
        hit = self._memo.get(key)
        if hit is None:
            decision = self._decide_now(phone, served, kind)
            cached = next(iter(trust.tvs_cache.items()), None)
            hit = self._memo[key] = (decision, _used_tvs(decision), cached,
                                     (trust.itl, trust.ctl, served, config))
            return hit[0], hit[1]
        decision, used_tvs, cached, _ = hit
        if cached is not None:
            identity, (_, public_key) = cached
            trust.tvs_cache[identity] = (self.env.now + self.tvs_cache_seconds, public_key)
        return decision, used_tvs

    def offer_ctl(self, phone: Phone, served: ServedFiles) -> tuple[Decision, bool]:
        """The served CTL (section 4): nothing to decide without one (non-secure cluster) or
        for the installed one; else install it if the phone accepts it (P1, P3a, P3b); a
        rejected CTL is a failed trust-list update, the old one is kept (P7). With whether
        the phone asked TVS."""
        if served.ctl is None or served.ctl is phone.trust.ctl:
            return NOTHING_OFFERED, False
        decision, used_tvs = self._decide(phone, served, "ctl")
        if decision.accepted:
            phone.trust.ctl = served.ctl
        return decision, used_tvs

    def offer_itl(self, phone: Phone, served: ServedFiles) -> tuple[Decision, bool]:
        """The served ITL: decide (P1-P3, P5, P6, P8), install it if accepted and new."""
        decision, used_tvs = self._decide(phone, served, "itl")
        if decision.accepted and served.itl is not phone.trust.itl:
            phone.trust.install_itl(served.itl)
        return decision, used_tvs

    def _decide_now(self, phone: Phone, served: ServedFiles, kind: str) -> Decision:
        context = self.tvs_lists.context(phone)
        if kind == "ctl":
            assert served.ctl is not None  # boot asks for a CTL decision only when one is served
            return phone.trust.decide_ctl(served.ctl, context, self.verifier, self.env.now)
        if kind == "itl":
            return phone.trust.decide_itl(served.itl, context, self.verifier, self.env.now)
        config = served_config(self.estate.cluster_of(served.node), served, phone.group.profile)
        return phone.trust.decide_config(config, context, self.verifier, self.env.now)

    def _tvs_session(self, phone: Phone) -> Steps:
        """Time spent on the TVS query: a TLS session at the first reachable TVS of the
        config the phone accepted last (P5)."""
        name = self.tvs_node(phone)
        if name is not None:
            slots = self.tvs[name]
            if not slots.take():
                yield slots
            yield self.sample["tvs"]()
            slots.give()

    def tvs_node(self, phone: Phone) -> str | None:
        """The TVS ``phone`` asks (P5): the first node running TVS of the CM group of the
        config it accepted last (``TvsLists``); none when it is cut off."""
        for name in self.tvs_lists.names[self.tvs_lists.of(phone)]:
            if self.estate.nodes[name].serves("TVS") and not phone.group.partitioned:
                return name
        return None


def outcome(ctl: Decision, itl: Decision, config: Decision) -> tuple[bool, str, bool]:
    """A boot's outcome from its three decisions: trusted when every file was accepted, with
    the ways they were taken as the reason, else the first rejection's reason (P7); and
    whether a file came through TVS (P5)."""
    if ctl.accepted and itl.accepted and config.accepted:
        taken = f"ctl:{ctl.via}," if ctl.via not in ("none", "unchanged") else ""
        return True, f"{taken}itl:{itl.via},config:{config.via}", any(
            d.via.startswith("tvs") for d in (ctl, itl, config))
    rejected = ctl if not ctl.accepted else itl if not itl.accepted else config
    return False, rejected.reason, False


def _used_tvs(decision: Decision) -> bool:
    """Did the phone talk to TVS for this decision (accepted through it, or tried it)?"""
    return decision.via == "tvs" or any(r.startswith("tvs-") for r in decision.reasons)


def ctl_tftp_addresses(ctl: TrustList) -> frozenset[str]:
    """The TFTP addresses a CTL allows (P3c): the IPADDRESS of its TFTP and CCM+TFTP records."""
    return frozenset(".".join(map(str, r.ip_address)) for r in ctl.records
                     if r.function in (Function.TFTP, Function.CCM_TFTP)
                     and r.ip_address is not None and len(r.ip_address) == 4)
