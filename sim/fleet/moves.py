"""Phones moving between clusters, and the operations between clusters, in simulated time.

``move_phones`` (TN 213407 "Migrate Phones Between Secure Clusters", TN 215539 "Manage Bulk
Certificates between CUCM Clusters for Phone Migration"): DHCP option 150 of the moved phones
now gives the destination's TFTP servers, then they are reset, batch by batch. A moved phone
joins a group of its population that points at the destination (its TFTP list, option 150
and the CM group of its device records there, I53). Nothing else about it changes: it keeps
its installed ITL and CTL and its last accepted config, so until it accepts a config from the
destination it asks the TVS of the source's CM group (P5c) and registers there if it
registers at all (P9). CUCM's reset reaches registered phones only (P9a): a phone that is
booting or waiting to register picks the new option 150 up at its next pass through TFTP
(I33), a phone that is switched off when it comes back.

The handlers of the other actions between clusters (device records, certificate uploads, Bulk
Certificate Management) call the engine (``sim.cluster.bulkcerts``) on the event's cluster.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import simpy

from sim.cluster import bulkcerts
from sim.cluster.cluster import Cluster, SftpLogin
from sim.cluster.operations import record
from sim.cluster.outcome import Outcome
from sim.cluster.served import ConfigProfile
from sim.fleet.agent import Process
from sim.fleet.model import FleetModel
from sim.fleet.phones import Group, Phone
from sim.trust.certificates import Role


class Stage(Protocol):
    """What a handler needs of the timeline playing the events."""

    model: FleetModel
    env: simpy.Environment
    cluster: Cluster
    moves: Moves


class Moves:
    """Moves phones between clusters; one destination group per population and destination."""

    def __init__(self, model: FleetModel, reset: Callable[[list[Phone], str], int]):
        self.model = model
        self.reset = reset
        self._groups: dict[tuple[str, tuple[str, ...], tuple[str, ...]], Group] = {}

    def destination(self, group: Group, tftp: tuple[str, ...], cm_group: tuple[str, ...]
                    ) -> Group:
        """The group of ``group``'s population whose option 150 gives ``tftp`` and whose
        device records name ``cm_group`` (made once, then shared)."""
        key = (group.name, tftp, cm_group)
        found = self._groups.get(key)
        if found is None:
            estate = self.model.estate
            profile = ConfigProfile(cm_group, group.profile.settings_access,
                                    group.profile.web_access)
            found = self._groups[key] = Group(
                len(self.model.groups), group.name, tftp, cm_group, profile, group.itl_support,
                group.reports_devicetlinfo, {name: estate.nodes[name].ip for name in tftp},
                group.partitioned, estate.index_of(tftp[0]))
            self.model.groups.append(found)
        return found

    def chosen(self, population: str, to: int, share: float | None, count: int | None
               ) -> list[Phone]:
        """The phones a move takes: ``count``, or ``share`` of the population (rounded), the
        first ones in index order whose option 150 does not yet point at cluster ``to``."""
        members = [p for p in self.model.phones if p.group.name == population]
        wanted = count if count is not None else round((share or 1.0) * len(members))
        return [p for p in members if p.group.cluster != to][:wanted]

    def move(self, args: dict[str, Any]) -> Process:
        """``move_phones``: batch by batch, option 150 changes and the batch is reset (P9a);
        phones waiting to register retry at once (I33)."""
        estate = self.model.estate
        tftp, cm_group = tuple(args["tftp"]), tuple(args["cm_group"])
        phones = self.chosen(args["population"], estate.index_of(tftp[0]), args.get("share"),
                             args.get("count"))
        size = args.get("batch_size") or len(phones) or 1
        for start in range(0, len(phones), size):
            if start:
                yield self.model.env.timeout(args.get("batch_pause", 0.0))
            batch = phones[start:start + size]
            now = self.model.env.now
            for phone in batch:
                group = self.destination(phone.group, tftp, cm_group)
                self.model.collector.moved(now, phone.group.cluster, group.cluster)
                phone.group = group
            self.reset(batch, "moved")
            self.model.registration.changed()


Handler = Callable[[Stage, dict[str, Any], float], Outcome | None]


def _move_phones(t: Stage, args: dict[str, Any], now: float) -> None:
    t.env.process(t.moves.move(args))


def _device_records(t: Stage, args: dict[str, Any], now: float) -> Outcome:
    """The records exist on ``t.cluster`` from now on (checked before the run, I53): the
    cluster's audit log keeps the insert."""
    phones = sum(1 for p in t.model.phones if args["population"] in ("all", p.group.name))
    return record(t.cluster, Outcome(
        now, "Bulk Administration > Phones > Insert Phones", None, True,
        f"{bulkcerts.ITLSIM}{phones} device records of {args['population']} inserted; their "
        f"device pool's CM group: {', '.join(args['cm_group'])}"))


def _upload(t: Stage, args: dict[str, Any], now: float) -> Outcome:
    clusters = t.model.estate.clusters
    stores = tuple(args["stores"]) if args.get("stores") else None
    return bulkcerts.upload_certificates(clusters[args["from"]], clusters[args["to"]],
                                         tuple(Role(c) for c in args["certificates"]), now,
                                         stores=stores)


def _export(t: Stage, args: dict[str, Any], now: float) -> Outcome:
    login = SftpLogin(args["sftp_host"], args["sftp_user"], args["sftp_directory"],
                      args["sftp_password"])
    return bulkcerts.bulk_export(t.cluster, args["node"], login, now,
                                 certificate_type=args["certificate_type"])


MIGRATION_HANDLERS: dict[str, Handler] = {
    "add_device_records": _device_records,
    "move_phones": _move_phones,
    "import_certificates": _upload,
    "bulk_cert_export": _export,
    "bulk_cert_consolidate": lambda t, a, now: bulkcerts.bulk_consolidate(t.cluster, a["node"],
                                                                           now),
    "bulk_cert_import": lambda t, a, now: bulkcerts.bulk_import(t.cluster, a["node"], now),
}
