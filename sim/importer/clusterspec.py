"""A cluster from its real ITL and CTL files (and the device-pool map): what ``[cluster]`` says.

Every value carries where it came from, for the scenario's comments (``ImportedCluster.notes``,
``ImportedNode.notes``):

- nodes: the host names of the certificates' common names (``sim.importer.certificates``);
  each ITL's TFTP (or CCM+TFTP) record names the node that serves it; the domain is the rest of
  the common names, one for the whole cluster;
- the publisher: named by the ITLRecovery certificate (``CN=ITLRECOVERY_<publisher>``, T6) or
  the CTL's CAPF record, else ``--publisher``;
- services: TFTP where an ITL was fetched or a device pool points phones (option 150); TVS where
  an ITL lists a TVS record; CAPF on the publisher when a CAPF record exists; CallManager on the
  nodes of the device pools' CM groups. Without ITLs, or without a device-pool map, the missing
  ones are assumed on every node (I45, said in the comment);
- IP addresses from the CTL (IPADDRESS); key sizes from each certificate; the organisation from
  the publisher's CallManager certificate; mixed mode when a CTL is imported or an ITL's TFTP
  record is CCM+TFTP (trust-model T1); the release from who signs (``sim.importer.era``);
- ``issued`` (t = 0's clock for files the simulation builds) from the newest file TIMESTAMP.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from sim.cluster.spec import SERVICES
from sim.errors import ArtefactError
from sim.importer.certificates import (
    TFTP_FUNCTIONS,
    Found,
    collect,
    common_name,
    host_and_domain,
)
from sim.importer.devicepools import DevicePoolMap
from sim.importer.era import era
from sim.importer.trustfiles import TrustFile
from sim.scenario.clusterfile import DEFAULT_ISSUED
from sim.scenario.schema import suggest
from sim.trust.certificates import Organisation, Role, name_from_text
from sim.trust.realcerts import RealCertificate
from sim.trust.shown import differences

ORGANISATION_KEYS = ("OU", "O", "L", "ST", "C")
PLACEHOLDER = Organisation(ou="UC", o="Example", l="City", st="ST", c="ZZ")


@dataclass(frozen=True)
class ImportedNode:
    name: str
    role: str
    ip: str
    services: tuple[str, ...]
    key_bits: Mapping[str, int]
    capf_name: str
    notes: Mapping[str, str]


@dataclass(frozen=True)
class ImportedCluster:
    """``[cluster]`` as the files say it; ``itl_sha1`` is the SHA-1 of each TFTP node's real ITL
    (what its phones report when they hold it, O2); ``notes`` say where each value came from."""

    name: str
    version: str
    domain: str
    security_mode: str
    issued: dt.datetime
    organisation: Organisation
    nodes: tuple[ImportedNode, ...]
    certificates: tuple[tuple[str, RealCertificate], ...]
    itl_sha1: Mapping[str, bytes]
    files: tuple[TrustFile, ...]
    notes: Mapping[str, str] = field(default_factory=dict)

    def node_named(self, name: str) -> ImportedNode | None:
        """The node a device-pool map or status file names by host name, FQDN or address."""
        for node in self.nodes:
            if name.lower() in (node.name.lower(), f"{node.name}.{self.domain}".lower(),
                                node.ip):
                return node
        return None


@dataclass(frozen=True)
class ClusterOptions:
    name: str | None = None
    version: str | None = None
    publisher: str | None = None


def import_cluster(itls: Sequence[TrustFile], ctl: TrustFile | None, pools: DevicePoolMap | None,
                   options: ClusterOptions) -> ImportedCluster:
    """``[cluster]`` from the ITLs (one per TFTP node), the CTL and the device-pool map."""
    itls = _one_per_node(itls)
    files = (*itls, *([ctl] if ctl is not None and ctl.shown is not None else []))
    if not files:
        return _from_map(pools, options)
    found = collect(files)
    domain = _domain(found, files)
    hosts = _hosts(found)
    publisher, publisher_why = _publisher(found, hosts, options)
    the_era = era(itls, ctl)
    version = the_era.check(options.version) if options.version else the_era.default
    services = _services(found, itls, pools, hosts, publisher, domain)
    nodes = tuple(_node(host, (publisher, publisher_why), found, services) for host in
                  [publisher, *sorted(h for h in hosts if h != publisher)])
    mixed = _mixed(itls, ctl)
    issued = _issued(files)
    notes = {
        "version": (f"the era of the files: {the_era.why}; set your exact release"
                    if not options.version else "--version"),
        "domain": f"from the certificates' names (CN={hosts[0]}.{domain})",
        "security_mode": mixed[1],
        "issued": issued[1],
    }
    organisation, notes["organisation"] = _organisation(found, publisher)
    return ImportedCluster(
        name=options.name or domain.split(".")[0] or "cluster", version=version, domain=domain,
        security_mode=mixed[0], issued=issued[0], organisation=organisation, nodes=nodes,
        certificates=tuple((_owner(f, publisher), f.cert) for f in found),
        itl_sha1={_serving_node(f): f.sha1 for f in itls if f.sha1 is not None},
        files=tuple(files), notes=notes)


def _serving_node(file: TrustFile) -> str:
    """The node an ITL comes from: its one TFTP / CCM+TFTP record (T1)."""
    assert file.shown is not None
    tftp = [r for r in file.shown.records if r.function in TFTP_FUNCTIONS]
    if len(tftp) != 1:
        functions = ", ".join(sorted({str(r.function) for r in file.shown.records}))
        raise ArtefactError(f"not an ITL a CUCM TFTP server serves: it needs exactly one TFTP "
                            f"or CCM+TFTP record naming the node, found {len(tftp)} (record "
                            f"functions: {functions})", path=file.path)
    return host_and_domain(common_name(tftp[0].subject_name))[0]


def _one_per_node(itls: Sequence[TrustFile]) -> tuple[TrustFile, ...]:
    """One ITL per TFTP node: a file and a pasted text of one node must agree (``shown``
    field by field); the file is kept, it carries more."""
    by_node: dict[str, TrustFile] = {}
    for file in sorted(itls, key=lambda f: (f.parsed is None, f.name)):
        node = _serving_node(file)
        first = by_node.setdefault(node, file)
        if first is not file:
            assert first.shown is not None and file.shown is not None
            found = differences(first.shown, file.shown)
            if found:
                raise ArtefactError(f"{file.name} and {first.name} are both {node}'s ITL but "
                                    f"differ ({found[0]}); export them at the same time",
                                    path=file.path)
    return tuple(sorted(by_node.values(), key=_serving_node))


def _domain(found: list[Found], files: Iterable[TrustFile]) -> str:
    domains = sorted({f.domain for f in found if f.domain})
    if len(domains) != 1:
        names = ", ".join(f.name for f in files)
        raise ArtefactError(f"the certificates name {len(domains)} domains "
                            f"({', '.join(domains) or 'none'}); one cluster has one: import "
                            f"the files of one cluster", path=names)
    return domains[0]


def _hosts(found: list[Found]) -> list[str]:
    return sorted({f.node for f in found if f.node is not None})


def _publisher(found: list[Found], hosts: list[str], options: ClusterOptions
               ) -> tuple[str, str]:
    """The publisher and why: named by ITLRecovery or the CTL's CAPF record (T6), else
    ``--publisher``, else the only node."""
    named = [(f.node, f"CN={common_name(f.cert.subject)} ({f.cert.source})")
             for role in (Role.ITLRECOVERY, Role.CAPF)
             for f in found if f.node and f.cert.role == role]
    if options.publisher is not None:
        if options.publisher not in hosts:
            raise ArtefactError(f"no node {options.publisher!r} in the imported files"
                                f"{suggest(options.publisher, hosts)} (nodes: "
                                f"{', '.join(hosts)})", path="--publisher")
        if named and named[0][0] != options.publisher:
            raise ArtefactError(f"the files name {named[0][0]} the publisher ({named[0][1]}); "
                                "leave --publisher out", path="--publisher")
        return options.publisher, "--publisher"
    if named:
        return named[0][0] or "", f"named by {named[0][1]}"
    if len(hosts) == 1:
        return hosts[0], "the only node"
    raise ArtefactError(f"the files do not say which node is the publisher (no ITLRecovery or "
                        f"CTL CAPF record); give --publisher, one of {', '.join(hosts)}",
                        path="--publisher")


def _services(found: list[Found], itls: Sequence[TrustFile], pools: DevicePoolMap | None,
              hosts: list[str], publisher: str, domain: str) -> dict[str, dict[str, str]]:
    """Node -> service -> why (module docstring)."""
    services: dict[str, dict[str, str]] = {host: {} for host in hosts}
    for file in itls:
        services[_serving_node(file)]["TFTP"] = f"its ITL {file.name}"
    for f in found:
        if f.cert.role == Role.TVS and f.node in services:
            services[f.node].setdefault("TVS", "a TVS record")
        if f.cert.role == Role.CAPF:
            services[publisher]["CAPF"] = "the CAPF record"
    if pools is not None:
        _pool_services(services, pools, domain)
    for have in services.values():
        for service, assumed in (("CallManager", not pools), ("TFTP", not itls and not pools),
                                 ("TVS", not itls)):
            if assumed:
                have.setdefault(service, "assumed (I45)")
    return services


def _pool_services(services: dict[str, dict[str, str]], pools: DevicePoolMap,
                   domain: str) -> None:
    """TFTP on the nodes device pools send phones to, CallManager on their CM groups' nodes;
    a node the files do not know is an error."""
    hosts = list(services)
    for pool in pools.pools.values():
        for service, names in (("TFTP", pool.tftp), ("CallManager", pool.cm_group)):
            for name in names:
                host = _host_of(name, hosts, domain)
                if host is None:
                    key = f"device_pools.{pool.name}.{'tftp' if service == 'TFTP' else 'cm_group'}"
                    raise ArtefactError(f"no node {name!r} in the imported ITL/CTL files"
                                        f"{suggest(name, hosts)} (nodes: {', '.join(hosts)})",
                                        path=pools.path, key=key)
                services[host].setdefault(service, f"device pool {pool.name}")


def _host_of(name: str, hosts: list[str], domain: str) -> str | None:
    lowered = name.lower()
    return next((h for h in hosts if lowered in (h.lower(), f"{h}.{domain}".lower())), None)


def _node(host: str, publisher: tuple[str, str], found: list[Found],
          services: Mapping[str, Mapping[str, str]]) -> ImportedNode:
    mine = [f for f in found if _owner(f, publisher[0]) == host]
    ip = next((f.ip for f in mine if f.ip and f.cert.role == Role.CALLMANAGER), "")
    have = services[host]
    notes = {
        "name": next((f"CN={common_name(f.cert.subject)} ({f.cert.source})" for f in mine
                      if f.cert.role in (Role.CALLMANAGER, Role.TVS)), "the files"),
        "role": publisher[1] if host == publisher[0] else "",
        "ip": "CTL IPADDRESS" if ip else "not in the files (no CTL); set it if events need it",
        "services": "; ".join(f"{s}: {have[s]}" for s in SERVICES if s in have),
        "key_bits": _bits_note(mine, have),
    }
    return ImportedNode(
        host, "publisher" if host == publisher[0] else "subscriber", ip,
        tuple(s for s in SERVICES if s in have), {f.cert.role: f.cert.key_bits for f in mine},
        next((common_name(f.cert.subject) for f in mine if f.cert.role == Role.CAPF), ""),
        notes)


def _bits_note(mine: list[Found], services: Mapping[str, str]) -> str:
    """Key sizes come from the certificates; a role the files do not show keeps the default."""
    roles = [Role.CALLMANAGER, Role.TVS] + ([Role.CAPF] if "CAPF" in services else [])
    missing = [r.value for r in roles if r not in {f.cert.role for f in mine}]
    return "from each certificate's public key" + (
        f"; {', '.join(missing)}: not in the files, 2048 (the default)" if missing else "")


def _owner(found: Found, publisher: str) -> str:
    """The node a certificate belongs to: CAPF and ITLRecovery are the publisher's (T8)."""
    if found.cert.role in (Role.CAPF, Role.ITLRECOVERY):
        return publisher
    assert found.node is not None
    return found.node


