"""The Trust Verification Service: what a cluster's TVS vouches for, and a phone's query (P5).

TVS answers, for a certificate identified by serial and issuer, whether its cluster knows it and
with which roles (K10, K19). The phone reaches TVS over TLS (TCP 2445) and trusts the session
only if the server's current TVS certificate matches a TVS record (CERTHASH) of the phone's
installed ITL; an unreachable or untrusted server -> next one in the CM group; none left -> the
query fails (P5). Each node's TVS answers from what it loaded at its last start unless the
scenario assumes it learns changes at once (P5b, ``Cluster.tvs_view``). Phones ask TVS about
unknown ITL, CTL and config signers alike (P3a: TechNotes 118893, 213407, 215539).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sim.cluster.cluster import CALLMANAGER_TRUST, PHONE_SAST_TRUST, Cluster, Identity, Node
from sim.trust.certificates import Certificate, Role
from sim.trust.trustlist import Function

# What a certificate of each role may vouch for when TVS returns it: CallManager signs ITLs (before
# 12.0), CTLs and configs (TechNote 118893's TVS log: roles SAST and CCM+TFTP); ITLRecovery signs
# ITLs and CTLs (SAST); CAPF and TVS sign neither (I11).
ROLE_FUNCTIONS: dict[Role, frozenset[Function]] = {
    Role.CALLMANAGER: frozenset({Function.SAST, Function.CCM, Function.TFTP, Function.CCM_TFTP}),
    Role.ITLRECOVERY: frozenset({Function.SAST}),
    Role.CAPF: frozenset({Function.CAPF}),
    Role.TVS: frozenset({Function.TVS}),
}
# What an imported certificate (another cluster's) may vouch for, by the trust stores holding it:
# TN 213407's source TVS finds the destination CallManager certificate, uploaded "as a
# CallManger-trust and Phone-SAST-trust certificate", with roles 0 and 3 (SAST and TFTP in the
# numbering of tvsd); which store gives which role is inferred (I50).
STORE_FUNCTIONS: dict[str, frozenset[Function]] = {
    PHONE_SAST_TRUST: frozenset({Function.SAST}),
    CALLMANAGER_TRUST: frozenset({Function.TFTP}),
}
ITL_SIGNING = frozenset({Function.SAST, Function.TFTP, Function.CCM_TFTP})  # ITLs and CTLs
CONFIG_SIGNING = frozenset({Function.TFTP, Function.CCM_TFTP, Function.CCM})


@dataclass(frozen=True)
class TvsAnswer:
    """The outcome of a phone's TVS query: the vouched certificate or the reasons it failed."""

    certificate: Certificate | None
    reasons: tuple[str, ...]
    server: str | None = None
    functions: frozenset[Function] = frozenset()
    """The roles TVS gave the certificate (``vouched_functions``)."""


def vouched_functions(cluster: Cluster, cert: Certificate) -> frozenset[Function]:
    """The roles ``cluster``'s TVS gives ``cert``: by its role for the cluster's own
    certificates (I11), by the trust stores holding it for imported ones (I50)."""
    stores = cluster.stores_of(cert.identity)
    if not stores:
        return ROLE_FUNCTIONS[cert.role]
    return frozenset().union(*(STORE_FUNCTIONS[store] for store in stores))


def query(cluster: Cluster, servers: Iterable[Node], identity: Identity,
          trusted_tvs_hashes: frozenset[bytes], wanted: frozenset[Function],
          reachable: Callable[[Node], bool] = lambda node: True) -> TvsAnswer:
    """Ask the TVS ``servers`` (CM group order) about ``identity`` (P5).

    ``trusted_tvs_hashes`` are the CERTHASHes of the TVS records in the phone's ITL;
    ``wanted`` the functions the certificate must hold (ITL or config signing).
    """
    reasons: list[str] = []
    for node in servers:
        if "TVS" not in node.services:
            continue  # not in the config's TVS list at all (sim.cluster.tftp.config_xml)
        if not (node.serves("TVS") and reachable(node)):
            _add(reasons, "tvs-unreachable")
            continue
        if node.certs[Role.TVS].sha1 not in trusted_tvs_hashes:
            _add(reasons, "tvs-untrusted")
            continue
        cert = cluster.tvs_view(node).get(identity)
        if cert is None:
            return TvsAnswer(None, tuple(reasons) + ("tvs-unknown-cert",), node.name)
        functions = vouched_functions(cluster, cert)
        if not functions & wanted:
            return TvsAnswer(None, tuple(reasons) + ("tvs-wrong-role",), node.name, functions)
        return TvsAnswer(cert, tuple(reasons), node.name, functions)
    if not reasons:
        reasons.append("tvs-none-configured")
    return TvsAnswer(None, tuple(reasons))


def _add(reasons: list[str], reason: str) -> None:
    if reason not in reasons:
        reasons.append(reason)
