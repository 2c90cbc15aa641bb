"""Event actions between clusters: device records, moving phones, certificates (K19, K20).

Moving phones to another cluster takes, in TN 213407 "Migrate Phones Between Secure Clusters"
and TN 215539 "Manage Bulk Certificates between CUCM Clusters for Phone Migration":

- device records for the phones on the destination (the phones "to be migrated" must exist
  there; a Bulk Administration insert): ``add_device_records``, with the destination CM group
  their device pool gives them;
- the destination's certificates in the source cluster's trust stores, so the source TVS
  vouches for the destination's signers: ``import_certificates`` (uploaded by hand, TN 213407
  method 2) or Bulk Certificate Management, ``bulk_cert_export`` on both publishers,
  ``bulk_cert_consolidate`` on one, ``bulk_cert_import`` on both (TN 215539; TN 213407 method 1);
- DHCP option 150 pointing at the destination's TFTP servers and a reset: ``move_phones``.

A move before the destination has device records for the population is an error of the file,
explained by ``itlsim validate`` (I53); what CUCM refuses at run time (a consolidation before two
clusters exported, an import before the consolidation) is a warning before the run, as for the
other actions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sim.cluster.bulkcerts import CERTIFICATE_TYPES, IMPORTABLE
from sim.cluster.cluster import TRUST_STORES
from sim.cluster.versions import has_itl_recovery
from sim.scenario.actions import (
    HOST,
    PUBLISHER,
    SFTP_REFS,
    Action,
    ArgProblem,
    EventContext,
    Ref,
    sftp_defaults,
)
from sim.scenario.clusters import node_problem
from sim.scenario.durations import duration, human_duration
from sim.scenario.schema import Value, at_least, suggest


def _share(x: float) -> str | None:
    return None if 0 < x <= 1 else f"a share is more than 0 and at most 1, got {x:g}"


def _subset(options: tuple[str, ...]) -> Any:
    def check(items: list) -> str | None:
        bad = [item for item in items if item not in options]
        if bad or not items or len(set(items)) != len(items):
            hint = suggest(str(bad[0]), list(options)) if bad else ""
            return (f"expected a non-empty list without repeats of {', '.join(options)}; got "
                    f"{items!r}{hint}")
        return None
    return check


def _cluster(ctx: EventContext, arg: str, name: str) -> str:
    if problem := ctx.clusters.unknown(name):
        raise ArgProblem(arg, problem)
    return name


def _nodes(ctx: EventContext, arg: str, cluster: str, names: list[str] | None, service: str
           ) -> list[str]:
    """``names`` checked as nodes of ``cluster`` running ``service`` (default: all of them)."""
    if names is None:
        return [n.name for n in ctx.clusters.get(cluster).nodes if service in n.services]
    for name in names:
        if problem := node_problem(ctx.clusters, cluster, name, service):
            raise ArgProblem(arg, problem)
    if len(set(names)) != len(names):
        raise ArgProblem(arg, f"a node appears twice in {names!r}")
    return list(names)


def _populations(ctx: EventContext, name: str) -> list[str]:
    return list(ctx.populations) if name == "all" else [name]


def _device_records(ctx: EventContext, args: dict[str, Any]) -> None:
    """The destination CM group of the records (their device pool's); the population may move
    to ``ctx.cluster`` from now on."""
    args["cm_group"] = _nodes(ctx, "cm_group", ctx.cluster, args["cm_group"], "CallManager")
    for population in _populations(ctx, args["population"]):
        ctx.records[(population, ctx.cluster)] = tuple(args["cm_group"])


def _move(ctx: EventContext, args: dict[str, Any]) -> None:
    """A move needs device records on the destination (I53); it takes the records' CM group."""
    population, to = args["population"], _cluster(ctx, "to", args["to"])
    args["tftp"] = _nodes(ctx, "tftp", to, args["tftp"], "TFTP")
    if args["share"] is not None and args["count"] is not None:
        raise ArgProblem("count", "give share or count, not both")
    size = ctx.populations[population].count
    if (args["count"] or 0) > size:
        raise ArgProblem("count", f"count {args['count']} is more than the {size} phones of "
                                  f"population {population!r}")
    records = ctx.records.get((population, to))
    if records is None:
        raise ArgProblem("to", (
            f"move_phones at {human_duration(ctx.at)} moves population {population!r} to "
            f"cluster {to!r}, which has no device records for it yet: an add_device_records "
            f"event for {population!r} with cluster = {to!r} must come at or before the move "
            f"(the phones need device records on the destination, TN 215539)"))
    args["cm_group"] = _nodes(ctx, "cm_group", to, args["cm_group"] or list(records),
                              "CallManager")


def _import(ctx: EventContext, args: dict[str, Any]) -> None:
    """Certificates of ``from`` uploaded to ``to`` (TN 213407 method 2); CUCM has no
    ITLRecovery certificate to download before 10.0 (a warning: the run refuses it)."""
    source, target = _cluster(ctx, "from", args["from"]), _cluster(ctx, "to", args["to"])
    if source == target:
        raise ArgProblem("to", f"from and to are the same cluster {source!r}")
    ctx.cluster = target
    if "ITLRecovery" in args["certificates"] and not has_itl_recovery(ctx.versions[source]):
        ctx.refused = (f"cluster {source!r} has no ITLRecovery certificate before CUCM 10.0(1) "
                       f"(section 2)")


def _export(ctx: EventContext, args: dict[str, Any]) -> None:
    """The export saves the cluster's SFTP settings and leaves its PKCS12 files there."""
    sftp_defaults(ctx, args)
    where = (args["sftp_host"], args["sftp_directory"])
    ctx.exports.setdefault(where, set()).add(ctx.cluster)
    ctx.bulk_sftp[ctx.cluster] = where


def _bulk_settings(ctx: EventContext) -> tuple[str, str] | None:
    where = ctx.bulk_sftp.get(ctx.cluster)
    if where is None:
        ctx.refused = "Bulk Certificate Management has no SFTP server on this cluster before " \
                      "its first export (TN 215539)"
    return where


def _consolidate(ctx: EventContext, args: dict[str, Any]) -> None:
    """Offered only if two or more clusters exported to the directory (Feature Configuration
    Guide, "Consolidate the Certificates")."""
    where = _bulk_settings(ctx)
    if where is None:
        return
    exported = sorted(ctx.exports.get(where, ()))
    if len(exported) < 2:
        ctx.refused = (f"Consolidate needs certificates exported by two or more clusters to "
                       f"{where[0]}:{where[1]}; exported by then: {', '.join(exported)}")
        return
    ctx.consolidated.add(where)


def _bulk_import(ctx: EventContext, args: dict[str, Any]) -> None:
    where = _bulk_settings(ctx)
    if where is not None and where not in ctx.consolidated:
        ctx.refused = (f"no consolidated certificates at {where[0]}:{where[1]} by then: "
                       f"consolidate on one publisher first (TN 215539)")


def _list(default: list[str] | None, help: str, options: tuple[str, ...]) -> Value:
    return Value(list, default, check=_subset(options), help=help)


_NODES_HELP = "node names of the destination, in order"
MIGRATION_ACTIONS: Mapping[str, Action] = {
    "add_device_records": Action(
        "device records for a population on this cluster (a Bulk Administration insert), with "
        "the CM group of their device pool: the population may then move here", "A15, I53",
        {"population": Value(str, help="population name or 'all' (required)"),
         "cm_group": Value(list, None, help=f"their CM group, {_NODES_HELP} (default: every "
                                            "CallManager node of the cluster)")},
        {"population": Ref("population", allow_all=True)}, resolve=_device_records),
    "move_phones": Action(
        "point phones at another cluster: DHCP option 150 gives the destination's TFTP "
        "servers, then the phones are reset, in batches (TN 213407, TN 215539); they keep asking "
        "the TVS of the config they accepted last until they accept the destination's",
        "P5c, P3a, P3d, P9a, A15, I53",
        {"population": Value(str, help="population name (required)"),
         "to": Value(str, help="the destination cluster, a [[clusters]] name (required)"),
         "tftp": Value(list, None, help=f"the TFTP servers option 150 gives, {_NODES_HELP} "
                                        "(default: every TFTP node of the destination)"),
         "cm_group": Value(list, None, help=f"their CM group there, {_NODES_HELP} (default: "
                                            "the CM group of their device records there)"),
         "share": Value(float, None, check=_share, help="share of the population's phones to "
                        "move, the first ones not moved yet (default: all of them)"),
         "count": Value(int, None, check=at_least(1), help="how many phones to move instead of "
                        "a share (default: none)"),
         "batch_size": Value(int, 0, check=at_least(0), help="phones moved and reset per batch "
                             "(default 0: all at once)"),
         "batch_pause": duration("0s", help="wait between batches (default 0s)")},
        {"population": Ref("population")}, resolve=_move, on_cluster=False),
    "import_certificates": Action(
        "upload one cluster's certificates into another's trust stores by hand (TVS vouches "
        "for them after its next restart, P5b)", "A14, P5b, I50",
        {"from": Value(str, help="the cluster whose certificates are uploaded (required)"),
         "to": Value(str, help="the cluster they are uploaded to (required)"),
         "certificates": _list(["CallManager", "ITLRecovery"], "CallManager (of every TFTP "
                               "node), ITLRecovery, CAPF (default [\"CallManager\", "
                               "\"ITLRecovery\"], TN 213407)", IMPORTABLE),
         "stores": _list(None, "CallManager-trust, Phone-SAST-trust (default: as Bulk "
                         "Certificate Import puts each certificate, TN 215539)", TRUST_STORES)},
        resolve=_import, on_cluster=False),
    "bulk_cert_export": Action(
        "Bulk Certificate Management on a publisher: save the SFTP details and export the "
        "cluster's certificates, one PKCS12 file per node", "A13, I52",
        {"node": PUBLISHER, "sftp_host": HOST,
         "sftp_user": Value(str, None, help="default: the [[sftp]] entry's user"),
         "sftp_password": Value(str, None, help="default: the [[sftp]] entry's password"),
         "sftp_directory": Value(str, "/", help="the directory every cluster exports to "
                                 "(default '/')"),
         "certificate_type": Value(str, CERTIFICATE_TYPES[0], choices=CERTIFICATE_TYPES,
                                   help="All or TFTP (CallManager only, I52) (default All)")},
        SFTP_REFS, resolve=_export),
    "bulk_cert_consolidate": Action(
        "Bulk Certificate Consolidate on one publisher: one file from every cluster's export "
        "(needs two or more exports)", "A13", {"node": PUBLISHER},
        {"node": Ref("node")}, resolve=_consolidate),
    "bulk_cert_import": Action(
        "Bulk Certificate Import on a publisher: the other clusters' certificates into "
        "Phone-SAST-trust and CallManager-trust; TVS restarts (I51) and the phones restart",
        "A13, I51", {"node": PUBLISHER}, {"node": Ref("node")}, resolve=_bulk_import),
}
