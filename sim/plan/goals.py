"""The ``[goal]`` of a plan: the change to carry out, checked against the base scenario.

Three goals, written as a sentence or as a table::

    change = "rename publisher to cucm-new"           # or: rename = { node = "cucm-pub",
                                                       #                new_name = "cucm-new" }
    change = "regenerate CallManager, TVS and ITLRecovery on cucm-pub, cucm-sub1"
                                                       # or: regenerate = ["CallManager", ...]
                                                       #     nodes = ["cucm-pub", "cucm-sub1"]
    change = "migrate wards from old to new"           # or: migrate = { from = "old",
                                                       #     to = "new", population = "wards" }

A goal the cluster cannot do is one line naming the rule: ITLRecovery before CUCM 10.0
(section 2), a subscriber's ITLRecovery from 12.5 (T8), CAPF off the publisher (K2), a node or
cluster that does not exist, a host name already in use. Migrations need a base scenario with
``[[clusters]]`` (several clusters); mixed-mode clusters are refused for now (the CTL steps of
A12 are not generated).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sim.cluster.versions import Version, has_itl_recovery, single_itl_recovery
from sim.scenario.events import CERTS
from sim.scenario.names import host_name
from sim.scenario.scenario import Scenario
from sim.scenario.schema import Table, Value, suggest, validate
from sim.scenario.tomlsource import KeyPath, TomlSource

_RENAME = re.compile(r"^(?:rename|set network hostname(?: of)?)\s+(?:the\s+)?(?P<node>\S+)"
                     r"\s+(?:to|->)\s+(?P<new>\S+)$", re.IGNORECASE)
_REGEN = re.compile(r"^(?:regenerate|renew)\s+(?P<certs>.+?)(?:\s+on\s+(?P<nodes>.+))?$",
                    re.IGNORECASE)
_MIGRATE = re.compile(r"^(?:migrate|move)\s+(?P<who>.+?)\s+from\s+(?P<src>\S+)\s+to\s+"
                      r"(?P<dst>\S+)$", re.IGNORECASE)
_SPLIT = re.compile(r"\s*(?:,|\band\b)\s*|\s+")
EXAMPLES = ("'rename publisher to cucm-new', 'regenerate CallManager, TVS and ITLRecovery', "
            "'migrate wards from old to new'")


@dataclass(frozen=True)
class Base:
    """The base scenario a plan starts from: its file, raw data and validated form;
    ``written`` is ``[plan] base`` as the plan file has it (relative to the plan file), what a
    reproducible output names (``path`` depends on where the checkout lives)."""

    path: str
    data: dict[str, Any]
    scenario: Scenario
    written: str = ""

    @property
    def version(self) -> Version:
        return self.scenario.cluster.version

    @property
    def publisher(self) -> str:
        return self.scenario.cluster.publisher.name

    @property
    def nodes(self) -> dict[str, frozenset[str]]:
        """Node name -> services, of the (first) cluster."""
        return {n.name: n.services for n in self.scenario.cluster.nodes}

    @property
    def phones(self) -> dict[str, int]:
        return {p.name: p.count for p in self.scenario.populations}

    @property
    def sftp_host(self) -> str | None:
        return self.scenario.sftp[0].host if self.scenario.sftp else None

    @property
    def clusters(self) -> dict[str, Version]:
        """Cluster name -> version, for scenarios with ``[[clusters]]`` (several clusters)."""
        return {c.name: c.version for c in self.scenario.clusters}

    def cluster_of(self, population: str) -> str:
        found = next(p for p in self.scenario.populations if p.name == population)
        return found.cluster


@dataclass(frozen=True)
class Rename:
    """``set network hostname`` on a node (A3)."""

    node: str
    new_name: str
    kind: str = "rename"

    def describe(self) -> str:
        return f"rename {self.node} to {self.new_name}"


@dataclass(frozen=True)
class Regenerate:
    """New certificates (A1, A8): per certificate type, the nodes it is regenerated on."""

    certs: tuple[str, ...]
    nodes: Mapping[str, tuple[str, ...]]
    kind: str = "regenerate"

    def describe(self) -> str:
        return "regenerate " + ", ".join(f"{c} ({', '.join(self.nodes[c])})" for c in self.certs)


@dataclass(frozen=True)
class Migrate:
    """Phones moved from one cluster to another (TN 213407, TN 215539)."""

    source: str
    target: str
    populations: tuple[str, ...]
    kind: str = "migrate"

    def describe(self) -> str:
        return f"migrate {', '.join(self.populations)} from {self.source} to {self.target}"


Goal = Rename | Regenerate | Migrate

GOAL = Table({
    "change": Value(str, None, help=f"the change as a sentence, e.g. {EXAMPLES}"),
    "rename": Value(dict, None, help="{ node = ..., new_name = ... }"),
    "regenerate": Value(list, None, help="certificate types, e.g. [\"CallManager\", \"TVS\"]"),
    "nodes": Value(list, None, help="nodes to regenerate on (default: every node holding the "
                                    "certificate; ITLRecovery and CAPF: the publisher)"),
    "migrate": Value(dict, None, help="{ from = ..., to = ..., population = ... }"),
})
RENAME = Table({"node": Value(str, help="node name or 'publisher' (required)"),
                "new_name": Value(str, check=host_name, help="the new host name (required)")})
MIGRATE = Table({"from": Value(str, help="source cluster (required)"),
                 "to": Value(str, help="destination cluster (required)"),
                 "population": Value(str, "all", help="population or 'all' phones of the "
                                                      "source (default 'all')")})


def parse_goal(source: TomlSource, base: Base, at: KeyPath = ("goal",)) -> Goal:
    """The plan's goal, checked against ``base``; errors are one line at the goal's key."""
    table = validate(source, GOAL, source.data.get("goal"), at)
    given = [k for k in ("change", "rename", "regenerate", "migrate") if table[k] is not None]
    if len(given) != 1:
        what = "none" if not given else ", ".join(given)
        raise source.error(at, f"give exactly one of change, rename, regenerate, migrate (got "
                               f"{what}); e.g. change = {EXAMPLES.split(', ')[0]}")
    if table["nodes"] is not None and given[0] not in ("regenerate", "change"):
        raise source.error(at + ("nodes",), "nodes go with a regenerate goal")
    if base.scenario.cluster.security_mode == "mixed":
        raise source.error(at, "the base cluster is in mixed mode; the planner generates "
                               "procedures for non-secure clusters only (the CTL steps of A12 "
                               "and TN 214231 are not generated yet)")
    key = given[0]
    if key == "change":
        return _sentence(source, table["change"], table["nodes"], base, at)
    if key == "rename":
        fields = validate(source, RENAME, table["rename"], at + ("rename",))
        return rename(source, fields["node"], fields["new_name"], base, at + ("rename",))
    if key == "regenerate":
        return regenerate(source, table["regenerate"], table["nodes"], base, at + ("regenerate",))
    fields = validate(source, MIGRATE, table["migrate"], at + ("migrate",))
    return migrate(source, fields["from"], fields["to"], fields["population"], base,
                   at + ("migrate",))


def _sentence(source: TomlSource, text: str, nodes: list[str] | None, base: Base,
              at: KeyPath) -> Goal:
    at = at + ("change",)
    words = " ".join(text.split())
    if match := _RENAME.match(words):
        return rename(source, match["node"], match["new"], base, at)
    if match := _REGEN.match(words):
        named = _words(match["nodes"]) if match["nodes"] else None
        if named in (["all", "nodes"], ["every", "node"], ["all"]):
            named = None
        return regenerate(source, _words(match["certs"]), named or nodes, base, at)
    if match := _MIGRATE.match(words):
        who = match["who"].lower()
        population = "all" if who in ("all", "all phones", "phones", "every phone") \
            else match["who"]
        return migrate(source, match["src"], match["dst"], population, base, at)
    raise source.error(at, f"cannot read {text!r} as a change; write e.g. {EXAMPLES}")


def _words(text: str) -> list[str]:
    return [w for w in _SPLIT.split(text.strip()) if w]


def _node(source: TomlSource, name: str, base: Base, at: KeyPath) -> str:
    if name.lower() == "publisher":
        return base.publisher
    names = list(base.nodes)
    if name not in names:
        raise source.error(at, f"no node {name!r} in the base scenario{suggest(name, names)} "
                               f"(nodes: {', '.join(names)}, or 'publisher')")
    return name


def rename(source: TomlSource, node: str, new_name: str, base: Base, at: KeyPath) -> Rename:
    node = _node(source, node, base, at)
    if problem := host_name(new_name):
        raise source.error(at, f"new name {new_name!r}: {problem}")
    hostnames = {n.name for n in base.scenario.cluster.nodes}
    if new_name in hostnames:
        raise source.error(at, f"host name {new_name!r} is already in use in the cluster "
                               f"(CUCM refuses it)")
    return Rename(node, new_name)


def regenerate(source: TomlSource, certs: list[Any], nodes: list[Any] | None, base: Base,
               at: KeyPath) -> Regenerate:
    if not certs or not all(isinstance(c, str) for c in certs):
        raise source.error(at, f"expected certificate types, e.g. {list(CERTS)}")
    for cert in certs:
        if cert not in CERTS:
            raise source.error(at, f"unknown certificate {cert!r}{suggest(cert, list(CERTS))} "
                                   f"(valid: {', '.join(CERTS)})")
    if len(set(certs)) != len(certs):
        raise source.error(at, f"a certificate type appears twice in {certs}")
    if "ITLRecovery" in certs and not has_itl_recovery(base.version):
        raise source.error(at, f"CUCM {_version(base.version)} has no ITLRecovery certificate "
                               f"(it exists from 10.0(1), section 2): this cluster cannot "
                               f"regenerate it")
    chosen = [_node(source, str(n), base, at) for n in nodes] if nodes else list(base.nodes)
    return Regenerate(tuple(certs), {c: _nodes_for(source, c, chosen, nodes is not None, base,
                                                   at) for c in certs})


def _nodes_for(source: TomlSource, cert: str, chosen: list[str], explicit: bool, base: Base,
               at: KeyPath) -> tuple[str, ...]:
    """CallManager and TVS on every chosen node (K9); CAPF on the publisher (K2); ITLRecovery
    on the publisher, whose key signs (section 2; from 12.5 the only one, T8)."""
    if cert in ("CallManager", "TVS"):
        return tuple(chosen)
    if base.publisher in chosen:
        return (base.publisher,)
    if cert == "CAPF":
        why = "CAPF runs on the publisher only (K2)"
    elif single_itl_recovery(base.version):
        why = "from 12.5 the cluster has one ITLRecovery certificate, regenerated on the " \
              "publisher (T8)"
    else:
        why = "only the publisher's ITLRecovery key signs and is in the ITL (section 2)"
    if explicit:
        raise source.error(at, f"{cert} is regenerated on the publisher {base.publisher}, "
                               f"which the goal's nodes leave out: {why}")
    return (base.publisher,)


def migrate(source: TomlSource, src: str, dst: str, population: str, base: Base,
            at: KeyPath) -> Migrate:
    clusters = base.clusters
    if len(clusters) < 2:
        raise source.error(at, "a migration needs a base scenario with two or more "
                               "[[clusters]] (several clusters); this one has one cluster")
    for name in (src, dst):
        if name not in clusters:
            raise source.error(at, f"no cluster {name!r}{suggest(name, list(clusters))} "
                                   f"(clusters: {', '.join(clusters)})")
    if src == dst:
        raise source.error(at, f"from and to are the same cluster {src!r}")
    on_source = [p for p in base.phones if base.cluster_of(p) == src]
    if population != "all" and population not in on_source:
        raise source.error(at, f"no population {population!r} on cluster {src!r}"
                               f"{suggest(population, on_source)} (there: "
                               f"{', '.join(on_source) or 'none'})")
    chosen = tuple(on_source) if population == "all" else (population,)
    if not chosen:
        raise source.error(at, f"no phones start on cluster {src!r}")
    return Migrate(src, dst, chosen)


def _version(version: Version) -> str:
    return f"{version[0]}.{version[1]}"


def check_base_events(source: TomlSource, base: Base, disruptive: frozenset[str],
                      at: KeyPath) -> None:
    """The base's own ``[[events]]`` are kept (faults, other work); a change among them would
    be carried out under every candidate, so it is refused."""
    for event in base.scenario.events:
        if event.action in disruptive:
            raise source.error(at, f"the base scenario already carries out {event.action} "
                                   f"(events.{event.index}); the planner adds the goal's steps "
                                   f"itself: remove it from the base")
