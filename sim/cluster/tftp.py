"""The files a TFTP node serves: ITLFile.tlv (T1-T6), CTLFile.tlv (mixed mode), signed configs.

Built with the real TLV code (``sim.trust.trustlist``) from the cluster's current certificates when
the TFTP service starts (T4). A ``ServedFiles`` is immutable: a restart replaces it. Configs are
signed with the serving node's CallManager key (trust-model section 1); phones sharing a CM group
and settings share one signed config per TFTP node [I: the trust decision depends on the signer, not
on the device name, so one file per distinct content is served to all of them].
"""

from __future__ import annotations

import hashlib
from typing import TypedDict

from cryptography import x509

from sim.cluster.assumptions import ITLRECOVERY_KEY, NODE_CALLMANAGER
from sim.cluster.cluster import Cluster, Node
from sim.cluster.served import ConfigProfile, ServedFiles, SignedConfig
from sim.cluster.versions import ctl_lists_itl_recovery, has_itl_recovery, itl_signed_by_recovery
from sim.trust import reuse, trustlist
from sim.trust.certificates import Certificate, Role
from sim.trust.trustlist import ITL_DNS_NAME, Function, Record, TrustList


def itl_signer(cluster: Cluster, node: Node) -> Certificate:
    """Who signs ``node``'s normal ITL (section 2): CallManager before 12.0, then ITLRecovery."""
    if itl_signed_by_recovery(cluster.version) and cluster.itl_recovery is not None:
        return cluster.itl_recovery
    return node.certs[Role.CALLMANAGER]


def reset_signer(cluster: Cluster, node: Node, *, remotekey: bool = False) -> Certificate:
    """Who signs the bulk-reset ITL that TFTP ``node`` serves (section 2, A4a).

    10.x-11.x: the publisher's ITLRecovery key (seed). 12.0+: ``localkey`` re-signs with the
    CallManager key (CLI Reference 12.5(1) "utils itl reset"; Security Guide 14 "Perform Bulk
    Reset of ITL File"): the publisher's, or each node's own under the assumption
    ``reset_itl_signer_12x``; ``remotekey`` signs with the ITLRecovery key it restored (CLI
    Reference 12.5(1); assumption ``remotekey_signer``).
    """
    assert cluster.itl_recovery is not None, "utils itl reset needs 10.0+ (A4)"
    assumptions = cluster.assumptions
    if not itl_signed_by_recovery(cluster.version) or (
            remotekey and assumptions.remotekey_signer == ITLRECOVERY_KEY):
        return cluster.itl_recovery
    if assumptions.reset_itl_signer_12x == NODE_CALLMANAGER:
        return node.certs[Role.CALLMANAGER]
    return cluster.publisher.certs[Role.CALLMANAGER]


def itl_records(cluster: Cluster, node: Node, *, empty: bool = False) -> list[Record]:
    """The records of ``node``'s ITL in the seed's order (T1, T2).

    SAST (the node's CallManager), the same certificate as TFTP (CCM+TFTP in mixed mode), CAPF,
    then one TVS record per TVS node with the publisher's ITLRecovery (SAST, 10.0+) after the
    publisher's TVS record. With ``empty`` (rollback to pre-8.0, A9) only the SAST records
    remain (the node's CallManager and, 10.0+, ITLRecovery, so the file still carries its
    signer on 12.0+): no TFTP, TVS or CAPF entries, so phones leave ITL enforcement (P6)
    [I: "empty TVS/TFTP sections" keeps the SAST entries].
    """
    callmanager = node.certs[Role.CALLMANAGER]
    records = [record_of(callmanager, Function.SAST, with_certificate=True)]
    if empty:
        return records + ([_recovery_record(cluster)] if has_itl_recovery(cluster.version) else [])
    tftp_role = Function.CCM_TFTP if cluster.security_mode == "mixed" else Function.TFTP
    records.append(record_of(callmanager, tftp_role, with_certificate=True))
    capf = cluster.publisher.certs.get(Role.CAPF)
    if capf is not None:
        records.append(record_of(capf, Function.CAPF, with_certificate=False))
    for tvs_node in cluster.nodes_with("TVS"):
        records.append(record_of(tvs_node.certs[Role.TVS], Function.TVS,
                                 with_certificate=False))
        if tvs_node.is_publisher and has_itl_recovery(cluster.version):
            records.append(_recovery_record(cluster))
    if has_itl_recovery(cluster.version) and "TVS" not in cluster.publisher.services:
        records.append(_recovery_record(cluster))
    return records