def _mixed(itls: Sequence[TrustFile], ctl: TrustFile | None) -> tuple[str, str]:
    if ctl is not None and ctl.shown is not None:
        return "mixed", f"a CTL was imported ({ctl.name})"
    for file in itls:
        assert file.shown is not None
        if any(r.function == 2 for r in file.shown.records):
            return "mixed", f"{file.name}'s TFTP record is CCM+TFTP (T1)"
    why = f"{ctl.name}: CUCM has no CTL" if ctl is not None else "no CTL imported"
    return "non-secure", why


def _issued(files: Iterable[TrustFile]) -> tuple[dt.datetime, str]:
    stamps = [(f.shown.timestamp, f.name) for f in files
              if f.shown is not None and f.shown.timestamp is not None]
    if not stamps:
        return DEFAULT_ISSUED, "no file gave its time: set when the files were exported"
    stamp, name = max(stamps)
    return (dt.datetime.fromtimestamp(stamp, dt.UTC),
            f"the newest file's TIMESTAMP ({name}): the simulation starts from the files' state")


def _organisation(found: list[Found], publisher: str) -> tuple[Organisation, str]:
    cert = next((f.cert for f in found if f.node == publisher
                 and f.cert.role == Role.CALLMANAGER), found[0].cert)
    parts = {attr.rfc4514_attribute_name: str(attr.value)
             for attr in name_from_text(cert.subject)}
    if not all(parts.get(k) for k in ORGANISATION_KEYS) or len(parts["C"]) != 2:
        return PLACEHOLDER, (f"{cert.source} lacks some of OU, O, L, ST, C: placeholders for "
                             "the certificates the simulation makes")
    return (Organisation(*(parts[k] for k in ORGANISATION_KEYS)),
            f"from {cert.source}; certificates the simulation makes carry it")


