"""Scenario events: administrator operations (trust-model A1-A11) and faults, at given times.

``ACTIONS`` is the one table of event actions: each action's arguments (a schema with defaults and
help), which arguments name things declared elsewhere (nodes, populations, SFTP hosts), the rules it
models and its cross-argument checks. Validation and the docs read it, and the simulator dispatches
on the same names (``sim.fleet.timeline.HANDLERS``), so an action is declared in exactly one place.

Events are checked in time order (file order breaks ties) against an ``EventContext``
(``sim.scenario.actions``), which follows each cluster's version through ``upgrade`` events.
With several clusters (``[[clusters]]``) an event acts on the cluster of the node it names or
on the one its ``cluster`` key names; the actions between clusters (moving phones, device
records, certificates) are ``sim.scenario.migration``'s. Only what cannot be expressed is an
error here (unknown names, bad arguments); what CUCM itself refuses (``itl_reset`` on a
subscriber, A4) is simulated as a refusal. Refusals the version alone decides (``itl_reset`` on
9.x, ``set_phone_interaction`` before 14) are known before the run: they are warnings
(``EventContext.warnings``), decided by the engine's own version rules (``sim.cluster.versions``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from sim.cluster.versions import (
    Version,
    has_ctl_reset_localkey,
    has_itl_recovery,
    has_phone_interaction_parameter,
)
from sim.scenario.actions import (
    ALL,
    HOST,
    NODE,
    OPTIONAL_SFTP,
    PUBLISHER,
    SFTP_ARGS,
    SFTP_REFS,
    Action,
    ArgProblem,
    Event,
    EventContext,
    Ref,
    nonempty,
    resolve_ref,
    sftp_defaults,
)
from sim.scenario.clusterfile import CLUSTER_VERSION, NODE_IP, check_node_ip
from sim.scenario.durations import duration, human_duration
from sim.scenario.migration import MIGRATION_ACTIONS
from sim.scenario.names import domain_name, host_name
from sim.scenario.schema import REQUIRED, Table, Value, at_least, validate
from sim.scenario.tomlsource import KeyPath, TomlSource

CERTS = ("CallManager", "TVS", "CAPF", "ITLRecovery")
EVENT_SERVICES = ("CallManager", "TFTP", "TVS")


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
        sftp_defaults(ctx, args)
        return
    given = [arg for arg in SFTP_ARGS if args[arg] is not None]
    if given:
        raise ArgProblem(given[0], f"{given[0]} is only used with mode = 'remotekey' (A5)")


_SERVICE = Value(str, choices=EVENT_SERVICES, help="CallManager, TFTP or TVS (required)")
_POPULATION = Value(str, help="population name or 'all' (required)")
_ENABLED = Value(bool, help="true or false (required)")
_TEXT = Value(str, check=nonempty, help="required")
_NEW_IP = dataclasses.replace(NODE_IP, default=REQUIRED,
                              help="the node's new IPv4 address (required)",
                              check=lambda s: nonempty(s) or check_node_ip(s))
_VERSION = dataclasses.replace(CLUSTER_VERSION,
                               help="the version after the upgrade, e.g. '12.5(1)' (required)")
_NODE_REF = {"node": Ref("node")}
_POPULATION_REF = {"population": Ref("population", allow_all=True)}

ACTIONS: dict[str, Action] = {
    "regen_cert": Action(
        "set cert regen: regenerate a certificate on a node (5-minute hold timer per node; "
        "phones reset if the certificate is in the ITL; from 12.5 ITLRecovery on the publisher "
        "only)", "A1, A1b, A1c, A2, A8, T4, T8",
        {"node": NODE,
         "cert": Value(str, choices=CERTS, help="CallManager, TVS, CAPF or ITLRecovery (required)"),
         "restart_tftp": Value(bool, None, help="restart TVS and then TFTP everywhere afterwards "
                                                "as the procedure does, rebuilding the ITL (T4, "
                                                "I8, P5b, TechNote 214231; default true, false "
                                                "for ITLRecovery: A8)")},
        _NODE_REF, resolve=_regen_cert, refused_at=_regen_needs_itl_recovery),
    "change_hostname": Action(
        "set network hostname: regenerates the node's certificates and ITL; ITLRecovery keeps "
        "its CN; later events still call the node by its scenario name", "A3, T6",
        {"node": NODE, "new_name": Value(str, check=host_name, help="required")}, _NODE_REF),
    "change_ip": Action(
        "change a node's IP address: the node restarts; certificates are kept (unless "
        "[assumptions] ip_change_regenerates_certificates); phones reach it at the new address "
        "only after update_option150 or a new config", "A3a, P3c",
        {"node": NODE, "new_ip": _NEW_IP}, _NODE_REF),
    "update_option150": Action(
        "DHCP option 150 updated to the TFTP nodes' current addresses (after change_ip)", "A3a",
        {"population": Value(str, ALL, help="population name or 'all' (default 'all')")},
        _POPULATION_REF, on_cluster=False),
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
        _POPULATION_REF, on_cluster=False),
    "itl_reset": Action(
        "utils itl reset localkey|remotekey: re-sign the publisher's ITL with the reset key and "
        "restart TFTP; a subscriber refuses it", "A4, A5, A6",
        {"mode": Value(str, choices=("localkey", "remotekey"), help="localkey or remotekey "
                       "(required)"),
         "node": PUBLISHER,
         "sftp_host": Value(str, None, help="an [[sftp]] host: required with remotekey, not "
                                            "used with localkey (default: none)"),
         **OPTIONAL_SFTP},
        SFTP_REFS, resolve=_itl_reset, refused_at=_needs_itl_recovery),
    "ctl_reset_localkey": Action(
        "utils ctl reset localkey: the CTL re-signed with the publisher's CallManager key "
        "(mixed mode; a subscriber refuses it)", "A12", {"node": PUBLISHER}, _NODE_REF,
        refused_at=_needs_ctl_reset_localkey),
    "backup_itlrecovery": Action(
        "file get tftp ITLRecovery.p12: back the recovery key up to an SFTP server (a "
        "subscriber reports the file is not found)", "A7",
        {"node": PUBLISHER, "sftp_host": HOST, **OPTIONAL_SFTP},
        SFTP_REFS, resolve=sftp_defaults, refused_at=_needs_itl_recovery),
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
    "node_down": Action("fault: a node becomes unreachable", "P5", {"node": NODE}, _NODE_REF),
    "node_up": Action("a node comes back", "P5", {"node": NODE}, _NODE_REF),
    "stop_service": Action("stop a service on a node", "P5",
                           {"node": NODE, "service": _SERVICE}, _NODE_REF),
    "start_service": Action("start a service on a node (starting TFTP rebuilds its ITL)", "T4",
                            {"node": NODE, "service": _SERVICE}, _NODE_REF),
    "partition": Action("fault: a population loses the network path to the cluster", "",
                        {"population": _POPULATION}, _POPULATION_REF, on_cluster=False),
    "heal": Action("a partitioned population reaches the cluster again", "",
                   {"population": _POPULATION}, _POPULATION_REF, on_cluster=False),
    "sftp_down": Action("fault: an SFTP server becomes unreachable", "A5", {"host": HOST},
                        {"host": Ref("sftp host")}, on_cluster=False),
    "sftp_up": Action("an SFTP server is reachable again", "A5", {"host": HOST},
                      {"host": Ref("sftp host")}, on_cluster=False),
    "start_recovery": Action("start the manual recovery policy now instead of at "
                             "[recovery] start", "section 7", on_cluster=False),
    **MIGRATION_ACTIONS,
}

DISRUPTIVE_ACTIONS = frozenset({
    "regen_cert", "change_hostname", "change_ip", "change_domain", "itl_reset", "set_rollback",
    "rebuild_publisher", "upgrade", "set_mixed_mode", "ctl_update", "ctl_reset_localkey",
    "move_phones"})
"""Operations that change what phones are served: a certificate in or behind the ITL, CTL or
signed config (A1, A3, A8, A10, upgrade), the file's signer (A4, A5, A12), its content (A9,
P3) or the cluster serving them (a move, TN 215539). The first one CUCM carries out starts "the
change" the outcome metrics are measured from (``sim.fleet.metrics``). Restarts, resets,
faults, backups, parameters and certificate imports serve the same files (T4: a restart
rebuilds the ITL from unchanged certificates; imported certificates are not in the ITL), so
they are not on the list."""

# the keys every [[events]] entry has besides its action's arguments
EVENT_KEYS = {
    "at": duration(help="when, from the start, at most simulation.duration (required)"),
    "action": Value(str, choices=tuple(ACTIONS), help="one of ACTIONS (required)"),
    "note": Value(str, "", help="free text shown on the plot (default empty)"),
    "skip": Value(bool, False, help="true: the event is left out of the run, as if it were not "
                  "in the file (a sweep or --set switches steps off) (default false)"),
    "cluster": Value(str, None, help=(
        "the [[clusters]] name of the cluster the action runs on (default: the cluster of the "
        "node it names, else the only cluster; required for an action on a cluster when there "
        "are several)")),
}
_ACTION_ONLY = Table({"action": EVENT_KEYS["action"]}, extra=Value(object))


def parse_event(source: TomlSource, data: Any, at: KeyPath) -> dict[str, Any]:
    """Validate one ``[[events]]`` entry's own keys and arguments (no cross-references yet)."""
    action = validate(source, _ACTION_ONLY, data, at)["action"]
    return validate(source, Table({**EVENT_KEYS, **ACTIONS[action].args}), data, at)


