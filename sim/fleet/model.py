"""The fleet model: SimPy drives phones through the boot sequence against the trust engine.

``FleetModel`` owns the environment, the cluster (``sim.cluster.cluster``), the phones
(``sim.fleet.phones``), the service capacities (``sim.fleet.services``) and the collector
(``sim.fleet.collector``). A phone boot follows trust-model section 4: hardware boot (incl.
firmware, VLAN, DHCP), CTL and ITL requests at its first reachable TFTP server, ITL decision (TVS
when needed), signed config, registration and DeviceTLInfo. The decisions are the engine's
(``PhoneTrust``); this module adds only time, capacity and bookkeeping. Decisions are memoised per
(installed files, offered file, group) between cluster changes, so a fleet of identical phones costs
one decision per distinct case.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

import numpy as np
import simpy
from simpy.events import NORMAL

from sim.cluster.cluster import Cluster, Node
from sim.cluster.phone import TVS_CACHE_SECONDS, Decision, TvsContext, is_empty_itl
from sim.cluster.served import ServedFiles
from sim.cluster.tftp import served_config
from sim.fleet.collector import BOOTING, LOCKED, OFFLINE, TRUSTED, UNSECURED, Collector
from sim.fleet.phones import Group, Phone
from sim.fleet.services import Slots
from sim.trust.verify import Verifier

Process = Generator[simpy.Event, Any, None]
Steps = Generator["float | Slots | simpy.Event", Any, None]


class Agent:
    """Runs a phone's boot, a generator that yields delays (floats) or things to wait for.

    It is SimPy's ``Process`` without the parts a fleet does not need (no initialisation event,
    no completion event, no interrupts): each delay is one entry on the environment's queue, and
    the agent reuses a single event for all of its delays (an event's callbacks are consumed
    when SimPy processes it, so it can be scheduled again). That halves the cost of a step,
    which matters at 10^5 boots.
    """

    __slots__ = ("env", "steps", "resume", "_tick", "_callbacks")

    def __init__(self, env: simpy.Environment, steps: Steps):
        self.env = env
        self.steps = steps
        self.resume: Callable[[simpy.Event | None], None] = self._resume
        self._callbacks: list[Callable[[simpy.Event], None]] = [self.resume]
        self._tick = simpy.Event(env)
        self._tick._ok = True
        self._tick._value = None
        self._resume(None)

    def _resume(self, _event: simpy.Event | None) -> None:
        try:
            target = next(self.steps)
        except StopIteration:
            # break the cycle: freed by refcount. Like SimPy clearing a processed event's
            # callbacks (it too silences mypy there): the agent never runs again, so the
            # attributes keep their live types rather than an Optional every step would check
            self.resume = self._callbacks = None  # type: ignore[assignment]
            return
        if target.__class__ is float:
            self._tick.callbacks = self._callbacks
            self.env.schedule(self._tick, NORMAL, target)
        elif target.__class__ is Slots:
            target.enqueue(self.resume)
        else:
            # a simpy.Event: exact-class dispatch (cheaper than isinstance, and float is the
            # common case) narrows the two branches above but cannot exclude them here
            target.callbacks.append(self.resume)  # type: ignore[union-attr]


class PerObject:
    """``fn(obj)`` memoised by the identity of ``obj``, for values of the shared files many
    phones point at (an installed ITL's emptiness, its SHA-1). Holds a reference to each
    object so an id is never reused while memoised."""

    __slots__ = ("fn", "_memo")

    def __init__(self, fn: Callable[[Any], Any]):
        self.fn = fn
        self._memo: dict[int, tuple[Any, Any]] = {}

    def __call__(self, obj: Any) -> Any:
        hit = self._memo.get(id(obj))
        if hit is None:
            hit = self._memo[id(obj)] = (obj, self.fn(obj))
        return hit[1]


class Sampler:
    """Draws from a scenario distribution in blocks (numpy), handed out one float at a time."""

    __slots__ = ("dist", "rng", "block", "buffer")

    def __init__(self, dist: Any, rng: np.random.Generator, block: int = 1024):
        self.dist = dist
        self.rng = rng
        self.block = block
        self.buffer: list[float] = []

    def __call__(self) -> float:
        if not self.buffer:
            self.buffer = self.dist.sample_many(self.rng, self.block).tolist()
            self.buffer.reverse()
        return self.buffer.pop()


class FleetModel:
    """One simulated run: cluster + fleet + services + collector on a SimPy environment."""

    def __init__(self, env: simpy.Environment, cluster: Cluster, groups: list[Group],
                 phones: list[Phone], samplers: dict[str, Sampler], *,
                 serving_count: Callable[[str], int], tvs_capacity: int,
                 tvs_cache_seconds: float = TVS_CACHE_SECONDS):
        self.env = env
        self.cluster = cluster
        self.groups = groups
        self.phones = phones
        self.sample = samplers
        self.collector = Collector()
        self.verifier = Verifier()
        self.tftp = {n.name: Slots(env, n.name, serving_count(n.name))
                     for n in cluster.nodes.values()}
        self.tvs = {n.name: Slots(env, n.name, tvs_capacity) for n in cluster.nodes.values()}
        self.tvs_cache_seconds = tvs_cache_seconds
        self._memo: dict[tuple, tuple[Decision, bool, Any, tuple]] = {}
        self._memo_revision = cluster.revision
        self._contexts = {g.index: self._tvs_context(g) for g in groups}
        self._is_empty = PerObject(is_empty_itl)
        self.on_lock: list[Any] = []  # callbacks(phone): manual recovery queues locked phones

    def _tvs_context(self, group: Group) -> TvsContext:
        nodes = [self.cluster.node(name) for name in group.cm_group]
        return TvsContext(self.cluster, nodes, lambda node: not group.partitioned,
                          self.tvs_cache_seconds)

    # -- phone lifecycle -------------------------------------------------------------------

    def set_state(self, phone: Phone, state: str, reason: str) -> None:
        if phone.state != state:
            self.collector.change(self.env.now, phone.index, phone.state, state, reason)
            phone.state = state

    def settled_state(self, phone: Phone) -> str:
        """A registered phone that accepted everything: trusted, or unsecured when its ITL is
        the empty rollback ITL (P6). Cached per installed ITL object."""
        itl = phone.trust.itl
        return UNSECURED if itl is not None and self._is_empty(itl) else TRUSTED

    def reboot(self, phone: Phone, reason: str) -> bool:
        """Reset one phone: it starts a new boot (any boot in progress is abandoned)."""
        if not phone.online or phone.group.partitioned:
            return False
        phone.epoch += 1
        self.set_state(phone, BOOTING, reason)
        Agent(self.env, self.boot(phone, phone.epoch))
        return True

    def power(self, phone: Phone, online: bool, reason: str) -> None:
        """A phone switched off (offices closed) or back on (boots)."""
        phone.online = online
        if online:
            self.reboot(phone, reason)
        else:
            phone.epoch += 1
            self.set_state(phone, OFFLINE, reason)

    def boot(self, phone: Phone, epoch: int) -> Steps:
        """One boot of ``phone`` (trust-model section 4)."""
        sample = self.sample
        self.collector.boots += 1
        yield sample["hardware"]()
        while True:
            node = self._reachable_tftp(phone)
            if node is None:
                yield sample["retry"]()
                if phone.epoch != epoch:
                    return
                continue
            slots = self.tftp[node.name]
            if not slots.take():
                yield slots
                if phone.epoch != epoch:  # reset while queued: the request is abandoned
                    slots.give()
                    return
            served = self.cluster.served.get(node.name)
            if served is not None and node.up:
                break
            slots.give()  # TFTP went away while we queued: try again
        # CTLSEP<MAC>.tlv: the CTL in mixed mode, "file not found" otherwise (section 4)
        yield (sample["ctl"]() if served.ctl is not None else sample["file_not_found"]()) + \
            sample["itl"]()
        slots.give()
        if phone.epoch != epoch:
            return
        if served.ctl is not None and served.ctl is not phone.trust.ctl:
            self._take_ctl(phone, served)
        itl, itl_tvs = self._decide(phone, served, "itl")
        if itl_tvs:
            yield from self._tvs_session(phone)
        if itl.accepted and served.itl is not phone.trust.itl:
            phone.trust.install_itl(served.itl)
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
        yield sample["register"]()
        if phone.epoch != epoch:
            return
        phone.reported = True  # DeviceTLInfo (O2)
        self._settle(phone, itl, config)

    def _settle(self, phone: Phone, itl: Decision, config: Decision) -> None:
        if itl.accepted and config.accepted:
            phone.trust.status = ""
            if phone.locked:
                phone.locked = False
                self.collector.recovered(self.env.now, phone.fixed_by_hand)
            self.set_state(phone, self.settled_state(phone), f"itl:{itl.via},config:{config.via}")
            return
        phone.trust.fail()  # P7: "Trust List Update Failed"
        phone.was_locked = phone.locked = True
        self.set_state(phone, LOCKED, (itl if not itl.accepted else config).reason)
        for callback in self.on_lock:
            callback(phone)

    def _reachable_tftp(self, phone: Phone) -> Node | None:
        """The first TFTP server of the phone's list that is up and serving (option 150)."""
        if phone.group.partitioned:
            return None
        for name in phone.group.tftp:
            node = self.cluster.nodes[name]
            if node.up and name in self.cluster.served:
                return node
        return None

    # -- decisions ---------------------------------------------------------------------------

    def _decide(self, phone: Phone, served: ServedFiles, kind: str) -> tuple[Decision, bool]:
        """The engine's decision and whether TVS was consulted, memoised while the cluster
        does not change (``cluster.revision``, bumped by every change of its trust state).

        Keyed on the identities of the installed and offered files (shared objects) and the
        phone's group (its CM group) and whether that group is cut off; the memo holds
        references to the files so the ids stay unique. Phones with TVS-cached certificates
        decide afresh (P5 cache).
        """
        trust = phone.trust
        if trust.tvs_cache:
            decision = self._decide_now(phone, served, kind)
            return decision, _used_tvs(decision)
        if self._memo_revision != self.cluster.revision:
            self._memo.clear()
            self._memo_revision = self.cluster.revision
        group = phone.group
        key = (kind, id(trust.itl), id(trust.ctl), id(served), group.index, group.partitioned)
        hit = self._memo.get(key)
        if hit is None:
            decision = self._decide_now(phone, served, kind)
            cached = next(iter(trust.tvs_cache.items()), None)
            hit = self._memo[key] = (decision, _used_tvs(decision), cached,
                                     (trust.itl, trust.ctl, served))
            return hit[0], hit[1]
        decision, used_tvs, cached, _ = hit
        if cached is not None:
            identity, (_, public_key) = cached
            trust.tvs_cache[identity] = (self.env.now + self.tvs_cache_seconds, public_key)
        return decision, used_tvs

    def _take_ctl(self, phone: Phone, served: ServedFiles) -> None:
        """Mixed mode (P3): install the served CTL if the phone accepts it; a rejected CTL is
        ignored and the old one kept (I28); phones without ITL support ignore CTLs (P8)."""
        if phone.trust.itl_support and self._decide(phone, served, "ctl")[0].accepted:
            phone.trust.ctl = served.ctl

    def _decide_now(self, phone: Phone, served: ServedFiles, kind: str) -> Decision:
        if kind == "ctl":
            assert served.ctl is not None  # boot asks for a CTL decision only when one is served
            return phone.trust.decide_ctl(served.ctl, self.verifier)
        context = self._contexts[phone.group.index]
        if kind == "itl":
            return phone.trust.decide_itl(served.itl, context, self.verifier, self.env.now)
        config = served_config(self.cluster, served, phone.group.profile)
        return phone.trust.decide_config(config, context, self.verifier, self.env.now)

    def _tvs_session(self, phone: Phone) -> Steps:
        """Time spent on the TVS query: a TLS session at the first reachable TVS (P5)."""
        for name in phone.group.cm_group:
            node = self.cluster.nodes[name]
            if node.serves("TVS") and not phone.group.partitioned:
                slots = self.tvs[name]
                if not slots.take():
                    yield slots
                yield self.sample["tvs"]()
                slots.give()
                return


def _used_tvs(decision: Decision) -> bool:
    """Did the phone talk to TVS for this decision (accepted through it, or tried it)?"""
    return decision.via == "tvs" or any(r.startswith("tvs-") for r in decision.reasons)
