"""The ITLs a phone may hold at t = 0 besides the current one (``initial_itl``).

- ``pre10``: what the node served while the cluster ran 9.x: the same CallManager/TVS/CAPF
  records but no ITLRecovery (section 2) - a phone that has not rebooted since the upgrade.
- ``empty``: the rollback ITL of "Prepare Cluster for Rollback to pre-8.0" (A9, P6).

Both are built by the real TLV code from the cluster's current certificates, as the node would
have built them under that version or parameter.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.cluster.cluster import Cluster
from sim.cluster.tftp import build_itl
from sim.trust import trustlist
from sim.trust.trustlist import TrustList


@dataclass(frozen=True)
class ItlVariants:
    current: TrustList
    pre10: TrustList
    empty: TrustList
    ctl: TrustList | None


def itl_variants(cluster: Cluster, node_name: str) -> ItlVariants:
    """The initial-ITL choices for phones whose first TFTP server is ``node_name``."""
    node = cluster.node(node_name)
    served = cluster.served[node_name]
    version, rollback = cluster.version, cluster.rollback
    try:
        cluster.version = min(version, (9, 1))
        pre10 = build_itl(cluster, node, timestamp=0)
        cluster.version, cluster.rollback = version, True
        empty = build_itl(cluster, node, timestamp=0)
    finally:
        cluster.version, cluster.rollback = version, rollback
    return ItlVariants(served.itl, trustlist.parse(pre10, path="pre10:ITLFile.tlv"),
                       trustlist.parse(empty, path="empty:ITLFile.tlv"), served.ctl)
