"""The scenario's timeline: administrator operations and faults applied at their times.

Each ``[[events]]`` entry is dispatched by its ``action`` to the engine (``sim.cluster.operations``,
``sim.cluster.itlrecovery``) or to the fleet (resets, partitions). What the cluster then does on its
own (``Outcome.effects``) plays out in simulated time: a TFTP restart takes the ``restart``
duration during which the node serves nothing (T4), then CUCM resets the phones (A1b).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

import simpy

from sim.cluster import itlrecovery, operations
from sim.cluster.cluster import Cluster, SftpLogin
from sim.cluster.outcome import Effect, Outcome
from sim.cluster.tftp import start_tftp, stop_tftp
from sim.cluster.versions import parse_version
from sim.fleet.agent import Process
from sim.fleet.model import FleetModel
from sim.fleet.moves import MIGRATION_HANDLERS, Moves
from sim.fleet.phones import Phone
from sim.scenario.durations import DAY
from sim.trust.certificates import Role

Handler = Callable[["Timeline", dict[str, Any], float], Outcome | None]


class Marker(NamedTuple):
    """A scenario event as plots mark it: when, its label (the note, else CUCM's command, else
    the action), whether CUCM carried it out (``done``) or refused it (``refused``: nothing
    changed), and CUCM's message for a refusal. A tuple, so it is stored as a JSON list."""

    at: float
    label: str
    status: str = "done"
    message: str = ""


class Timeline:
    """Plays the scenario's events on a ``FleetModel``."""

    def __init__(self, model: FleetModel, events: Iterable[Any], *,
                 start_recovery: Callable[[], None] = lambda: None):
        self.model = model
        self.env: simpy.Environment = model.env
        self.events = tuple(events)  # the scenario keeps them sorted (time, then file order)
        self.start_recovery = start_recovery
        self._restarts: dict[str, simpy.Process] = {}  # TFTP restart in progress, per node
        self._auto_reset_at: dict[str, float] = {}  # per cluster
        self._applied: list[Marker] = []
        self.cluster: Cluster = model.cluster  # the cluster of the event being applied
        self.moves = Moves(model, self.reset)

    def run(self) -> Process:
        for event in self.events:
            if event.at > self.env.now:
                yield self.env.timeout(event.at - self.env.now)
            self.apply(event)

    def apply(self, event: Any) -> None:
        """Dispatch one event, log its outcome, then let its effects play out."""
        now = self.env.now
        estate = self.model.estate
        self.cluster = estate.clusters.get(event.cluster, estate.first)
        outcome = HANDLERS[event.action](self, dict(event.args), now)
        entry = {"action": event.action, "args": _plain(event.args)}
        if event.note:
            entry["note"] = event.note
        if estate.several and event.cluster:
            entry["cluster"] = event.cluster
        if outcome is not None:
            entry.update(command=outcome.action, status=outcome.status, message=outcome.message,
                         node=outcome.node)
            if outcome.effects:
                self.env.process(self.effects(outcome.effects, self.cluster))
        else:
            entry["status"] = "done"
        self.model.collector.operation(now, entry)
        label = event.note or entry.get("command") or event.action.replace("_", " ")
        self._applied.append(Marker(now, label, entry["status"],
                                    entry["message"] if entry["status"] == "refused" else ""))

    def markers(self) -> list[Marker]:
        """Every event applied so far, in time order, with its status."""
        return list(self._applied)

    # -- effects -----------------------------------------------------------------------------

    def effects(self, effects: tuple[Effect, ...], cluster: Cluster) -> Process:
        """TFTP restarts first (in parallel on every named node), then phone resets (A1b).

        Operations in quick succession (e.g. CallManager regenerated on three nodes at 20:00)
        share a TFTP restart that is still in progress - it builds the files from the
        certificates current when it completes (T4) - so each operation's phone reset comes
        after the files are served again, and the phones are reset once per instant. The
        effects are ``cluster``'s: its resets reach the phones registered to it (P9a, I54).
        """
        for effect in effects:
            if effect.kind == "restart_tvs":
                operations.restart_tvs(cluster, effect.nodes)
            elif effect.kind == "restart_tftp":
                restarts = [self._restart(name) for name in effect.nodes]
                yield simpy.AllOf(self.env, restarts)
            elif effect.kind == "bounce_tftp":
                bounces = [self.env.process(self.bounce_tftp(name)) for name in effect.nodes]
                yield simpy.AllOf(self.env, bounces)
            elif effect.kind == "reset_phones" and \
                    self._auto_reset_at.get(cluster.name) != self.env.now:
                self._auto_reset_at[cluster.name] = self.env.now
                self.reset(self.model.registered_to(cluster), "auto-reset")

    def _restart(self, name: str) -> simpy.Process:
        """The TFTP restart of ``name`` in progress, or a new one."""
        running = self._restarts.get(name)
        if running is None or not running.is_alive:
            running = self._restarts[name] = self.env.process(self.restart_tftp(name))
        return running

    def restart_tftp(self, name: str) -> Process:
        """Stop TFTP on ``name``, wait the restart duration, start it: files rebuilt (T4)."""
        cluster = self.model.estate.cluster_of(name)
        node = cluster.node(name)
        if not node.up or "TFTP" not in node.running:
            return
        stop_tftp(cluster, node)
        yield self.env.timeout(self.model.sample["tftp_restart"]())
        if node.up:
            start_tftp(cluster, node, self.env.now)

    def bounce_tftp(self, name: str) -> Process:
        """`utils itl reset` restarts TFTP on each node (A4, seed): the node serves nothing for
        the restart duration, then the same (reset) files again, unless something else started
        TFTP there in the meantime."""
        cluster = self.model.estate.cluster_of(name)
        served = cluster.served.pop(name, None)
        if served is None:
            return
        cluster.touch()
        yield self.env.timeout(self.model.sample["tftp_restart"]())
        if cluster.node(name).up and name not in cluster.served:
            cluster.served[name] = served
            cluster.touch()

    def reset(self, phones: Iterable[Phone], reason: str) -> int:
        """CUCM resets the registered ones among ``phones``: a reset travels over the phone's
        registration, so an unregistered phone does not get it (P9a)."""
        return self.model.reboot_all([phone for phone in phones if phone.registered], reason)

    def reset_in_batches(self, phones: list[Phone], size: int, pause: float) -> Process:
        """Reset ``phones`` ``size`` at a time with ``pause`` between batches (A11)."""
        size = size or len(phones)
        for start in range(0, len(phones), size):
            if start:
                yield self.env.timeout(pause)
            self.reset(phones[start:start + size], "admin-reset")

    def population(self, name: str) -> list[Phone]:
        if name == "all":
            return list(self.model.phones)
        return [p for p in self.model.phones if p.group.name == name]


