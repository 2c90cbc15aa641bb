"""Which TVS servers a phone asks, and so which cluster it belongs to now (P5, P5c).

A phone asks the TVS servers of the CM group in the configuration it accepted last (P5). After a
move to another cluster that is still the source's CM group, until the phone accepts a
configuration from the destination ("the phone still has its old configuration which contains
the IP address of the source cluster TVS service": TN 213407 "Verify" step 2, TN 215539). A
config's CM group names nodes of one cluster; that cluster is where the phone registers (P9)
and whose resets reach it (I54). The lists are numbered once per distinct CM group, and each
(group, list) pair has one ``TvsContext``.
"""

from __future__ import annotations

from sim.cluster.cluster import Cluster
from sim.cluster.estate import Estate
from sim.cluster.phone import TvsContext
from sim.fleet.memo import PerObject
from sim.fleet.phones import Phone


class TvsLists:
    """CM groups by number, the number of each config's, the TVS context per group and list."""

    def __init__(self, estate: Estate, cache_seconds: float):
        self.estate = estate
        self.cache_seconds = cache_seconds
        self.names: list[tuple[str, ...]] = []
        self._ids: dict[tuple[str, ...], int] = {}
        self._of_config = PerObject(
            lambda config: self._id(tuple(name for name, _ in config.callmanagers)))
        self._contexts: dict[tuple[int, int], TvsContext] = {}

    def _id(self, names: tuple[str, ...]) -> int:
        found = self._ids.get(names)
        if found is None:
            found = self._ids[names] = len(self.names)
            self.names.append(names)
        return found

    def of(self, phone: Phone) -> int:
        """The number of the CM group whose TVS ``phone`` asks: its last config's (P5c)."""
        config = phone.config
        if config is None:
            return self._id(phone.group.cm_group)
        return self._of_config(config)

    def cluster(self, phone: Phone) -> Cluster:
        """The cluster of the config ``phone`` accepted last."""
        return self.estate.cluster_of(self.names[self.of(phone)][0])

    def context(self, phone: Phone) -> TvsContext:
        """How ``phone`` reaches TVS now: its config's CM group, cut off with its population."""
        group, number = phone.group, self.of(phone)
        context = self._contexts.get((group.index, number))
        if context is None:
            names = self.names[number]
            context = self._contexts[(group.index, number)] = TvsContext(
                self.estate.cluster_of(names[0]), [self.estate.nodes[n] for n in names],
                lambda node: not group.partitioned, self.cache_seconds)
        return context
