"""An imported fleet: the inventory's phones grouped into populations, with their ITL at t = 0.

Phones that behave alike form one population (the fleet model keeps one ``Group`` per
population and memoises decisions per group): same device pool (its TFTP servers and CM group),
device type, ITL support (P8), DeviceTLInfo class of the firmware (O2a), ITL at t = 0 and the
node it came from. The device type is in the key too, so the report's work list by site and
model reads straight off the populations. Devices that are not phones or Jabber
(``DeviceClass.OTHER``: CTI ports, ATA ports, third-party devices, I41) are left out and
counted.

The ITL a phone holds at t = 0 comes from the ITL status file (O2): the SHA-1 it reported is
compared with the SHA-1 of each TFTP node's real ITL (``ImportedCluster.itl_sha1``); the
simulated cluster re-signs its ITLs (``sim.trust.realcerts``), so the comparison can only
happen here, and the simulation works with the state it gives (I46):

- the hash of a node's ITL: ``current``, from that node (``initial_itl_from`` when it is not
  the phone's first TFTP server);
- "Not Installed": ``none``; no ITL support: ``none`` (P8);
- a hash no imported ITL has, or "MisMatch" without a hash: ``--unknown-itl`` (default
  ``pre10``: an ITL without ITLRecovery, what a phone that has not taken an ITL since 9.x holds
  and what DeviceTLInfo checks are for);
- no report, "Unknown", or no ITL imported to compare with: ``current``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sim.cluster.observe import MATCH, MISMATCH, NOT_INSTALLED
from sim.errors import ArtefactError
from sim.importer.clusterspec import ImportedCluster
from sim.importer.devicepools import DevicePool, DevicePoolMap
from sim.importer.devices import DeviceClass
from sim.importer.inventory import InventoryPhone
from sim.importer.itlstatus import ItlStatus

UNKNOWN_ITL = ("pre10", "current", "none")
STATE_ORDER = ("current", "pre10", "none", "empty")
DEFAULT_FIRMWARE = "12.8(1)"  # the scenario's default; said in the comment where it is used
NAME_LIMIT = 50  # CUCM's device pool names, and itlsim's population names


@dataclass(frozen=True)
class Device:
    """One simulated device: the inventory record, its population and why its ITL is what
    it is at t = 0."""

    phone: InventoryPhone
    population: str
    initial_itl: str
    itl_from: str
    status: ItlStatus | None
    why: str


@dataclass(frozen=True)
class ImportedPopulation:
    name: str
    pool: DevicePool
    model: str
    itl_support: bool
    reports: bool | None
    initial_itl: str
    itl_from: str
    tftp: tuple[str, ...]
    cm_group: tuple[str, ...]
    devices: tuple[Device, ...]

    @property
    def firmware(self) -> tuple[str, Counter[str]]:
        """The most common known firmware (``DEFAULT_FIRMWARE`` when none is known) and the
        count of every firmware of the population."""
        found = Counter(d.phone.firmware or "unknown" for d in self.devices)
        known = [f for f, _ in sorted(found.items(), key=lambda i: (-i[1], i[0]))
                 if f != "unknown"]
        return (known[0] if known else DEFAULT_FIRMWARE), found


@dataclass(frozen=True)
class ImportedFleet:
    populations: tuple[ImportedPopulation, ...]
    skipped: tuple[InventoryPhone, ...]

    @property
    def devices(self) -> list[Device]:
        return [d for p in self.populations for d in p.devices]


def import_fleet(phones: Sequence[InventoryPhone], pools: DevicePoolMap,
                 statuses: Sequence[ItlStatus], cluster: ImportedCluster, unknown_itl: str
                 ) -> ImportedFleet:
    """Group ``phones`` into populations (module docstring)."""
    by_name = {s.name.upper(): s for s in statuses}
    simulated = [p for p in phones if p.device_class is not DeviceClass.OTHER]
    if not simulated:
        raise ArtefactError("no phone or Jabber device in the inventory (only CTI ports, ATA "
                            "ports or third-party devices, which itlsim does not simulate)",
                            path=phones[0].source.rsplit(":", 1)[0])
    groups: dict[tuple, list[Device]] = {}
    for phone in simulated:
        pool = pools.pools[phone.device_pool]
        state, node, why = _initial(phone, by_name.get(phone.name.upper()), cluster,
                                    unknown_itl)
        itl_from = node if node and node != _resolve(cluster, pool.tftp)[0] else ""
        key = (pool.name, phone.model, phone.itl_support, phone.reports_devicetlinfo, state,
               itl_from)
        groups.setdefault(key, []).append(
            Device(phone, "", state, itl_from, by_name.get(phone.name.upper()), why))
    names = _names(sorted(groups, key=_order))
    populations = tuple(_population(names[key], key, groups[key], pools, cluster)
                        for key in sorted(groups, key=_order))
    return ImportedFleet(populations, tuple(p for p in phones
                                            if p.device_class is DeviceClass.OTHER))


def _order(key: tuple) -> tuple:
    pool, model, support, reports, state, itl_from = key
    return pool, model, not support, str(reports), STATE_ORDER.index(state), itl_from


def _population(name: str, key: tuple, devices: list[Device], pools: DevicePoolMap,
                cluster: ImportedCluster) -> ImportedPopulation:
    pool = pools.pools[key[0]]
    ordered = tuple(sorted((Device(d.phone, name, d.initial_itl, d.itl_from, d.status, d.why)
                            for d in devices), key=lambda d: d.phone.name))
    return ImportedPopulation(name, pool, key[1], key[2], key[3], key[4], key[5],
                              _resolve(cluster, pool.tftp), _resolve(cluster, pool.cm_group),
                              ordered)


def _resolve(cluster: ImportedCluster, names: Iterable[str]) -> tuple[str, ...]:
    """Node names of the map (host name, FQDN or address) as the scenario's node names."""
    found = []
    for name in names:
        node = cluster.node_named(name)
        found.append(node.name if node is not None else name.split(".")[0])
    return tuple(found)