def build_events(source: TomlSource, parsed: list[dict[str, Any]], ctx: EventContext,
                 end: float, at: KeyPath = ("events",)) -> tuple[Event, ...]:
    """Check parsed events in time order against ``ctx``; return them sorted (stable). Events
    with ``skip = true`` are left out before any check against other sections."""
    order = sorted((i for i in range(len(parsed)) if not parsed[i]["skip"]),
                   key=lambda i: parsed[i]["at"])
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
        ctx.cluster = _event_cluster(ctx, name, data["cluster"], args)
        for arg, ref in action.refs.items():
            args[arg] = resolve_ref(ctx, arg, ref, args[arg])
        ctx.at, ctx.refused = data["at"], None
        if action.resolve is not None:
            action.resolve(ctx, args)
    except ArgProblem as problem:
        raise source.error(at + (problem.arg,), str(problem)) from None
    refusal = action.refused_at(ctx.version, args) if action.refused_at else ctx.refused
    if refusal:
        of = f" (cluster {ctx.cluster!r})" if ctx.clusters.several else ""
        ctx.warnings.append(str(source.error(
            at + ("action",), f"CUCM {_version(ctx.version)}{of} refuses {name} at "
                              f"{human_duration(data['at'])}: {refusal}; the run simulates the "
                              f"refusal (nothing changes)")))
    ctx.apply(name, args)
    return Event(at=data["at"], action=name, args=MappingProxyType(args), note=data["note"],
                 index=index, cluster=ctx.cluster if action.on_cluster else "")