def _plain(args: Any) -> dict[str, Any]:
    return {k: v for k, v in dict(args).items() if v is not None and "password" not in k}


def _login(args: dict[str, Any]) -> SftpLogin:
    return SftpLogin(args["sftp_host"], args["sftp_user"], args["sftp_path"],
                     args["sftp_password"])


def _publisher(t: Timeline, args: dict[str, Any]) -> str:
    return args.get("node") or t.cluster.publisher.name


def _reset_phones(t: Timeline, args: dict[str, Any], now: float) -> None:
    phones = t.population(args.get("population", "all"))
    t.env.process(t.reset_in_batches(phones, args.get("batch_size", 0),
                                     args.get("batch_pause", 0.0)))


def _itl_reset(t: Timeline, args: dict[str, Any], now: float) -> Outcome:
    login = _login(args) if args["mode"] == "remotekey" else None
    return itlrecovery.itl_reset(t.cluster, _publisher(t, args), now, login=login)


def _restart_service(t: Timeline, args: dict[str, Any], now: float) -> Outcome | None:
    cluster = t.cluster
    names = [n.name for n in cluster.nodes.values()] if args["node"] == "all" else [args["node"]]
    if args["service"] == "TFTP":
        effect = Effect("restart_tftp", tuple(n for n in names
                                              if "TFTP" in cluster.node(n).services))
        return operations.record(cluster, Outcome(now, "utils service restart Cisco Tftp",
                                                  args["node"], True, "Restarting Cisco Tftp",
                                                  (effect,)))
    outcome = None
    for name in names:
        operations.stop_service(cluster, name, args["service"], now)
        outcome = operations.start_service(cluster, name, args["service"], now)
    return outcome