def _from_map(pools: DevicePoolMap | None, options: ClusterOptions) -> ImportedCluster:
    """Without ITL or CTL: the nodes the device-pool map names, the release from --version."""
    if pools is None or options.version is None or options.publisher is None:
        raise ArtefactError("without ITL or CTL files the cluster comes from the device-pool "
                            "map: give --device-pools, --version and --publisher", path="--itl")
    named = {n for p in pools.pools.values() for n in (*p.tftp, *p.cm_group)}
    domain = next((host_and_domain(n)[1] for n in sorted(named) if "." in n), "example.com")
    hosts = sorted({host_and_domain(n)[0] for n in named})
    if options.publisher not in hosts:
        raise ArtefactError(f"no node {options.publisher!r} in {pools.path}"
                            f"{suggest(options.publisher, hosts)}", path="--publisher")
    services: dict[str, dict[str, str]] = {h: {"TVS": "assumed (I45)"} for h in hosts}
    _pool_services(services, pools, domain)
    publisher = (options.publisher, "--publisher")
    nodes = tuple(_node(h, publisher, [], services)
                  for h in [options.publisher, *(h for h in hosts if h != options.publisher)])
    return ImportedCluster(
        name=options.name or domain.split(".")[0], version=options.version, domain=domain,
        security_mode="non-secure", issued=DEFAULT_ISSUED, organisation=PLACEHOLDER,
        nodes=nodes, certificates=(), itl_sha1={}, files=(),
        notes={"version": "--version", "domain": f"no ITL/CTL imported: from {pools.path} "
                                                 "or a placeholder; set your domain",
               "security_mode": "no CTL imported", "issued": "no ITL/CTL imported",
               "organisation": "no ITL/CTL imported: placeholders"})