def record_of(cert: Certificate, function: Function, *, with_certificate: bool,
              dns_name: bytes = ITL_DNS_NAME, ip_address: bytes | None = None) -> Record:
    """``record_for`` a cluster's certificate; for a ``kept`` imported one (TVS, CAPF:
    ``sim.trust.realcerts``) the real record: its public key, signature and CERTHASH, or with
    ``with_certificate`` the real DER where a file gave it, so the simulated files carry the
    real cluster's bytes for these records. Made once per certificate object and arguments
    (``reuse.record``): a sweep worker's runs of one seed share their certificates."""
    return reuse.record((cert, function, with_certificate, dns_name, ip_address),
                        lambda: _make_record(cert, function, with_certificate, dns_name,
                                             ip_address))


def _make_record(cert: Certificate, function: Function, with_certificate: bool,
                 dns_name: bytes, ip_address: bytes | None) -> Record:
    real = cert.real if cert.kept else None
    if real is None or (with_certificate and real.der is None):
        return trustlist.record_for(cert.cert, function, with_certificate=with_certificate,
                                    dns_name=dns_name, ip_address=ip_address)
    if with_certificate:
        assert real.der is not None
        return trustlist.record_for(x509.load_der_x509_certificate(real.der), function,
                                    with_certificate=True, dns_name=dns_name,
                                    ip_address=ip_address)
    assert real.public_key is not None and real.signature is not None
    return Record(subject_name=real.subject, issuer_name=real.issuer, function=function,
                  serial=real.serial, public_key=real.public_key, signature=real.signature,
                  cert_hash=real.sha1, hash_algorithm=1, dns_name=dns_name,
                  ip_address=ip_address)


def _recovery_record(cluster: Cluster) -> Record:
    assert cluster.itl_recovery is not None
    return record_of(cluster.itl_recovery, Function.SAST, with_certificate=True)


def build_itl(cluster: Cluster, node: Node, *, timestamp: int, signer: Certificate | None = None
              ) -> bytes:
    """``node``'s ITLFile.tlv, signed by ``signer`` (default: section 2's normal signer)."""
    return _sign_itl(itl_records(cluster, node, empty=cluster.rollback),
                     signer or itl_signer(cluster, node), timestamp)


def _sign_itl(records: list[Record] | tuple[Record, ...], signer: Certificate,
              timestamp: int) -> bytes:
    return reuse.signed(records, signer_cert=signer.cert, signer_key=signer.key,
                        filename="ITLFile.tlv", timestamp=timestamp)


def normal_itl(cluster: Cluster, node: Node, now: float) -> bytes:
    """``node``'s normally signed ITL at a TFTP start (T4), byte-identical to the previous one
    when neither its records nor its signer changed: a checksum changes only when content
    changes (T3, K1) [I: the TIMESTAMP is the time of the last content change, so a plain TFTP
    or node restart leaves phones' ITL File Status at Match, O2]."""
    signer = itl_signer(cluster, node)
    records = tuple(itl_records(cluster, node, empty=cluster.rollback))
    content = (records, signer.der)
    memo = cluster.itl_memo.get(node.name)
    if memo is not None and memo[0] == content:
        return memo[1]
    data = _sign_itl(records, signer, timestamp_at(cluster, now))
    cluster.itl_memo[node.name] = (content, data)
    return data


def ctl_signer(cluster: Cluster) -> Certificate:
    """Who signs the tokenless CTL (T7): the publisher's CallManager key on 10.x-11.x (TechNote
    118893), the ITLRecovery key from 12.0 (TechNote 214231)."""
    return itl_signer(cluster, cluster.publisher)


