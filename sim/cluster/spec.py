"""A cluster as plain, validated data: nodes, roles, services, key sizes (trust-model 1).

``sim.scenario.clusterfile`` builds a ``ClusterSpec`` from a ``[cluster]`` TOML section;
``Cluster`` (``sim.cluster.cluster``) is built from one. Keeping the spec here lets the engine
be built without reading any file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from sim.cluster.versions import Version
from sim.trust.certificates import Organisation, Role
from sim.trust.realcerts import RealCertificate

SERVICES = ("CallManager", "TFTP", "TVS", "CAPF")


@dataclass(frozen=True)
class NodeSpec:
    name: str
    role: str
    ip: str
    services: frozenset[str]
    key_bits: dict[Role, int]
    capf_name: str
    certificates: Mapping[Role, RealCertificate] = field(default_factory=dict)
    """Imported certificates the node starts with (``sim.trust.realcerts``); other roles get
    simulated certificates."""

    @property
    def is_publisher(self) -> bool:
        return self.role == "publisher"


@dataclass(frozen=True)
class ClusterSpec:
    name: str
    version: Version
    domain: str
    security_mode: str
    issued: dt.datetime
    security_password: str
    organisation: Organisation
    nodes: tuple[NodeSpec, ...]
    timezone: str = "UTC"  # IANA name: the time zone `show itl` prints times in (O1)

    @property
    def publisher(self) -> NodeSpec:
        return next(n for n in self.nodes if n.is_publisher)
