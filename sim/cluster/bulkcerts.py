"""Certificates between clusters: Bulk Certificate Management and uploading by hand (A13, A14).

A phone moved to another cluster must verify the destination's ITL (or CTL) signer through the
TVS of the cluster it comes from (P5, P3a), so that TVS must hold the destination's certificates
in its trust stores. Two documented ways put them there:

- Bulk Certificate Management (TN 215539 "Manage Bulk Certificates between CUCM Clusters for
  Phone Migration"; TN 213407 "Migrate Phones Between Secure Clusters", method 1; the Feature
  Configuration Guide's "Configure Certificates for Extension Mobility Cross Cluster"): each
  cluster's publisher exports its certificates, one PKCS12 file per node, to "the same SFTP
  directory on the same SFTP server"; one publisher consolidates them (offered "only if two or
  more clusters exported their certificates"); each publisher imports the consolidated file,
  which uploads the other clusters' CallManager and ITLRecovery certificates as Phone-SAST-trust
  and CallManager-trust and CAPF as CallManager-trust; "the phones on the cluster will
  automatically restart" afterwards.
- by hand (TN 213407 method 2): download CallManager.pem from every TFTP node of the
  destination and ITLRecovery.pem, upload them to the source publisher, "Restart TVS in all
  nodes from the source cluster".

Every operation checks first and then changes (a refusal changes nothing). Cisco documents none
of the screens' messages: messages that start with ``itlsim:`` are itlsim's wording (I52).
"""

from __future__ import annotations

from sim.cluster.cluster import (
    CALLMANAGER_TRUST,
    PHONE_SAST_TRUST,
    BulkDirectory,
    Cluster,
    Node,
    SftpLogin,
)
from sim.cluster.itlrecovery import NOT_PUBLISHER, check_login
from sim.cluster.operations import auto_reset, down, record, refuse
from sim.cluster.outcome import Effect, Outcome
from sim.trust.certificates import Certificate, Role

ALL, TFTP = "All", "TFTP"
CERTIFICATE_TYPES = (ALL, TFTP)
IMPORTABLE = ("CallManager", "ITLRecovery", "CAPF")
# The stores each certificate is uploaded to (TN 215539's note; the Feature Configuration
# Guide's "Import the Certificates into the Clusters")
IMPORT_STORES: dict[Role, tuple[str, ...]] = {
    Role.CALLMANAGER: (PHONE_SAST_TRUST, CALLMANAGER_TRUST),
    Role.ITLRECOVERY: (PHONE_SAST_TRUST, CALLMANAGER_TRUST),
    Role.CAPF: (CALLMANAGER_TRUST,),
}
EXPORT, CONSOLIDATE, IMPORT = ("Bulk Certificate Export", "Bulk Certificate Consolidate",
                               "Bulk Certificate Import")
UPLOAD = "Upload Certificate/Certificate chain"
ITLSIM = "itlsim: "  # the message is itlsim's wording: Cisco documents none (I52)


def exported(cluster: Cluster, certificate_type: str = ALL) -> tuple[Certificate, ...]:
    """What a bulk export of ``certificate_type`` writes: ``All`` = every node's CallManager
    and ITLRecovery certificate and the CAPF certificate (what the import note lists); ``TFTP``
    = the CallManager certificate of every TFTP node only (TN 213407 method 1 "export the TFTP
    certificate"; that it leaves ITLRecovery out is I52). In creation order, once each."""
    roles = (Role.CALLMANAGER,) if certificate_type == TFTP else tuple(IMPORT_STORES)
    found: dict[tuple[bytes, str], Certificate] = {}
    for node in cluster.nodes.values():
        if certificate_type == TFTP and "TFTP" not in node.services:
            continue
        for role in roles:
            cert = node.certs.get(role)
            if cert is not None:
                found.setdefault(cert.identity, cert)
    return tuple(sorted(found.values(), key=lambda c: cluster.created[c.identity]))


def _on_publisher(cluster: Cluster, node_name: str) -> str | None:
    """Bulk Certificate Management runs on the publisher (TN 215539: "configurations must be
    done manually on the CUCM publisher of both the source and destination clusters")."""
    node = cluster.node(node_name)
    return NOT_PUBLISHER if not node.is_publisher else down(node)


def _configured(cluster: Cluster) -> tuple[SftpLogin | None, str | None]:
    """The cluster's bulk SFTP settings if they are saved and the server answers, else why
    not."""
    login = cluster.bulk_sftp
    if login is None:
        return None, (f"{ITLSIM}no SFTP server is configured for Bulk Certificate Management on "
                      f"{cluster.name}: export first (TN 215539)")
    return login, check_login(cluster, login)


def bulk_export(cluster: Cluster, node_name: str, login: SftpLogin, now: float, *,
                certificate_type: str = ALL) -> Outcome:
    """Enter the SFTP details, save and Export (A13; TN 215539 steps "Export ... Cluster
    Certificates"): the settings are saved and the cluster's PKCS12 files are written to the
    directory ``login.path``, replacing the cluster's earlier export there."""
    problem = _on_publisher(cluster, node_name) or check_login(cluster, login)
    if problem:
        return refuse(cluster, now, EXPORT, node_name, problem)
    cluster.bulk_sftp = login
    certs = exported(cluster, certificate_type)
    directory = cluster.sftp[login.host].bulk.setdefault(login.path, BulkDirectory())
    directory.exports[cluster.name] = certs
    return record(cluster, Outcome(
        now, EXPORT, node_name, True,
        f"{ITLSIM}exported {certificate_type}: {len(certs)} certificates, one PKCS12 file per "
        f"node of {cluster.name}, to {login.host}:{login.path}"))