def ctl_records(cluster: Cluster, signer: Certificate) -> list[Record]:
    """The tokenless CTL's records as CUCM writes them (T7; compared with the real CTL in
    ``shared/testdata`` and TechNote 118893's by ``tests/test_ctl_structure.py``).

    The signer as SAST first; then a CCM+TFTP record for every node that runs CallManager or
    TFTP, CAPF, and the CTL's other root anchor as SAST (ITLRecovery when the CallManager key
    signs, 11.0+, the 10.5(1) CTL of TechNote 118893 has none; the publisher's CallManager
    when ITLRecovery signs, 12.0+: "two root anchors", FN70613), in the order their
    certificates were created (I7a: both real CTLs fit that order). Every record holds the
    full certificate, the node's short host name (DNSNAME, NUL-terminated) and its IP address;
    CAPF and ITLRecovery records carry the publisher's. TVS is not in the CTL (TechNote 214231).
    """
    publisher = cluster.publisher
    anchors = [publisher.certs[Role.CALLMANAGER]]
    if cluster.itl_recovery is not None and ctl_lists_itl_recovery(cluster.version):
        anchors.append(cluster.itl_recovery)
    rest = [(node.certs[Role.CALLMANAGER], Function.CCM_TFTP, node)
            for node in cluster.nodes.values() if node.services & {"CallManager", "TFTP"}]
    capf = publisher.certs.get(Role.CAPF)
    if capf is not None:
        rest.append((capf, Function.CAPF, publisher))
    rest += [(anchor, Function.SAST, publisher) for anchor in anchors
             if anchor.identity != signer.identity]
    rest.sort(key=lambda entry: (cluster.created[entry[0].identity], entry[1]))
    return [_ctl_record(cert, function, node)
            for cert, function, node in [(signer, Function.SAST, publisher), *rest]]


def build_ctl(cluster: Cluster, *, timestamp: int, signer: Certificate | None = None) -> bytes:
    """The cluster's CTLFile.tlv (mixed mode, T7), signed by ``signer`` (default
    ``ctl_signer``; `utils ctl reset localkey` passes the CallManager key, A12)."""
    signer = signer or ctl_signer(cluster)
    return reuse.signed(ctl_records(cluster, signer), signer_cert=signer.cert,
                        signer_key=signer.key, filename="CTLFile.tlv", timestamp=timestamp)


def _ctl_record(cert: Certificate, function: Function, node: Node) -> Record:
    return record_of(cert, function, with_certificate=True, **_address(node))


class _CtlAddress(TypedDict):
    """The keyword arguments of ``record_of`` that place a node in a CTL record."""

    dns_name: bytes
    ip_address: bytes | None


def _address(node: Node) -> _CtlAddress:
    """A CTL record's DNSNAME (the current host name, NUL-terminated, A3) and IPADDRESS."""
    ip = bytes(int(part) for part in node.ip.split(".")) if node.ip else None
    return {"dns_name": node.hostname.encode() + b"\0", "ip_address": ip}


def serve(cluster: Cluster, node: Node, *, itl: bytes, reset: bool = False,
          ctl: TrustList | None = None) -> ServedFiles:
    """The files ``node`` serves after a TFTP start (T4): ``itl`` is its normal ITL or the
    bulk-reset ITL (``reset``, A4); configs are signed with its current CallManager key."""
    return ServedFiles(node=node.name, itl=reuse.parsed(itl, path=f"{node.name}:ITLFile.tlv"),
                       ctl=ctl, reset=reset,
                       config_signer=node.certs[Role.CALLMANAGER])


def callmanager_addresses(cluster: Cluster, profile: ConfigProfile
                          ) -> tuple[tuple[str, str], ...]:
    """How a config names its CM group: each node by its IP address (I34: CUCM's System >
    Server names a node by address or host name; itlsim uses the address). A node without an
    address in the scenario is named by its FQDN in the XML and reached by its id (I9)."""
    return tuple((name, cluster.node(name).ip) for name in profile.cm_group)


