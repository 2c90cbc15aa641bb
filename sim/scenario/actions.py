"""The parts event actions are made of: ``Action``, references, the context events are checked
against, and argument schemas several actions share.

``sim.scenario.events`` holds the table of actions (``ACTIONS``) and checks events in time
order; ``sim.scenario.migration`` adds the actions between clusters. Both build their entries
from this module, so neither imports the other's table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from sim.cluster.versions import Version, parse_version
from sim.scenario.clusters import ClusterSet, node_problem
from sim.scenario.populations import Population
from sim.scenario.schema import Value, suggest

ALL = "all"


@dataclass(frozen=True)
class Ref:
    """An argument that names something declared elsewhere: a node, population or SFTP host."""

    kind: Literal["node", "population", "sftp host"]
    allow_all: bool = False


@dataclass(frozen=True)
class SftpServer:
    """A ``[[sftp]]`` declaration: where ``ITLRecovery.p12`` can be backed up to (A5, A7) and
    where Bulk Certificate Management exports to (TN 215539)."""

    host: str
    user: str
    password: str
    reachable: bool
    has_p12_backup: bool
    path: str


@dataclass(frozen=True)
class Event:
    """One scheduled action at ``at`` seconds; ``args`` (read-only) holds every argument of the
    action with defaults filled; ``index`` is the entry's position in the file (``events.N``);
    ``cluster`` the cluster it acts on ("" for actions on phones, not on a cluster)."""

    at: float
    action: str
    args: Mapping[str, Any]
    note: str
    index: int
    cluster: str = ""


@dataclass
class EventContext:
    """What events may refer to; follows each cluster's version through ``upgrade`` events and,
    between clusters, which populations have device records where and what Bulk Certificate
    Management has on its SFTP directories (``sim.scenario.migration``).

    Node names are the scenario's ids and stay valid after ``change_hostname`` (the simulator
    changes the node's host name, not its id). ``cluster`` is the cluster of the event being
    checked: node references are nodes of it.
    """

    clusters: ClusterSet
    populations: Mapping[str, Population]
    sftp: Mapping[str, SftpServer]
    versions: dict[str, Version]
    records: dict[tuple[str, str], tuple[str, ...]]
    """(population, cluster) -> the CM group of its device records there (TN 215539)."""
    cluster: str = ""
    at: float = 0.0
    """When the event being checked happens (seconds)."""
    refused: str | None = None
    """Why CUCM will refuse the event being checked, as its ``resolve`` found (a warning)."""
    exports: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    """(SFTP host, directory) -> the clusters that exported there (Bulk Certificate Export)."""
    bulk_sftp: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Cluster -> the (host, directory) its export saved for Bulk Certificate Management."""
    consolidated: set[tuple[str, str]] = field(default_factory=set)
    warnings: list[str] = field(default_factory=list)
    """Events CUCM will refuse (``Action.refused_at``, ``Action.resolve``), one line each."""

    @classmethod
    def start(cls, clusters: ClusterSet, populations: Iterable[Population],
              sftp: Mapping[str, SftpServer]) -> EventContext:
        """The context at t = 0: each population has device records on its own cluster."""
        populations = tuple(populations)
        return cls(clusters, {p.name: p for p in populations}, sftp,
                   {spec.name: spec.version for spec in clusters.specs},
                   {(p.name, p.cluster): p.cm_group for p in populations},
                   clusters.first.name)

    @property
    def nodes(self) -> tuple[str, ...]:
        return tuple(node.name for node in self.clusters.get(self.cluster).nodes)

    @property
    def publisher(self) -> str:
        return self.clusters.get(self.cluster).publisher.name

    @property
    def version(self) -> Version:
        return self.versions[self.cluster]

    def apply(self, action: str, args: Mapping[str, Any]) -> None:
        """Follow an upgrade (a downgrade is refused by the cluster, so it changes nothing)."""
        if action == "upgrade":
            self.versions[self.cluster] = max(self.version, parse_version(args["version"]))


class ArgProblem(Exception):
    """A reference or ``resolve`` check failed: which argument is wrong and why."""

    def __init__(self, arg: str, message: str):
        super().__init__(message)
        self.arg = arg


Resolve = Callable[[EventContext, dict[str, Any]], None]
VersionCheck = Callable[[Version, Mapping[str, Any]], str | None]
"""Why CUCM at this version refuses the action with these arguments, or None."""


@dataclass(frozen=True)
class Action:
    """An event action: its arguments, references, the rules it models and its own checks.
    ``on_cluster``: it acts on one cluster (named by ``cluster`` or by its node), not on
    phones or the network."""

    help: str
    rules: str = ""
    args: Mapping[str, Value] = field(default_factory=dict)
    refs: Mapping[str, Ref] = field(default_factory=dict)
    resolve: Resolve | None = None
    """Checks across arguments and the context; fills derived defaults; raises ArgProblem."""
    refused_at: VersionCheck | None = None
    """The engine's version rule that makes CUCM refuse it (a warning before the run)."""
    on_cluster: bool = True


def nonempty(text: str) -> str | None:
    return None if text.strip() else "must not be empty"


SFTP_ARGS = ("sftp_host", "sftp_user", "sftp_path", "sftp_password")
NODE = Value(str, help="node name (required)")
PUBLISHER = Value(str, None, help="node name (default: the publisher)")
HOST = Value(str, help="an [[sftp]] host (required)")
OPTIONAL_SFTP = {
    "sftp_user": Value(str, None, help="default: the [[sftp]] entry's user"),
    "sftp_path": Value(str, None, help="default: the [[sftp]] entry's path"),
    "sftp_password": Value(str, None, help="default: the [[sftp]] entry's password; a wrong "
                                           "one fails cleanly and changes nothing (A5)"),
}
SFTP_REFS = {"node": Ref("node"), "sftp_host": Ref("sftp host")}


def sftp_defaults(ctx: EventContext, args: dict[str, Any]) -> None:
    """Fill sftp_user/path/password that the event leaves out from the host's [[sftp]] entry."""
    server = ctx.sftp[args["sftp_host"]]
    for arg in SFTP_ARGS[1:]:
        if args.get(arg, "") is None:
            args[arg] = getattr(server, arg.removeprefix("sftp_"))


def resolve_ref(ctx: EventContext, arg: str, ref: Ref, value: str | None) -> str | None:
    """Check the reference in argument ``arg``; a missing node argument means the publisher
    of the event's cluster."""
    if value is None:
        return ctx.publisher if ref.kind == "node" else None
    if ref.allow_all and value == ALL:
        return value
    if ref.kind == "node" and value not in ctx.nodes:
        raise ArgProblem(arg, node_problem(ctx.clusters, ctx.cluster, value) or ""
                         if ctx.clusters.several else _unknown(ref, value, list(ctx.nodes)))
    if ref.kind == "node":
        return value
    names = {"population": list(ctx.populations), "sftp host": list(ctx.sftp)}[ref.kind]
    if value not in names:
        raise ArgProblem(arg, _unknown(ref, value, names))
    return value


def _unknown(ref: Ref, value: str, names: list[str]) -> str:
    if ref.kind == "sftp host":
        declared = ", ".join(names) or "none"
        return f"SFTP host {value!r} is not declared in [[sftp]] (declared hosts: {declared})"
    options = names + ([ALL] if ref.allow_all else [])
    return (f"no {ref.kind} called {value!r}{suggest(value, options)} "
            f"(valid: {', '.join(options)})")