def bulk_consolidate(cluster: Cluster, node_name: str, now: float) -> Outcome:
    """Consolidate (TN 215539: "done through the CUCM publisher on only one of the clusters"):
    one file from every export in the directory, offered "only if two or more clusters exported
    their certificates to the SFTP server" (Feature Configuration Guide). A later export needs
    a new consolidation ("you must perform this procedure again")."""
    login, problem = _configured(cluster)
    problem = _on_publisher(cluster, node_name) or problem
    if problem or login is None:
        return refuse(cluster, now, CONSOLIDATE, node_name, problem or "")
    directory = cluster.sftp[login.host].bulk.get(login.path, BulkDirectory())
    if len(directory.exports) < 2:
        found = ", ".join(directory.exports) or "none"
        return refuse(cluster, now, CONSOLIDATE, node_name,
                      f"{ITLSIM}Consolidate needs certificates exported by two or more clusters "
                      f"to {login.host}:{login.path}; exported so far: {found}")
    directory.consolidated = dict(directory.exports)
    return record(cluster, Outcome(
        now, CONSOLIDATE, node_name, True,
        f"{ITLSIM}consolidated the certificates of {', '.join(directory.exports)} at "
        f"{login.host}:{login.path}"))


def bulk_import(cluster: Cluster, node_name: str, now: float) -> Outcome:
    """Import (TN 215539 "Import Certificates to Destination and Source Clusters"): the other
    clusters' certificates of the consolidated file go into the trust stores of
    ``IMPORT_STORES``; the phones restart (Feature Configuration Guide: "After you import the
    certificates, the phones on the cluster will automatically restart"; on 14+ as "Phone
    Interaction on Certificate Update" says, A1b) and TVS restarts so that it vouches for them
    (assumption ``bulk_import_restarts_tvs``, I51)."""
    login, problem = _configured(cluster)
    problem = _on_publisher(cluster, node_name) or problem
    if problem or login is None:
        return refuse(cluster, now, IMPORT, node_name, problem or "")
    consolidated = cluster.sftp[login.host].bulk.get(login.path, BulkDirectory()).consolidated
    others = {name: certs for name, certs in (consolidated or {}).items()
              if name != cluster.name}
    if not others:
        return refuse(cluster, now, IMPORT, node_name,
                      f"{ITLSIM}no consolidated certificates of another cluster at "
                      f"{login.host}:{login.path}: consolidate on one publisher first "
                      f"(TN 215539)")
    for certs in others.values():
        for cert in certs:
            cluster.import_certificate(cert, IMPORT_STORES[cert.role])
    restarts = (Effect("restart_tvs", tuple(n.name for n in cluster.nodes_with("TVS"))),) \
        if cluster.assumptions.bulk_import_restarts_tvs else ()
    count = sum(len(certs) for certs in others.values())
    return record(cluster, Outcome(
        now, IMPORT, node_name, True,
        f"{ITLSIM}imported {count} certificates of {', '.join(others)} (CallManager and "
        f"ITLRecovery as Phone-SAST-trust and CallManager-trust, CAPF as CallManager-trust)",
        restarts + auto_reset(cluster)))


def upload_certificates(source: Cluster, target: Cluster, roles: tuple[Role, ...], now: float, *,
                        stores: tuple[str, ...] | None = None) -> Outcome:
    """Upload ``source``'s certificates to ``target``'s publisher by hand (A14; TN 213407
    method 2): CallManager from every TFTP node ("needs to be downloaded from all nodes running
    the TFTP service"), the cluster's ITLRecovery, CAPF; into ``stores`` (default: the bulk
    import's stores per certificate, ``IMPORT_STORES``). TVS vouches for them after its next
    restart (P5b: TN 213407 "Restart TVS in all nodes from the source cluster")."""
    publisher = target.publisher
    certs: dict[tuple[bytes, str], Certificate] = {}
    problem = down(publisher)
    for role in roles:
        found = [n.certs[role] for n in _holders(source, role) if role in n.certs]
        if not found:
            problem = problem or (f"{role.value} certificate does not exist on "
                                  f"{source.publisher.hostname} (CUCM "
                                  f"{source.version[0]}.{source.version[1]})")
        certs.update((cert.identity, cert) for cert in found)
    if problem:
        return refuse(target, now, UPLOAD, publisher.name, problem)
    for cert in certs.values():
        target.import_certificate(cert, stores or IMPORT_STORES[cert.role])
    where = " and ".join(stores or sorted({s for c in certs.values()
                                           for s in IMPORT_STORES[c.role]}))
    return record(target, Outcome(
        now, UPLOAD, publisher.name, True,
        f"{ITLSIM}uploaded {len(certs)} certificates of {source.name} "
        f"({', '.join(r.value for r in roles)}) to {target.name} as {where}"))


def _holders(cluster: Cluster, role: Role) -> list[Node]:
    """The nodes whose ``role`` certificate an upload takes: CallManager from every TFTP node
    (TN 213407), ITLRecovery and CAPF from the publisher (the ones ITLs and CTLs list, T1)."""
    if role is Role.CALLMANAGER:
        return cluster.nodes_with("TFTP")
    return [cluster.publisher]
