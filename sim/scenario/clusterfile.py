"""The ``[cluster]`` section: a cluster described in TOML, validated into plain dataclasses.

``make-itl`` reads a file holding only this section; scenario files reuse the same section
(same schema, same errors). Example: ``scenarios/seed-cluster.toml`` (the seed document's
two-node 10.0 cluster).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import zoneinfo
from functools import cache
from pathlib import Path
from typing import Any

from sim.cluster.spec import SERVICES, ClusterSpec, NodeSpec
from sim.cluster.versions import parse_version
from sim.scenario.certfile import with_certificates
from sim.scenario.names import domain_name, host_name
from sim.scenario.schema import ArrayOf, Table, Value, suggest, validate
from sim.scenario.tomlsource import TomlSource
from sim.trust.certificates import Organisation, Role
from sim.trust.keys import SUPPORTED_BITS

DEFAULT_ISSUED = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def _check_version(text: str) -> str | None:
    try:
        major, _ = parse_version(text)
    except ValueError:
        return f"version {text!r} is not a CUCM version; expected e.g. '9.1', '10.5', '12.5', '14'"
    if not 8 <= major <= 15:
        return f"version {text!r} is outside 8.x-15.x, the range itlsim models (trust-model 2)"
    return None


def _check_ip(text: str) -> str | None:
    try:
        ipaddress.IPv4Address(text)
    except ValueError:
        return f"{text!r} is not an IPv4 address (e.g. '10.0.0.11')"
    return None


def _check_services(services: list) -> str | None:
    bad = [s for s in services if s not in SERVICES]
    if bad:
        return f"unknown service {bad[0]!r}; valid services: {', '.join(SERVICES)}"
    return None


def _check_timezone(name: str) -> str | None:
    """An IANA time zone name (``show itl`` prints times in it, O1a)."""
    if name in _zone_names():
        return None
    return (f"{name!r} is not a time zone{suggest(name, sorted(_zone_names()))} (expected an "
            f"IANA name such as 'UTC', 'Europe/Brussels' or 'America/Los_Angeles')")


@cache
def _zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones() | {"UTC"})


def check_node_ip(text: str) -> str | None:
    """The ``ip`` check: empty (no address given) or an IPv4 address."""
    return text and _check_ip(text)


_KEY_BITS = Value(int, 2048, choices=SUPPORTED_BITS)
# the node ip and cluster version fields, named so that events can derive theirs from them
NODE_IP = Value(str, "", check=check_node_ip)
CLUSTER_VERSION = Value(str, check=_check_version)
NODE_SCHEMA = Table({
    "name": Value(str, check=host_name, help="host name (without domain): a DNS label"),
    "role": Value(str, "subscriber", choices=("publisher", "subscriber")),
    "ip": NODE_IP,
    "services": Value(list, ["CallManager", "TFTP", "TVS"], check=_check_services),
    "capf_name": Value(str, "", help="pin the CAPF common name, e.g. CAPF-75638ad9"),
    "key_bits": Table({role.value: _KEY_BITS for role in Role}, required=False),
})
CLUSTER_SCHEMA = Table({
    "name": Value(str, "cluster"),
    "version": CLUSTER_VERSION,
    "domain": Value(str, check=domain_name),
    "security_mode": Value(str, "non-secure", choices=("non-secure", "mixed")),
    "issued": Value((dt.datetime, str), DEFAULT_ISSUED,
                    help="when the certificates were issued (keeps files reproducible)"),
    "security_password": Value(str, "ciscocisco", help="cluster security password (A7, A10)"),
    "timezone": Value(str, "UTC", check=_check_timezone,
                      help="the cluster's time zone, in which `show itl` prints times (O1a; "
                           "default UTC)"),
    "organisation": Table({k: Value(str) for k in ("ou", "o", "l", "st", "c")}),
    "nodes": ArrayOf(NODE_SCHEMA, min_items=1),
    "certificates": Value(str, None, help="a file of real certificates the nodes start with "
                                          "(itlsim import writes it; sim.scenario.certfile), "
                                          "relative to this file (default: none, every "
                                          "certificate simulated)"),
})


def cluster_from(source: TomlSource, data: dict[str, Any], at: tuple = ("cluster",)
                 ) -> ClusterSpec:
    """Build a ``ClusterSpec`` from validated ``[cluster]`` data, checking cross-field rules."""
    nodes = tuple(_node(source, node, at + ("nodes", i)) for i, node in enumerate(data["nodes"]))
    publishers = [n for n in nodes if n.is_publisher]
    if len(publishers) != 1:
        raise source.error(at + ("nodes",), f"a cluster has exactly one node with role = "
                                            f"'publisher', found {len(publishers)}")
    names = [n.name for n in nodes]
    for i, name in enumerate(names):
        if name in names[:i]:
            raise source.error(at + ("nodes", i, "name"), f"node name {name!r} appears twice")
    if not any("TFTP" in n.services for n in nodes):
        raise source.error(at + ("nodes",), "no node runs TFTP; phones need a TFTP server")
    issued = data["issued"]
    if isinstance(issued, str):  # a resolved scenario (JSON) carries it as ISO text
        try:
            issued = dt.datetime.fromisoformat(issued)
        except ValueError:
            raise source.error(at + ("issued",), f"{issued!r} is not a date-time; expected "
                                                 "e.g. 2014-02-26T18:24:27Z") from None
    if issued.tzinfo is None:
        issued = issued.replace(tzinfo=dt.UTC)
    version = parse_version(data["version"])
    if data["certificates"] is not None:
        nodes = with_certificates(Path(source.path).parent / data["certificates"], nodes,
                                  version)
    return ClusterSpec(
        name=data["name"], version=version, domain=data["domain"],
        security_mode=data["security_mode"], issued=issued,
        security_password=data["security_password"],
        organisation=Organisation(**data["organisation"]), nodes=nodes,
        timezone=data["timezone"],
    )


def _node(source: TomlSource, data: dict[str, Any], at: tuple) -> NodeSpec:
    services = frozenset(data["services"])
    if "CAPF" in services and data["role"] != "publisher":
        raise source.error(at + ("services",), "CAPF runs on the publisher only (trust-model 1)")
    bits = {Role(k): v for k, v in data["key_bits"].items()}
    return NodeSpec(name=data["name"], role=data["role"], ip=data["ip"], services=services,
                    key_bits=bits,
                    capf_name=data["capf_name"])



def load_cluster_file(path: str) -> ClusterSpec:
    """Read a TOML file whose ``[cluster]`` section describes a cluster (for ``make-itl``)."""
    source = TomlSource.load(path)
    data = validate(source, Table({"cluster": CLUSTER_SCHEMA}, extra=Value(object)))
    return cluster_from(source, data["cluster"])
