"""Scenario events: administrator operations (trust-model A1-A11) and faults, at given times.

``ACTIONS`` is the one table of event actions: each action's arguments (a schema with defaults and
help), which arguments name things declared elsewhere (nodes, populations, SFTP hosts), the rules it
models and its cross-argument checks. Validation and the docs read it, and the simulator dispatches
on the same names (``sim.fleet.timeline.HANDLERS``), so an action is declared in exactly one place.

Events are checked in time order (file order breaks ties) against an ``EventContext``, which
follows the cluster version through ``upgrade`` events. Only what cannot be expressed is an
error here (unknown names, bad arguments); what CUCM itself refuses (``itl_reset`` on a
subscriber, A4) is simulated as a refusal. Refusals the version alone decides (``itl_reset`` on
9.x, ``set_phone_interaction`` before 14) are known before the run: they are warnings
(``EventContext.warnings``), decided by the engine's own version rules (``sim.cluster.versions``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from sim.cluster.spec import ClusterSpec
from sim.cluster.versions import (
    Version,
    has_ctl_reset_localkey,
    has_itl_recovery,
    has_phone_interaction_parameter,
    parse_version,
)
from sim.scenario.clusterfile import CLUSTER_VERSION, NODE_IP, check_node_ip
from sim.scenario.durations import duration, human_duration
from sim.scenario.names import domain_name, host_name
from sim.scenario.schema import REQUIRED, Table, Value, at_least, suggest, validate
from sim.scenario.tomlsource import KeyPath, TomlSource

CERTS = ("CallManager", "TVS", "CAPF", "ITLRecovery")
EVENT_SERVICES = ("CallManager", "TFTP", "TVS")
ALL = "all"


@dataclass(frozen=True)
class Ref:
    """An argument that names something declared elsewhere: a node, population or SFTP host."""

    kind: Literal["node", "population", "sftp host"]
    allow_all: bool = False


@dataclass(frozen=True)
class SftpServer:
    """A ``[[sftp]]`` declaration: where ``ITLRecovery.p12`` can be backed up to (A5, A7)."""

    host: str
    user: str
    password: str
    reachable: bool
    has_p12_backup: bool
    path: str


@dataclass(frozen=True)
class Event:
    """One scheduled action at ``at`` seconds; ``args`` (read-only) holds every argument of the
    action with defaults filled; ``index`` is the entry's position in the file (``events.N``)."""

    at: float
    action: str
    args: Mapping[str, Any]
    note: str
    index: int


@dataclass
class EventContext:
    """What events may refer to; follows the cluster version through ``upgrade`` events.

    Node names are the scenario's ids and stay valid after ``change_hostname`` (the simulator
    changes the node's host name, not its id).
    """

    nodes: tuple[str, ...]
    publisher: str
    version: tuple[int, int]
    populations: tuple[str, ...]
    sftp: Mapping[str, SftpServer]
    warnings: list[str] = field(default_factory=list)
    """Events CUCM will refuse at this version (``Action.refused_at``), one line each."""

    @classmethod
    def start(cls, cluster: ClusterSpec, populations: tuple[str, ...],
              sftp: Mapping[str, SftpServer]) -> EventContext:
        """The context at t = 0."""
        return cls(tuple(node.name for node in cluster.nodes), cluster.publisher.name,
                   cluster.version, populations, sftp)

    def apply(self, action: str, args: Mapping[str, Any]) -> None:
        """Follow an upgrade (a downgrade is refused by the cluster, so it changes nothing)."""
        if action == "upgrade":
            self.version = max(self.version, parse_version(args["version"]))


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
    """An event action: its arguments, references, the rules it models and its own checks."""

    help: str
    rules: str = ""
    args: Mapping[str, Value] = field(default_factory=dict)
    refs: Mapping[str, Ref] = field(default_factory=dict)
    resolve: Resolve | None = None
    """Checks across arguments and the context; fills derived defaults; raises ArgProblem."""
    refused_at: VersionCheck | None = None
    """The engine's version rule that makes CUCM refuse it (a warning before the run)."""


def _needs_itl_recovery(version: Version, args: Mapping[str, Any]) -> str | None:
    if has_itl_recovery(version):
        return None
    return "there is no ITLRecovery key before CUCM 10.0(1) (section 2)"


def _regen_needs_itl_recovery(version: Version, args: Mapping[str, Any]) -> str | None:
    return _needs_itl_recovery(version, args) if args["cert"] == "ITLRecovery" else None