def config_xml(cluster: Cluster, profile: ConfigProfile) -> bytes:
    """A small real config: CM group members in priority order, TVS list, access settings."""
    members = "".join(
        f'<member priority="{i}"><callManager><name>'
        f"{address or cluster.node(name).fqdn(cluster.domain)}"
        f"</name><ports><ethernetPhonePort>2000</ethernetPhonePort></ports></callManager>"
        f"</member>" for i, (name, address) in enumerate(callmanager_addresses(cluster, profile)))
    tvs = "".join(
        f"<member priority=\"{i}\"><address>{cluster.node(name).fqdn(cluster.domain)}</address>"
        f"<port>2445</port></member>"
        for i, name in enumerate(profile.cm_group) if "TVS" in cluster.node(name).services)
    return (
        '<?xml version="1.0" encoding="UTF-8"?><device>'
        f"<devicePool><callManagerGroup><members>{members}</members></callManagerGroup>"
        f"</devicePool><TVS><members>{tvs}</members></TVS>"
        f"<vendorConfig><settingsAccess>{int(profile.settings_access)}</settingsAccess>"
        f"<webAccess>{0 if profile.web_access else 1}</webAccess></vendorConfig></device>"
    ).encode()


def served_config(cluster: Cluster, served: ServedFiles, profile: ConfigProfile) -> SignedConfig:
    """The signed config ``served``'s node hands a phone with ``profile`` (built once per
    profile per TFTP start, P4)."""
    config = served.configs.get(profile)
    if config is None:
        config = sign_config(config_xml(cluster, profile), served.config_signer,
                             callmanager_addresses(cluster, profile))
        served.configs[profile] = config
    return config


def sign_config(xml: bytes, signer: Certificate,
                callmanagers: tuple[tuple[str, str], ...] = ()) -> SignedConfig:
    """Sign ``xml`` with ``signer``'s key: RSA PKCS#1 v1.5 / SHA-1, as ITL signatures are
    (deterministic, so signed once per process: ``reuse.signature``)."""
    signature = reuse.signature(xml, signer.key)
    return SignedConfig(xml, signer.serial, signer.issuer_name, signature, callmanagers)


def timestamp_at(cluster: Cluster, now: float) -> int:
    """The TIMESTAMP a file built at simulated second ``now`` carries (reproducible)."""
    return int(cluster.at(now).timestamp())


def start_tftp(cluster: Cluster, node: Node, now: float, *, itl: bytes | None = None) -> None:
    """Start (or restart) TFTP on ``node``: rebuild its files from current certificates (T4).

    ``itl`` replaces the built ITL with the bulk-reset ITL that `utils itl reset` copied to the
    node (A4); it is served until the next plain start (A6).
    """
    ctl = reuse.parsed(cluster.ctl_bytes, path="CTLFile.tlv") if cluster.ctl_bytes else None
    data = itl if itl is not None else normal_itl(cluster, node, now)
    cluster.served[node.name] = serve(cluster, node, itl=data, reset=itl is not None, ctl=ctl)
    cluster.itl_hashes[node.name] = hashlib.sha1(data).digest()  # O2: kept per TFTP server
    node.running.add("TFTP")
    cluster.touch()


def stop_tftp(cluster: Cluster, node: Node) -> None:
    """Stop TFTP on ``node``: it serves nothing until started again."""
    cluster.served.pop(node.name, None)
    node.running.discard("TFTP")
    cluster.touch()


def start_all(cluster: Cluster, now: float = 0.0) -> None:
    """Bring a freshly built cluster up: CTL in mixed mode, TVS started on every TVS node (P5b),
    TFTP on every TFTP node."""
    if cluster.security_mode == "mixed":
        cluster.ctl_bytes = build_ctl(cluster, timestamp=timestamp_at(cluster, now))
    for node in cluster.nodes_with("TVS"):
        cluster.start_tvs(node)
    for node in cluster.nodes_with("TFTP"):
        start_tftp(cluster, node, now)
