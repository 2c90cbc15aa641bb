"""The phone fleet: populations and their phones (the agents), with their initial trust state.

A ``Phone`` is small (``__slots__``) so tens of thousands fit in a few MB; its trust lives in a
``sim.cluster.phone.PhoneTrust`` whose installed files are shared objects (every phone that took the
same ITL points at the same parsed ``TrustList``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sim.cluster.cluster import Cluster
from sim.cluster.phone import PhoneTrust
from sim.cluster.served import ConfigProfile, SignedConfig
from sim.cluster.variants import ItlVariants
from sim.fleet.collector import OFFLINE
from sim.scenario.inventory import Inventory
from sim.scenario.populations import Population
from sim.trust.trustlist import TrustList

MAC_BASE = 0x0011_2200_0000


@dataclass
class Group:
    """A population at run time: where its phones fetch files and how they are configured.
    Phones moved to another cluster join a group of their own with the same name
    (``sim.fleet.moves``)."""

    index: int
    name: str
    tftp: tuple[str, ...]
    cm_group: tuple[str, ...]
    profile: ConfigProfile  # CM group and the settings/web access flags its config carries
    itl_support: bool
    reports_devicetlinfo: bool = True  # firmware 9.4(1)+ with ITL support (O2a)
    # DHCP option 150: the address each TFTP node had when the phones last got it (A3a)
    option150: dict[str, str] = field(default_factory=dict)
    partitioned: bool = False
    cluster: int = 0  # the cluster its TFTP servers belong to (position in file order)


class Phone:
    """One phone: its trust, its state, and what the run needs to know about its history."""

    __slots__ = ("index", "group", "trust", "state", "epoch", "online", "registered",
                 "tftp_used", "config", "was_locked", "locked", "fixed_by_hand", "queued",
                 "recovered_by_tvs")

    def __init__(self, index: int, group: Group, trust: PhoneTrust, online: bool):
        self.index = index
        self.group = group
        self.trust = trust
        self.state = OFFLINE
        self.epoch = 0
        self.online = online
        # registered to a CallManager of its CM group (P9); False: settled but waiting to
        # register; None: booting or switched off
        self.registered: bool | None = None
        self.tftp_used = group.tftp[0]  # the TFTP server of its last download (O2a)
        self.config: SignedConfig | None = None  # the last config it accepted (P7, P9)
        self.was_locked = False
        self.locked = False  # locked at its last boot: its next good boot is a recovery
        self.fixed_by_hand = False
        self.queued = False
        self.recovered_by_tvs = False  # its last recovery took a file through TVS (P5)


def phone_name(index: int) -> str:
    """``SEP<MAC>``, the device name CUCM uses (MACs are consecutive from ``MAC_BASE``)."""
    return f"SEP{MAC_BASE + index:012X}"


def device_names(populations: Iterable[Population], inventory: Inventory | None) -> list[str]:
    """Every phone's device name in fleet order (populations in order, ``count`` phones each):
    the inventory's real names for its population (``[inventory]``), else ``phone_name``."""
    names: list[str] = []
    for pop in populations:
        real = inventory.names.get(pop.name, ()) if inventory else ()
        names.extend(real or [phone_name(len(names) + i) for i in range(pop.count)])
    return names


def initial_trust(kind: str, itl_support: bool, variants: ItlVariants,
                  ctl: TrustList | None) -> PhoneTrust:
    """A phone's installed files at t = 0 (``initial_itl``: current / none / pre10 / empty)."""
    itl = None if kind == "none" else getattr(variants, kind)  # built on first use
    return PhoneTrust(itl=itl, ctl=ctl, itl_support=itl_support)


def tftp_order(cluster: Cluster, names: tuple[str, ...]) -> tuple[str, ...]:
    """The phone's TFTP servers (option 150 order); default: every TFTP node of the cluster."""
    return names or tuple(node.name for node in cluster.nodes_with("TFTP"))


def cm_group_order(cluster: Cluster, names: tuple[str, ...]) -> tuple[str, ...]:
    """The phone's CM group (priority order); default: every CallManager node."""
    return names or tuple(node.name for node in cluster.nodes_with("CallManager"))