def _needs_ctl_reset_localkey(version: Version, args: Mapping[str, Any]) -> str | None:
    if has_ctl_reset_localkey(version):
        return None
    return "utils ctl reset localkey exists from CUCM 12.0 on (A12)"


def _needs_phone_interaction(version: Version, args: Mapping[str, Any]) -> str | None:
    if has_phone_interaction_parameter(version):
        return None
    return "the parameter exists from CUCM 14.0 on (A1b, K8)"


def _nonempty(text: str) -> str | None:
    return None if text.strip() else "must not be empty"


_SFTP_ARGS = ("sftp_host", "sftp_user", "sftp_path", "sftp_password")


def _sftp_defaults(ctx: EventContext, args: dict[str, Any]) -> None:
    """Fill sftp_user/path/password that the event leaves out from the host's [[sftp]] entry."""
    server = ctx.sftp[args["sftp_host"]]
    for arg in _SFTP_ARGS[1:]:
        if args[arg] is None:
            args[arg] = getattr(server, arg.removeprefix("sftp_"))


def _regen_cert(ctx: EventContext, args: dict[str, Any]) -> None:
    """The procedure restarts TVS and TFTP after a CallManager, TVS or CAPF regeneration (I8,
    TechNote 214231); an ITLRecovery regeneration restarts nothing by default (A8, T4)."""
    if args["restart_tftp"] is None:
        args["restart_tftp"] = args["cert"] != "ITLRecovery"


def _itl_reset(ctx: EventContext, args: dict[str, Any]) -> None:
    """remotekey fetches ITLRecovery.p12 over SFTP (A5); localkey uses no SFTP argument (A4)."""
    if args["mode"] == "remotekey":
        if args["sftp_host"] is None:
            raise ArgProblem("mode", "mode = 'remotekey' needs sftp_host, the [[sftp]] host "
                                     "holding ITLRecovery.p12 (A5)")
        _sftp_defaults(ctx, args)
        return
    given = [arg for arg in _SFTP_ARGS if args[arg] is not None]
    if given:
        raise ArgProblem(given[0], f"{given[0]} is only used with mode = 'remotekey' (A5)")


_NODE = Value(str, help="node name (required)")
_PUBLISHER = Value(str, None, help="node name (default: the publisher)")
_SERVICE = Value(str, choices=EVENT_SERVICES, help="CallManager, TFTP or TVS (required)")
_POPULATION = Value(str, help="population name or 'all' (required)")
_ENABLED = Value(bool, help="true or false (required)")
_TEXT = Value(str, check=_nonempty, help="required")
_HOST = Value(str, help="an [[sftp]] host (required)")
_OPTIONAL_SFTP = {
    "sftp_user": Value(str, None, help="default: the [[sftp]] entry's user"),
    "sftp_path": Value(str, None, help="default: the [[sftp]] entry's path"),
    "sftp_password": Value(str, None, help="default: the [[sftp]] entry's password; a wrong "
                                           "one fails cleanly and changes nothing (A5)"),
}
_NEW_IP = dataclasses.replace(NODE_IP, default=REQUIRED,
                              help="the node's new IPv4 address (required)",
                              check=lambda s: _nonempty(s) or check_node_ip(s))
_VERSION = dataclasses.replace(CLUSTER_VERSION,
                               help="the version after the upgrade, e.g. '12.5(1)' (required)")
_NODE_REF = {"node": Ref("node")}
_POPULATION_REF = {"population": Ref("population", allow_all=True)}
_SFTP_REFS = {"node": Ref("node"), "sftp_host": Ref("sftp host")}

