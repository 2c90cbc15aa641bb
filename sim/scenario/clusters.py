"""One cluster or several: ``[cluster]``, or ``[[clusters]]`` for a migration between clusters.

A scenario describes its cluster in ``[cluster]`` (``sim.scenario.clusterfile``) or, when phones
move between clusters (TN 213407, TN 215539), two or more ``[[clusters]]`` entries with the same
keys, each with a ``name`` that populations (``cluster = "old"``) and events refer to. Node
names are unique across clusters, so a TFTP list or CM group names nodes alone and a node tells
its cluster. ``ClusterSet`` answers which cluster a name or node is, with one clear line for a
name that is not there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sim.cluster.spec import ClusterSpec
from sim.scenario.clusterfile import CLUSTER_SCHEMA, cluster_from
from sim.scenario.schema import ArrayOf, Table, Value, suggest, validate
from sim.scenario.tomlsource import KeyPath, TomlSource

NAMED_CLUSTER = Table({**CLUSTER_SCHEMA.fields, "name": Value(
    str, help="the cluster's name, which populations and events use (required)")})
CLUSTERS = ArrayOf(NAMED_CLUSTER, min_items=2)


def scenario_schema(source: TomlSource, schema: Table) -> Table:
    """``schema`` (with ``[cluster]``) or, for a file with ``[[clusters]]``, the same schema
    with ``[[clusters]]`` in its place; both at once is an error."""
    if "clusters" not in source.data:
        return schema
    if "cluster" in source.data:
        raise source.error(("clusters",), "give either [cluster] (one cluster) or [[clusters]] "
                                          "(several), not both")
    fields = {("clusters" if key == "cluster" else key): (CLUSTERS if key == "cluster" else spec)
              for key, spec in schema.fields.items()}
    return Table(fields, schema.required, schema.extra, schema.help, schema.moved)


@dataclass(frozen=True)
class ClusterSet:
    """The scenario's clusters in file order; the first is the default."""

    specs: tuple[ClusterSpec, ...]

    @property
    def first(self) -> ClusterSpec:
        return self.specs[0]

    @property
    def several(self) -> bool:
        return len(self.specs) > 1

    @property
    def names(self) -> list[str]:
        return [spec.name for spec in self.specs]

    def get(self, name: str) -> ClusterSpec:
        return next(spec for spec in self.specs if spec.name == name)

    def of_node(self, node: str) -> ClusterSpec | None:
        """The cluster that has a node called ``node``, or None."""
        return next((spec for spec in self.specs
                     if any(n.name == node for n in spec.nodes)), None)

    def node_names(self) -> list[str]:
        return [node.name for spec in self.specs for node in spec.nodes]

    def unknown(self, name: str) -> str | None:
        """Why ``name`` is not a cluster of the scenario, or None."""
        if name in self.names:
            return None
        return f"no cluster called {name!r}{suggest(name, self.names)} (clusters: " \
               f"{', '.join(self.names)})"


def load_clusters(path: str) -> ClusterSet:
    """The ``[cluster]`` or ``[[clusters]]`` of a file (for ``make-itl``; other sections are not
    read)."""
    source = TomlSource.load(path)
    key = "clusters" if "clusters" in source.data else "cluster"
    schema = Table({key: CLUSTERS if key == "clusters" else CLUSTER_SCHEMA}, extra=Value(object))
    return clusters_from(source, validate(source, scenario_schema(source, schema)))


def describe_clusters(specs: Sequence[ClusterSpec]) -> str:
    """``3-node 10.5 non-secure cluster``, or ``2 clusters (old: ..., new: ...)``."""
    def one(spec: ClusterSpec) -> str:
        return f"{len(spec.nodes)}-node {spec.version[0]}.{spec.version[1]} {spec.security_mode}"
    if len(specs) == 1:
        return f"{one(specs[0])} cluster"
    return f"{len(specs)} clusters (" + ", ".join(f"{s.name}: {one(s)}" for s in specs) + ")"


def clusters_from(source: TomlSource, data: Mapping[str, Any]) -> ClusterSet:
    """The validated ``[cluster]`` or ``[[clusters]]`` of a scenario: names unique, node names
    unique across clusters."""
    if "cluster" in data:
        return ClusterSet((cluster_from(source, data["cluster"]),))
    specs = tuple(cluster_from(source, entry, ("clusters", i))
                  for i, entry in enumerate(data["clusters"]))
    _unique_names(source, specs)
    return ClusterSet(specs)


def _unique_names(source: TomlSource, specs: tuple[ClusterSpec, ...]) -> None:
    owners: dict[str, str] = {}
    for i, spec in enumerate(specs):
        if spec.name in [s.name for s in specs[:i]]:
            raise source.error(("clusters", i, "name"), f"cluster name {spec.name!r} appears "
                                                        f"twice")
        for j, node in enumerate(spec.nodes):
            if node.name in owners:
                raise source.error(("clusters", i, "nodes", j, "name"), (
                    f"node name {node.name!r} is also a node of cluster {owners[node.name]!r}: "
                    f"node names are unique across clusters (TFTP lists, CM groups and events "
                    f"name nodes without their cluster)"))
            owners[node.name] = spec.name


def node_problem(clusters: ClusterSet, cluster: str, node: str, service: str | None = None
                 ) -> str | None:
    """Why ``node`` cannot stand for a node of ``cluster`` (running ``service``), or None: it
    is unknown, a node of another cluster, or does not run the service."""
    spec = clusters.get(cluster)
    names = [n.name for n in spec.nodes]
    runners = [n.name for n in spec.nodes if service is None or service in n.services]
    where = f" of cluster {cluster!r}" if clusters.several else ""
    listed = f"(nodes{where}{f' running {service}' if service else ''}: {', '.join(runners)})"
    if node in runners:
        return None
    if node in names:
        return f"node {node!r} does not run {service} {listed}"
    owner = clusters.of_node(node)
    if owner is not None:
        return f"node {node!r} is a node of cluster {owner.name!r}, not of {cluster!r} {listed}"
    return f"no node called {node!r}{suggest(node, clusters.node_names())} {listed}"


def node_list(source: TomlSource, names: list[str] | None, clusters: ClusterSet, cluster: str,
              service: str, at: KeyPath) -> tuple[str, ...]:
    """Node names of ``cluster`` that run ``service`` (default: all of them, in file order)."""
    if names is None:
        return tuple(n.name for n in clusters.get(cluster).nodes if service in n.services)
    for i, name in enumerate(names):
        if name in names[:i]:
            raise source.error(at + (i,), f"node {name!r} appears twice")
        problem = node_problem(clusters, cluster, name, service)
        if problem:
            raise source.error(at + (i,), problem)
    return tuple(names)