def _partition(enabled: bool) -> Handler:
    def handler(t: Timeline, args: dict[str, Any], now: float) -> None:
        for group in t.model.groups:
            if args["population"] in ("all", group.name):
                group.partitioned = enabled
        t.model.registration.changed()
    return handler


def _update_option150(t: Timeline, args: dict[str, Any], now: float) -> None:
    """DHCP option 150 now gives the TFTP nodes' current addresses (A3a)."""
    for group in t.model.groups:
        if args["population"] in ("all", group.name):
            group.option150 = {name: t.model.estate.nodes[name].ip for name in group.tftp}
    t.model.registration.changed()


def _sftp(reachable: bool) -> Handler:
    def handler(t: Timeline, args: dict[str, Any], now: float) -> None:
        t.model.cluster.sftp[args["host"]].reachable = reachable  # every cluster's server
    return handler


def _start_recovery(t: Timeline, args: dict[str, Any], now: float) -> None:
    t.start_recovery()


HANDLERS: dict[str, Handler] = {
    "regen_cert": lambda t, a, now: operations.regen_cert(
        t.cluster, a["node"], Role(a["cert"]), now, restart_tftp=a.get("restart_tftp")),
    "change_hostname": lambda t, a, now: operations.change_hostname(
        t.cluster, a["node"], a["new_name"], now),
    "change_ip": lambda t, a, now: operations.change_ip(t.cluster, a["node"], a["new_ip"],
                                                         now),
    "change_domain": lambda t, a, now: operations.change_domain(t.cluster,
                                                                a["new_domain"], now),
    "restart_service": _restart_service,
    "reset_phones": _reset_phones,
    "itl_reset": _itl_reset,
    "ctl_reset_localkey": lambda t, a, now: itlrecovery.ctl_reset_localkey(
        t.cluster, _publisher(t, a), now),
    "update_option150": _update_option150,
    "backup_itlrecovery": lambda t, a, now: itlrecovery.backup_itlrecovery(
        t.cluster, _publisher(t, a), _login(a), now),
    "change_security_password": lambda t, a, now: itlrecovery.change_security_password(
        t.cluster, a["new_password"], now),
    "set_rollback": lambda t, a, now: operations.set_rollback(t.cluster, a["enabled"], now),
    "set_phone_interaction": lambda t, a, now: operations.set_phone_interaction(
        t.cluster, a["enabled"], now),
    "rebuild_publisher": lambda t, a, now: itlrecovery.rebuild_publisher(t.cluster, now),
    "upgrade": lambda t, a, now: operations.upgrade(t.cluster, parse_version(a["version"]),
                                                    now),
    "set_mixed_mode": lambda t, a, now: operations.set_mixed_mode(t.cluster, a["enabled"],
                                                                  now),
    "ctl_update": lambda t, a, now: operations.ctl_update(t.cluster, now),
    "node_down": lambda t, a, now: operations.set_node_power(t.cluster, a["node"], False,
                                                             now),
    "node_up": lambda t, a, now: operations.set_node_power(t.cluster, a["node"], True, now),
    "stop_service": lambda t, a, now: operations.stop_service(t.cluster, a["node"],
                                                              a["service"], now),
    "start_service": lambda t, a, now: operations.start_service(t.cluster, a["node"],
                                                                a["service"], now),
    "partition": _partition(True),
    "heal": _partition(False),
    "sftp_down": _sftp(False),
    "sftp_up": _sftp(True),
    "start_recovery": _start_recovery,
    **MIGRATION_HANDLERS,
}


def rtmt_alerts(model: FleetModel, until: float) -> Process:
    """The daily RTMT alert of each cluster while its ITLRecovery.p12 has not been backed up
    (A7)."""
    while model.env.now + DAY <= until:
        yield model.env.timeout(DAY)
        for cluster in model.estate.clusters.values():
            alert = itlrecovery.rtmt_alert(cluster)
            if alert:
                where = {"cluster": cluster.name} if model.estate.several else {}
                model.collector.operation(model.env.now, {"action": "rtmt_alert",
                                                          "status": "raised", "message": alert,
                                                          **where})