ACTIONS: dict[str, Action] = {
    "regen_cert": Action(
        "set cert regen: regenerate a certificate on a node (5-minute hold timer per node; "
        "phones reset if the certificate is in the ITL; from 12.5 ITLRecovery on the publisher "
        "only)", "A1, A1b, A1c, A2, A8, T4, T8",
        {"node": _NODE,
         "cert": Value(str, choices=CERTS, help="CallManager, TVS, CAPF or ITLRecovery (required)"),
         "restart_tftp": Value(bool, None, help="restart TVS and then TFTP everywhere afterwards "
                                                "as the procedure does, rebuilding the ITL (T4, "
                                                "I8, P5b, TechNote 214231; default true, false "
                                                "for ITLRecovery: A8)")},
        _NODE_REF, resolve=_regen_cert, refused_at=_regen_needs_itl_recovery),
    "change_hostname": Action(
        "set network hostname: regenerates the node's certificates and ITL; ITLRecovery keeps "
        "its CN; later events still call the node by its scenario name", "A3, T6",
        {"node": _NODE, "new_name": Value(str, check=host_name, help="required")}, _NODE_REF),
    "change_ip": Action(
        "change a node's IP address: the node restarts; certificates are kept (unless "
        "[assumptions] ip_change_regenerates_certificates); phones reach it at the new address "
        "only after update_option150 or a new config", "A3a, P3c",
        {"node": _NODE, "new_ip": _NEW_IP}, _NODE_REF),
    "update_option150": Action(
        "DHCP option 150 updated to the TFTP nodes' current addresses (after change_ip)", "A3a",
        {"population": Value(str, ALL, help="population name or 'all' (default 'all')")},
        _POPULATION_REF),
    "change_domain": Action("change the cluster's domain: regenerates every certificate",
                            "A3, K11",
                            {"new_domain": Value(str, check=domain_name, help="required")}),
    "restart_service": Action(
        "restart a service on one node or on every node that runs it", "T4",
        {"node": Value(str, help="node name or 'all' (required)"), "service": _SERVICE},
        {"node": Ref("node", allow_all=True)}),
    "reset_phones": Action(
        "reset phones, optionally in batches (Cisco advises batches and watching registrations)",
        "A11",
        {"population": Value(str, ALL, help="population name or 'all' (default 'all')"),
         "batch_size": Value(int, 0, check=at_least(0),
                             help="phones per batch (default 0: all at once)"),
         "batch_pause": duration("0s", help="wait between batches (default 0s)")},
        _POPULATION_REF),
    "itl_reset": Action(
        "utils itl reset localkey|remotekey: re-sign the publisher's ITL with the reset key and "
        "restart TFTP; a subscriber refuses it", "A4, A5, A6",
        {"mode": Value(str, choices=("localkey", "remotekey"), help="localkey or remotekey "
                       "(required)"),
         "node": _PUBLISHER,
         "sftp_host": Value(str, None, help="an [[sftp]] host: required with remotekey, not "
                                            "used with localkey (default: none)"),
         **_OPTIONAL_SFTP},
        _SFTP_REFS, resolve=_itl_reset, refused_at=_needs_itl_recovery),
    "ctl_reset_localkey": Action(
        "utils ctl reset localkey: the CTL re-signed with the publisher's CallManager key "
        "(mixed mode; a subscriber refuses it)", "A12", {"node": _PUBLISHER}, _NODE_REF,
        refused_at=_needs_ctl_reset_localkey),
    "backup_itlrecovery": Action(
        "file get tftp ITLRecovery.p12: back the recovery key up to an SFTP server (a "
        "subscriber reports the file is not found)", "A7",
        {"node": _PUBLISHER, "sftp_host": _HOST, **_OPTIONAL_SFTP},
        _SFTP_REFS, resolve=_sftp_defaults, refused_at=_needs_itl_recovery),
    "change_security_password": Action(
        "change the cluster security password (protects ITLRecovery.p12; re-arms the backup "
        "alert)", "A7, A10", {"new_password": _TEXT}),
    "set_rollback": Action("set 'Prepare Cluster for Rollback to pre-8.0' (empty ITL)",
                           "A9, P6", {"enabled": _ENABLED}),
    "set_phone_interaction": Action(
        "set 'Phone Interaction on Certificate Update' (automatic phone resets)", "A1b, K8",
        {"enabled": _ENABLED}, refused_at=_needs_phone_interaction),
    "rebuild_publisher": Action("rebuild a lost publisher from a subscriber's database", "A10"),
    "upgrade": Action("upgrade the cluster to another CUCM version (a downgrade is refused)",
                      "section 2", {"version": _VERSION}),
    "set_mixed_mode": Action("enable or disable mixed mode (CTL)", "P3, T1",
                             {"enabled": _ENABLED}),
    "ctl_update": Action("utils ctl update CTLFile (mixed mode)", "P3"),
    "node_down": Action("fault: a node becomes unreachable", "P5", {"node": _NODE}, _NODE_REF),
    "node_up": Action("a node comes back", "P5", {"node": _NODE}, _NODE_REF),
    "stop_service": Action("stop a service on a node", "P5",
                           {"node": _NODE, "service": _SERVICE}, _NODE_REF),
    "start_service": Action("start a service on a node (starting TFTP rebuilds its ITL)", "T4",
                            {"node": _NODE, "service": _SERVICE}, _NODE_REF),
    "partition": Action("fault: a population loses the network path to the cluster", "",
                        {"population": _POPULATION}, _POPULATION_REF),
    "heal": Action("a partitioned population reaches the cluster again", "",
                   {"population": _POPULATION}, _POPULATION_REF),
    "sftp_down": Action("fault: an SFTP server becomes unreachable", "A5", {"host": _HOST},
                        {"host": Ref("sftp host")}),
    "sftp_up": Action("an SFTP server is reachable again", "A5", {"host": _HOST},
                      {"host": Ref("sftp host")}),
    "start_recovery": Action("start the manual recovery policy now instead of at "
                             "[recovery] start", "section 7"),
}