def _event_cluster(ctx: EventContext, name: str, given: str | None, args: dict[str, Any]
                   ) -> str:
    """The cluster an event acts on: the one its node belongs to, the one it names, or the
    only one; an action on a cluster must say which when there are several (I49)."""
    action, clusters = ACTIONS[name], ctx.clusters
    if given is not None and not action.on_cluster:
        raise ArgProblem("cluster", f"{name} acts on phones or the network, not on one cluster: "
                                    f"leave 'cluster' out")
    if given is not None and (problem := clusters.unknown(given)):
        raise ArgProblem("cluster", problem)
    for arg, ref in action.refs.items():
        owner = clusters.of_node(args[arg]) if ref.kind == "node" else None
        if owner is not None and given is not None and owner.name != given:
            raise ArgProblem(arg, f"node {args[arg]!r} is a node of cluster {owner.name!r}, not "
                                  f"of {given!r}, the cluster this event names")
        if owner is not None:
            return owner.name
    if given is not None:
        return given
    if clusters.several and action.on_cluster:
        raise ArgProblem("cluster", f"{name} acts on one cluster and this scenario has several: "
                                    f"set cluster = one of {', '.join(clusters.names)}")
    return clusters.first.name


def _version(version: tuple[int, int]) -> str:
    return f"{version[0]}.{version[1]}"
