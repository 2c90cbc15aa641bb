"""The tokenless CTL as CUCM builds it (T7, I7a), compared record by record with the two real
CTLs in the sources: ``shared/testdata/cucm-ctl-gigantic6.tlv`` (a 2015 lab) and the 10.5(1)
``show ctl`` of TechNote 118893 "Migrate CUCM Mixed Mode with Tokenless CTL".

Compared per record: FUNCTION, DNSNAME, IPADDRESS, whether the full certificate is there (and
no CERTHASH), the element order, and the common name's kind (host, CAPF, ITLRecovery).
"""

from __future__ import annotations

from pathlib import Path

from engine_helpers import do, spec_from

from sim.cluster import operations as ops
from sim.cluster import tftp
from sim.cluster.cluster import Cluster
from sim.trust import trustlist
from sim.trust.certificates import Role
from sim.trust.trustlist import Function, Record, TrustList, record_elements

BITS = "key_bits = { CallManager = 1024, TVS = 1024, CAPF = 1024, ITLRecovery = 1024 }"


def _toml(version: str, nodes: list[tuple[str, str, str]]) -> str:
    lines = ["[cluster]", 'name = "lab"', f'version = "{version}"', 'domain = "cisco.com"',
             "issued = 2015-01-05T09:00:00Z", "[cluster.organisation]",
             'ou = "VTG"', 'o = "Alpha"', 'l = "SJ"', 'st = "CA"', 'c = "US"']
    for i, (name, ip, services) in enumerate(nodes):
        lines += ["[[cluster.nodes]]", f'name = "{name}"', f'ip = "{ip}"',
                  f'role = "{"publisher" if i == 0 else "subscriber"}"',
                  f"services = {services}", BITS]
        if i == 0:
            lines.append('capf_name = "CAPF-2076a1a2"')
    return "\n".join(lines) + "\n"


def _shape(record: Record) -> tuple[object, ...]:
    """What a CTL record is made of, apart from keys and serials."""
    cn = record.subject_name.split(";")[0].removeprefix("CN=")
    kind = "capf" if cn.startswith("CAPF-") else "itlrecovery" if cn.startswith(
        "ITLRECOVERY_") else cn
    dns = None if record.dns_name is None else record.dns_name.rstrip(b"\0").decode()
    ip = None if record.ip_address is None else ".".join(map(str, record.ip_address))
    tags = tuple(tag for tag, _ in record_elements(record))
    return (record.function, dns, ip, record.certificate is not None,
            record.cert_hash is None, tags, kind)


def _signer_index(tl: TrustList) -> int:
    signer = trustlist.signer_record(tl)
    return next(i for i, r in enumerate(tl.records) if r is signer)


PUB_SERVICES = '["CallManager", "TFTP", "TVS", "CAPF"]'
SUB_SERVICES = '["CallManager", "TFTP", "TVS"]'


def test_T7_I7a_a_ctl_built_for_the_gigantic6_cluster_has_the_real_ctls_structure(
        real_ctl: Path) -> None:
    """The lab's history as its certificates tell it: three nodes installed under 9.x, CAPF
    regenerated later, the 10.x-or-later upgrade creating ITLRecovery, ccm-sjcctg-013's
    CallManager certificate made after that (its OU matches ITLRecovery's). Records in
    creation order reproduce the file's order, names and addresses exactly."""
    nodes = [("gigantic-6", "10.35.48.106", PUB_SERVICES),
             ("gigantic-7", "10.35.150.151", SUB_SERVICES),
             ("ccm-sjcctg-013", "10.32.134.77", SUB_SERVICES)]
    cluster = Cluster.from_spec(spec_from(_toml("9.1", nodes)), seed=6)
    tftp.start_all(cluster)
    assert ops.regen_cert(cluster, "gigantic-6", Role.CAPF, 100).done
    do(cluster, ops.upgrade(cluster, (11, 0), 200), 200)
    assert ops.regen_cert(cluster, "ccm-sjcctg-013", Role.CALLMANAGER, 300).done
    do(cluster, ops.set_mixed_mode(cluster, True, 400), 400)
    built = cluster.served["gigantic-6"].ctl
    real = trustlist.read(real_ctl)
    assert [_shape(r) for r in built.records] == [_shape(r) for r in real.records]
    assert _signer_index(built) == _signer_index(real) == 0  # the CallManager key signs
    assert [r.function for r in real.records] == [
        Function.SAST, Function.CCM_TFTP, Function.CCM_TFTP, Function.CAPF, Function.SAST,
        Function.CCM_TFTP]
    # the real file's elements: DNSNAME second, IPADDRESS last, no CERTHASH on any record
    assert all(_shape(r)[5] == (1, 2, 3, 4, 5, 6, 7, 8, 9, 10) for r in real.records)


def test_T7_tn118893_10_5_ctl_has_no_itlrecovery_and_capf_before_the_subscriber() -> None:
    """TechNote 118893's `show ctl` on 10.5(1): System Administrator Security Token (the
    publisher, signer), CCM+TFTP publisher, CAPF, CCM+TFTP subscriber; no ITLRecovery."""
    nodes = [("cucm-1051-a-pub", "10.48.47.10", PUB_SERVICES),
             ("cucm-1051-a-sub1", "10.48.47.11", SUB_SERVICES)]
    cluster = Cluster.from_spec(spec_from(_toml("10.5(1)", nodes)), seed=1)
    tftp.start_all(cluster)
    do(cluster, ops.set_mixed_mode(cluster, True, 10), 10)
    ctl = cluster.served["cucm-1051-a-pub"].ctl
    assert [(r.function, _shape(r)[1], _shape(r)[6]) for r in ctl.records] == [
        (Function.SAST, "cucm-1051-a-pub", "cucm-1051-a-pub.cisco.com"),
        (Function.CCM_TFTP, "cucm-1051-a-pub", "cucm-1051-a-pub.cisco.com"),
        (Function.CAPF, "cucm-1051-a-pub", "capf"),
        (Function.CCM_TFTP, "cucm-1051-a-sub1", "cucm-1051-a-sub1.cisco.com")]
    assert _signer_index(ctl) == 0


def test_T7_itlrecovery_record_from_11_0_and_12_0_signs_with_it_keeping_callmanager_as_sast(
        ) -> None:
    """11.x: ITLRecovery is the CTL's second SAST (Security Guide 11.5(1) "Cisco CTL Client
    Setup"); 12.0+: ITLRecovery signs and the publisher's CallManager is the other root anchor
    (TechNote 214231; FN70613 "two root anchors"). TVS is never in the CTL."""
    nodes = [("pub", "10.0.0.10", PUB_SERVICES), ("sub", "10.0.0.11", SUB_SERVICES)]
    for version, signer_kind in (("11.5", "pub.cisco.com"), ("12.5", "itlrecovery")):
        cluster = Cluster.from_spec(spec_from(_toml(version, nodes)), seed=1)
        tftp.start_all(cluster)
        do(cluster, ops.set_mixed_mode(cluster, True, 10), 10)
        ctl = cluster.served["pub"].ctl
        sast = [_shape(r)[6] for r in ctl.records if r.function == Function.SAST]
        assert sorted(sast) == ["itlrecovery", "pub.cisco.com"]
        assert _shape(ctl.records[_signer_index(ctl)])[6] == signer_kind
        assert Function.TVS not in [r.function for r in ctl.records]
