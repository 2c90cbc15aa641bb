"""The CUCM cluster: nodes, their services and certificates, trust stores, the cluster version.

Pure domain state. Nothing here knows simulated time except as a number passed in by the caller (the
5-minute hold timer, A1). Administrator operations live in ``sim.cluster.operations``; the files
each TFTP node serves are built by ``sim.cluster.tftp``; what TVS vouches for is
``sim.cluster.tvs``.

Version eras (trust-model section 2) are answered by the small functions of
``sim.cluster.versions``, so every rule that depends on the version cites one place.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from sim.cluster.assumptions import AT_ONCE, DOCUMENTED, Assumptions
from sim.cluster.outcome import Outcome
from sim.cluster.served import ServedFiles
from sim.cluster.spec import ClusterSpec, NodeSpec
from sim.cluster.versions import (
    Version,
    has_itl_recovery,
    itl_recovery_years,
    single_itl_recovery,
)
from sim.trust.certificates import Certificate, CertificateFactory, Role
from sim.trust.keys import KeySource

Identity = tuple[bytes, str]
ITL_ROLES = (Role.CALLMANAGER, Role.TVS, Role.CAPF, Role.ITLRECOVERY)
# the trust stores TVS vouches from (trust-model section 1, K9, K20)
CALLMANAGER_TRUST, PHONE_SAST_TRUST = "CallManager-trust", "Phone-SAST-trust"
TRUST_STORES = (CALLMANAGER_TRUST, PHONE_SAST_TRUST)


@dataclass(frozen=True)
class P12File:
    """An ``ITLRecovery.p12``: the recovery key, protected by the security password (A7, A10)."""

    certificate: Certificate
    password: str


@dataclass(frozen=True)
class SftpLogin:
    """Where `remotekey`, `file get` and Bulk Certificate Management reach an SFTP server;
    ``path`` is a file (the p12) or, for bulk certificates, a directory."""

    host: str
    user: str
    path: str
    password: str


@dataclass
class BulkDirectory:
    """What Bulk Certificate Management keeps in one SFTP directory (TN 215539): the PKCS12
    files each cluster exported (its certificates, by cluster name) and the consolidated file
    (every exporting cluster's certificates when consolidation ran), or None before that."""

    exports: dict[str, tuple[Certificate, ...]] = field(default_factory=dict)
    consolidated: dict[str, tuple[Certificate, ...]] | None = None


@dataclass
class SftpServer:
    """An SFTP server a scenario names: credentials, reachability and the files it holds. In a
    scenario with several clusters every cluster reaches the same server objects."""

    host: str
    user: str
    password: str
    reachable: bool = True
    files: dict[str, P12File] = field(default_factory=dict)
    bulk: dict[str, BulkDirectory] = field(default_factory=dict)


@dataclass
class Node:
    """One CUCM server. ``services`` are installed, ``running`` are started; ``up`` is power.

    ``name`` is the scenario's stable id; ``hostname`` the current host name, which certificate
    names use and which a hostname change (A3) replaces. Phones find the node by address, so
    their TFTP and CM group lists keep working across a rename.
    """

    name: str
    hostname: str
    role: str
    ip: str
    services: frozenset[str]
    certs: dict[Role, Certificate]
    running: set[str]
    up: bool = True
    last_regen: tuple[float, Role] | None = None
    # what this node's TVS loaded at its last start (used when TVS learns new certificates
    # only at a restart, ``Assumptions.tvs_learns_new_certificates``)
    tvs_known: dict[Identity, Certificate] = field(default_factory=dict)

    @property
    def is_publisher(self) -> bool:
        return self.role == "publisher"

    def serves(self, service: str) -> bool:
        """Installed, started and powered: a phone can use this service now."""
        return self.up and service in self.running

    def fqdn(self, domain: str) -> str:
        return f"{self.hostname}.{domain}"


class Cluster:
    """The cluster's trust state. Build it with ``Cluster.from_spec(spec, seed)``."""

    def __init__(self, spec: ClusterSpec, factory: CertificateFactory,
                 assumptions: Assumptions = DOCUMENTED):
        self.name = spec.name
        self.assumptions = assumptions
        self.timezone = spec.timezone
        self.version: Version = spec.version
        self.domain = spec.domain
        self.security_mode = spec.security_mode
        self.security_password = spec.security_password
        self.issued = spec.issued
        self.factory = factory
        self.key_bits = {node.name: dict(node.key_bits) for node in spec.nodes}
        self.nodes: dict[str, Node] = {}
        self.rollback = False
        self.phone_interaction_on_cert_update = True
        self.itl_recovery_backed_up = False
        self.sftp: dict[str, SftpServer] = {}
        # Bulk Certificate Management's SFTP settings, saved on the publisher at the first
        # export (TN 215539), or None while not configured
        self.bulk_sftp: SftpLogin | None = None
        self.ctl_bytes: bytes | None = None
        self.served: dict[str, ServedFiles] = {}
        self.audit: list[Outcome] = []
        # Bumped by every change of trust-relevant state (certificates, trust stores, served
        # files, any operation carried out), so caches derived from it (what TVS vouches for, a
        # driver's memoised decisions) are rebuilt once per change, not once per phone query.
        self.revision = 0
        self._known: tuple[int, dict[Identity, Certificate]] = (-1, {})
        # T3: per TFTP node, the content of its last normal ITL and the bytes built for it.
        self.itl_memo: dict[str, tuple[object, bytes]] = {}
        # CallManager-trust / Phone-SAST-trust: certificates imported by hand or by Bulk
        # Certificate Management (another cluster's, TN 213407, TN 215539) that TVS vouches for
        # (trust-model section 1). Change them only through ``import_certificate`` /
        # ``regenerate`` so ``revision`` follows.
        self.trust_stores: dict[str, dict[Identity, Certificate]] = {
            store: {} for store in TRUST_STORES}
        # regenerated certificates TVS still vouches for (``tvs_forgets_superseded`` false)
        self.superseded: dict[Identity, Certificate] = {}
        # ITL File Status (O2): the SHA-1 of the ITL each TFTP node built last, as the
        # database keeps it per server (Security Guide 14, "ITLRecovery Certificate")
        self.itl_hashes: dict[str, bytes] = {}
        # called on every ``touch``: the fleet model wakes phones waiting to register
        self.listeners: list[Callable[[], None]] = []
        # the order certificates were created in: the CTL lists its records so (T7, I7a)
        self.created: dict[Identity, int] = {}
        for node_spec in spec.nodes:
            self._add_node(node_spec)
        if single_itl_recovery(self.version):
            self.share_itl_recovery()

    @classmethod
    def from_spec(cls, spec: ClusterSpec, seed: int,
                  assumptions: Assumptions = DOCUMENTED, *, keys: KeySource | None = None
                  ) -> Cluster:
        """The cluster of ``spec``; its keys and serials follow ``seed``. ``keys`` shares a key
        source with other clusters of a scenario (``sim.cluster.estate``), so no two clusters
        hold the same key; their serials then follow ``seed`` and the cluster's name."""
        label = spec.name if keys is not None else ""
        return cls(spec, CertificateFactory(seed, spec.organisation, keys=keys, label=label),
                   assumptions)

    # -- structure -------------------------------------------------------------------------

    @property
    def publisher(self) -> Node:
        return next(node for node in self.nodes.values() if node.is_publisher)

    def node(self, name: str) -> Node:
        """The node called ``name``; a KeyError names the valid ones."""
        try:
            return self.nodes[name]
        except KeyError:
            raise KeyError(f"no node {name!r}; nodes: {', '.join(self.nodes)}") from None

    def nodes_with(self, service: str) -> list[Node]:
        """Nodes that have ``service`` installed, in cluster order."""
        return [node for node in self.nodes.values() if service in node.services]

    @property
    def itl_recovery(self) -> Certificate | None:
        """The publisher's ITLRecovery certificate: the only one ITLs list (seed, T6), and the
        key in the publisher's ITLRecovery.p12 that ``utils itl reset localkey`` uses (A4)."""
        return self.publisher.certs.get(Role.ITLRECOVERY)

    def _add_node(self, spec: NodeSpec) -> None:
        node = Node(name=spec.name, hostname=spec.name, role=spec.role, ip=spec.ip,
                    services=spec.services, certs={}, running=set(spec.services))
        self.nodes[spec.name] = node
        for role in ITL_ROLES:
            if self._node_has_role(node, role):
                real = spec.certificates.get(role)
                cert = (self.issue(node, role, capf_name=spec.capf_name) if real is None else
                        self.factory.twin(real, self.issued, self._years(role)))
                self.set_certificate(node, role, cert)

    def _node_has_role(self, node: Node, role: Role) -> bool:
        if role is Role.ITLRECOVERY:
            # 12.5+: one certificate, made on the publisher (``share_itl_recovery``, T8)
            return has_itl_recovery(self.version) and (
                node.is_publisher or not single_itl_recovery(self.version))
        if role is Role.CAPF:
            return node.is_publisher and "CAPF" in node.services
        return True  # every node holds CallManager and TVS certificates (K9)

    # -- certificates ----------------------------------------------------------------------

    def issue(self, node: Node, role: Role, *, capf_name: str = "", when: dt.datetime | None = None
              ) -> Certificate:
        """A new certificate for ``role`` on ``node`` (CN per trust-model section 1), valid 5
        years; a new ITLRecovery certificate 20 years from 12.5 on (T8: Security Guide 12.5(1)
        "Certificate Management Changes for ITLRecovery Certificate")."""
        if role is Role.CAPF:
            common_name = capf_name or self.factory.capf_name()
        elif role is Role.ITLRECOVERY:
            common_name = f"ITLRECOVERY_{node.fqdn(self.domain)}"
        else:
            common_name = node.fqdn(self.domain)
        bits = self.key_bits[node.name][role]
        return self.factory.issue(role, common_name, bits, when or self.issued, self._years(role))

    def _years(self, role: Role) -> int:
        """Validity of a new certificate: 5 years, ITLRecovery 20 from 12.5 (T8)."""
        return itl_recovery_years(self.version) if role is Role.ITLRECOVERY else 5

    def regenerate(self, node: Node, role: Role, *, when: dt.datetime | None = None) -> Certificate:
        """Replace ``role``'s key pair and certificate on ``node`` (A1).

        The certificate gets the node's current name (an explicit ITLRecovery regeneration
        takes the current publisher name, A8; only hostname/domain changes leave ITLRecovery
        alone, T6). The superseded certificate leaves the trust stores, so TVS no longer
        vouches for it [I].
        """
        old = node.certs[role]
        new = self.issue(node, role, when=when)
        for store in self.trust_stores.values():
            store.pop(old.identity, None)
        if not self.assumptions.tvs_forgets_superseded:
            self.superseded[old.identity] = old
        self.set_certificate(node, role, new)
        return new

    def set_certificate(self, node: Node, role: Role, cert: Certificate) -> None:
        """Install ``cert`` as ``node``'s ``role`` certificate (every certificate change goes
        through here, so ``revision`` and the TVS index follow). From 12.5 the publisher's
        ITLRecovery certificate is every node's (TechNote 214231, T8)."""
        node.certs[role] = cert
        self.created.setdefault(cert.identity, len(self.created))
        if role is Role.ITLRECOVERY and node.is_publisher and single_itl_recovery(self.version):
            self.share_itl_recovery()
        self.touch()

    def share_itl_recovery(self) -> None:
        """12.5+: "the ITLRecovery is a single certificate generated by the publisher and
        distributed to the subscribers" (TechNote 214231, T8)."""
        cert = self.itl_recovery
        if cert is not None:
            for node in self.nodes.values():
                node.certs[Role.ITLRECOVERY] = cert
            self.touch()

    def touch(self) -> None:
        """Record that trust-relevant state changed (see ``revision``) and tell listeners."""
        self.revision += 1
        for listener in self.listeners:
            listener()

    def import_certificate(self, cert: Certificate, stores: tuple[str, ...] = TRUST_STORES
                           ) -> None:
        """Import ``cert`` into the named trust stores (CallManager-trust, Phone-SAST-trust):
        TVS vouches for it once it has loaded it (trust-model section 1, K20, P5b); the stores
        decide its roles (``sim.cluster.tvs.vouched_functions``)."""
        for store in stores:
            self.trust_stores[store][cert.identity] = cert
        self.touch()

    def stores_of(self, identity: Identity) -> tuple[str, ...]:
        """The trust stores holding ``identity`` (none for the cluster's own certificates)."""
        return tuple(name for name, certs in self.trust_stores.items() if identity in certs)

    def all_certificates(self) -> list[Certificate]:
        """Every current certificate of every node (what TVS knows of its own cluster, K10)."""
        return [cert for node in self.nodes.values() for cert in node.certs.values()]

    def known_certificates(self) -> dict[Identity, Certificate]:
        """What the cluster's TVS vouches for (P5, section 1): the trust stores' imports, the
        superseded certificates it has not forgotten (``tvs_forgets_superseded``) and every
        current certificate. Rebuilt once per ``revision``, shared by every query."""
        revision, known = self._known
        if revision != self.revision:
            known = {}
            for store in self.trust_stores.values():
                known.update(store)
            known.update(self.superseded)
            known.update((cert.identity, cert) for cert in self.all_certificates())
            self._known = (self.revision, known)
        return known

    def tvs_view(self, node: Node) -> dict[Identity, Certificate]:
        """What ``node``'s TVS vouches for now: the cluster's current knowledge, or what it
        loaded at its last start (P5b, ``tvs_learns_new_certificates``)."""
        if self.assumptions.tvs_learns_new_certificates == AT_ONCE:
            return self.known_certificates()
        return node.tvs_known

    def start_tvs(self, node: Node) -> None:
        """(Re)start TVS on ``node``: it loads every certificate the cluster knows now (P5b:
        TechNote 214231 restarts TVS after each regeneration)."""
        node.tvs_known = dict(self.known_certificates())
        self.touch()

    def at(self, now: float) -> dt.datetime:
        """Wall-clock time of simulated second ``now`` (t = 0 is when certificates were issued)."""
        return self.issued + dt.timedelta(seconds=now)