def _initial(phone: InventoryPhone, status: ItlStatus | None, cluster: ImportedCluster,
             unknown_itl: str) -> tuple[str, str | None, str]:
    """(initial ITL, the node it came from, why), I46 (module docstring)."""
    if not phone.itl_support:
        return "none", None, f"no ITL support ({phone.reason})"
    if status is None:
        return "current", None, "no DeviceTLInfo report: assumed current (I46)"
    server = _server(status, cluster)
    if status.itl_hash is not None and cluster.itl_sha1:
        node = next((n for n, h in cluster.itl_sha1.items() if h == status.itl_hash), None)
        if node is not None:
            return "current", node, f"reported the SHA-1 of {node}'s ITL"
        return unknown_itl, server, ("reported an ITL hash no imported ITL has "
                                     f"(--unknown-itl {unknown_itl})")
    if status.status == NOT_INSTALLED:
        return "none", None, "ITL Not Installed"
    if status.status == MISMATCH:
        return unknown_itl, server, f"ITL File Status MisMatch (--unknown-itl {unknown_itl})"
    why = "Match" if status.status == MATCH else "nothing to compare with"
    return "current", server, f"{why}: assumed current (I46)"


def _server(status: ItlStatus, cluster: ImportedCluster) -> str | None:
    """The TFTP node a status row names, which must be one (the phone got its ITL there)."""
    if status.tftp_server is None:
        return None
    node = cluster.node_named(status.tftp_server)
    if node is None or "TFTP" not in node.services:
        tftp = [n.name for n in cluster.nodes if "TFTP" in n.services]
        path, _, line = status.source.rpartition(":")
        raise ArtefactError(f"{status.tftp_server!r} is not a TFTP node of the imported "
                            f"cluster (TFTP nodes: {', '.join(tftp)})", path=path,
                            line=int(line), key="ITL TFTP Server")
    return node.name


def slug(text: str) -> str:
    """``DP_HQ`` -> ``dp-hq``; ``Cisco 8845`` -> ``8845``."""
    text = re.sub(r"^Cisco\s+", "", text, flags=re.IGNORECASE)
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _names(keys: Sequence[tuple]) -> Mapping[tuple, str]:
    """Readable, stable, unique population names: ``dp-hq-8845-current``, ``-from-<node>``
    when the ITL came from another node, a number when two would read alike."""
    names: dict[tuple, str] = {}
    taken: set[str] = set()
    for key in keys:
        pool, model, _, _, state, itl_from = key
        base = "-".join(filter(None, (slug(pool), slug(model), state,
                                      f"from-{slug(itl_from)}" if itl_from else "")))
        name, number = base[:NAME_LIMIT], 1
        while name in taken:
            number += 1
            name = f"{base[:NAME_LIMIT - len(str(number)) - 1]}-{number}"
        taken.add(name)
        names[key] = name
    return names
