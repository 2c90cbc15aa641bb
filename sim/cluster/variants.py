"""The ITLs a phone may hold at t = 0 besides the current one (``initial_itl``).

- ``pre10``: what the node served while the cluster ran 9.x: the same CallManager/TVS/CAPF
  records but no ITLRecovery (section 2) - a phone that has not rebooted since the upgrade.
- ``empty``: the rollback ITL of "Prepare Cluster for Rollback to pre-8.0" (A9, P6).

Both are built by the real TLV code from the cluster's current certificates, as the node would
have built them under that version or parameter.
"""

from __future__ import annotations

from functools import cached_property

from sim.cluster.cluster import Cluster
from sim.cluster.tftp import build_itl
from sim.trust import reuse
from sim.trust.trustlist import TrustList


class ItlVariants:
    """The ITLs phones whose first TFTP server is one node may hold at t = 0.

    ``pre10`` and ``empty`` are built on first use (a real signature each, which most fleets
    never need), from the cluster as it is then: ask for them while building the fleet at
    t = 0, before anything changes the cluster.
    """

    def __init__(self, cluster: Cluster, node_name: str):
        self.cluster = cluster
        self.node = cluster.node(node_name)
        served = cluster.served[node_name]
        self.current: TrustList = served.itl
        self.ctl: TrustList | None = served.ctl

    @cached_property
    def pre10(self) -> TrustList:
        """What the node served while the cluster ran 9.x (no ITLRecovery record)."""
        cluster, version = self.cluster, self.cluster.version
        try:
            cluster.version = min(version, (9, 1))
            data = build_itl(cluster, self.node, timestamp=0)
        finally:
            cluster.version = version
        return reuse.parsed(data, path="pre10:ITLFile.tlv")

    @cached_property
    def empty(self) -> TrustList:
        """The rollback ITL (A9, P6)."""
        cluster, rollback = self.cluster, self.cluster.rollback
        try:
            cluster.rollback = True
            data = build_itl(cluster, self.node, timestamp=0)
        finally:
            cluster.rollback = rollback
        return reuse.parsed(data, path="empty:ITLFile.tlv")


def itl_variants(cluster: Cluster, node_name: str) -> ItlVariants:
    """The initial-ITL choices for phones whose first TFTP server is ``node_name``."""
    return ItlVariants(cluster, node_name)