DISRUPTIVE_ACTIONS = frozenset({
    "regen_cert", "change_hostname", "change_ip", "change_domain", "itl_reset", "set_rollback",
    "rebuild_publisher", "upgrade", "set_mixed_mode", "ctl_update", "ctl_reset_localkey"})
"""Operations that change what phones are served: a certificate in or behind the ITL, CTL or
signed config (A1, A3, A8, A10, upgrade), the file's signer (A4, A5, A12) or its content (A9,
P3). The first one CUCM carries out starts "the change" the outcome metrics are measured from
(``sim.fleet.metrics``). Restarts, resets, faults, backups and parameters serve the same files
(T4: a restart rebuilds the ITL from unchanged certificates), so they are not on the list."""

# the keys every [[events]] entry has besides its action's arguments
EVENT_KEYS = {
    "at": duration(help="when, from the start, at most simulation.duration (required)"),
    "action": Value(str, choices=tuple(ACTIONS), help="one of ACTIONS (required)"),
    "note": Value(str, "", help="free text shown on the plot (default empty)"),
}
_ACTION_ONLY = Table({"action": EVENT_KEYS["action"]}, extra=Value(object))


def parse_event(source: TomlSource, data: Any, at: KeyPath) -> dict[str, Any]:
    """Validate one ``[[events]]`` entry's own keys and arguments (no cross-references yet)."""
    action = validate(source, _ACTION_ONLY, data, at)["action"]
    return validate(source, Table({**EVENT_KEYS, **ACTIONS[action].args}), data, at)


def build_events(source: TomlSource, parsed: list[dict[str, Any]], ctx: EventContext,
                 end: float, at: KeyPath = ("events",)) -> tuple[Event, ...]:
    """Check parsed events in time order against ``ctx``; return them sorted (stable)."""
    order = sorted(range(len(parsed)), key=lambda i: parsed[i]["at"])
    return tuple(_event(source, parsed[i], i, ctx, end, at + (i,)) for i in order)


def _event(source: TomlSource, data: dict[str, Any], index: int, ctx: EventContext,
           end: float, at: KeyPath) -> Event:
    name = data["action"]
    if data["at"] > end:
        raise source.error(at + ("at",), f"at {human_duration(data['at'])} is after the end of "
                                         f"the simulation (simulation.duration = "
                                         f"{human_duration(end)})")
    action = ACTIONS[name]
    args = {key: data[key] for key in action.args}
    try:
        for arg, ref in action.refs.items():
            args[arg] = _resolve_ref(ctx, arg, ref, args[arg])
        if action.resolve is not None:
            action.resolve(ctx, args)
    except ArgProblem as problem:
        raise source.error(at + (problem.arg,), str(problem)) from None
    refusal = action.refused_at(ctx.version, args) if action.refused_at else None
    if refusal:
        ctx.warnings.append(str(source.error(
            at + ("action",), f"CUCM {_version(ctx.version)} refuses {name} at "
                              f"{human_duration(data['at'])}: {refusal}; the run simulates the "
                              f"refusal (nothing changes)")))
    ctx.apply(name, args)
    return Event(at=data["at"], action=name, args=MappingProxyType(args), note=data["note"],
                 index=index)


def _resolve_ref(ctx: EventContext, arg: str, ref: Ref, value: str | None) -> str | None:
    """Check the reference in argument ``arg``; a missing node argument means the publisher."""
    if value is None:
        return ctx.publisher if ref.kind == "node" else None
    if ref.allow_all and value == ALL:
        return value
    names = {"node": list(ctx.nodes), "population": list(ctx.populations),
             "sftp host": list(ctx.sftp)}[ref.kind]
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


def _version(version: tuple[int, int]) -> str:
    return f"{version[0]}.{version[1]}"
