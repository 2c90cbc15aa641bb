"""Several CUCM clusters side by side: the estate phones move through in a migration.

A scenario describes one cluster or several (``[[clusters]]``); an ``Estate`` holds their
``Cluster`` objects, finds a node's cluster by the node's name (node names are unique across
clusters, so phones' TFTP lists and CM groups name nodes without naming a cluster) and keeps
one ``revision`` that moves whenever any cluster's trust state does. Each cluster has its own
certificates, trust stores, TVS and files (TN 213407 "Migrate Phones Between Secure Clusters",
TN 215539 "Manage Bulk Certificates between CUCM Clusters for Phone Migration").

Keys: the clusters share one ``KeySource`` so no two clusters hold the same RSA key; the first
cluster draws its keys and serials exactly as a single cluster of the same seed does, so a
one-cluster scenario builds the same certificates as before several clusters existed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sim.cluster import tftp
from sim.cluster.assumptions import DOCUMENTED, Assumptions
from sim.cluster.cluster import Cluster, Node, SftpServer
from sim.cluster.spec import ClusterSpec


class Estate:
    """The clusters of one scenario, in file order; ``first`` is the default cluster."""

    def __init__(self, clusters: Iterable[Cluster]):
        self.clusters: dict[str, Cluster] = {c.name: c for c in clusters}
        self.first = next(iter(self.clusters.values()))
        self.names = tuple(self.clusters)
        self.nodes: dict[str, Node] = {}
        self._of_node: dict[str, Cluster] = {}
        self._index: dict[str, int] = {}
        for index, cluster in enumerate(self.clusters.values()):
            for name, node in cluster.nodes.items():
                self.nodes[name] = node
                self._of_node[name] = cluster
                self._index[name] = index
        # bumped by every change of any cluster's trust state (``Cluster.touch``), so caches
        # keyed on it are rebuilt once per change anywhere
        self.revision = 0
        self.listen(self._bump)

    @classmethod
    def from_specs(cls, specs: Iterable[ClusterSpec], seed: int,
                   assumptions: Assumptions = DOCUMENTED) -> Estate:
        """Build every cluster of ``specs`` (module doc: shared keys, the first as alone)."""
        specs = list(specs)
        first = Cluster.from_spec(specs[0], seed, assumptions)
        keys = first.factory.keys
        return cls([first] + [Cluster.from_spec(spec, seed, assumptions, keys=keys)
                              for spec in specs[1:]])

    @property
    def several(self) -> bool:
        return len(self.clusters) > 1

    def _bump(self) -> None:
        self.revision += 1

    def listen(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` on every change of any cluster (``Cluster.listeners``)."""
        for cluster in self.clusters.values():
            cluster.listeners.append(listener)

    def cluster_of(self, node_name: str) -> Cluster:
        """The cluster node ``node_name`` belongs to."""
        return self._of_node[node_name]

    def index_of(self, node_name: str) -> int:
        """The position of ``node_name``'s cluster in file order (0 for the first)."""
        return self._index[node_name]

    def add_sftp(self, server: SftpServer) -> None:
        """Make ``server`` reachable from every cluster: Bulk Certificate Management has every
        cluster export to "the same SFTP directory on the same SFTP server" (TN 215539)."""
        for cluster in self.clusters.values():
            cluster.sftp[server.host] = server

    def start_all(self, now: float = 0.0) -> None:
        """Bring every cluster up (``tftp.start_all``), in file order."""
        for cluster in self.clusters.values():
            tftp.start_all(cluster, now)
