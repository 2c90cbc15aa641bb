"""12.x and later: one ITLRecovery per cluster (T8), "Phone Interaction on Certificate Update"
for ITLRecovery (A1c), who signs a bulk-reset ITL (A4a, I29, I30), TVS and its restarts (P5b),
forgotten certificates (I11), an IP-only change (A3a, I9), firmware that sends DeviceTLInfo
(O2a), with real signatures."""

from __future__ import annotations

import datetime as dt

from engine_helpers import PUB, SUB, boot, do, make_cluster

from sim.cluster import itlrecovery as rec
from sim.cluster import observe
from sim.cluster import operations as ops
from sim.cluster.assumptions import (
    CALLMANAGER_KEY,
    DOCUMENTED,
    NODE_CALLMANAGER,
    Assumptions,
)
from sim.cluster.cluster import SftpServer
from sim.cluster.phone import PhoneTrust
from sim.cluster.versions import parse_firmware, sends_devicetlinfo
from sim.trust.certificates import Role

GROUP = ("pub", "sub")
LOGIN = rec.SftpLogin("backup.lab", "admin", "/ITLRecovery.p12", "sftp-secret")


def _years(cert) -> float:
    return (cert.cert.not_valid_after_utc - cert.cert.not_valid_before_utc).days / 365.25


def _booted(cluster, node: str) -> PhoneTrust:
    phone = PhoneTrust()
    boot(phone, cluster, node, 0, cm_group=GROUP)
    return phone


# -- T8: ITLRecovery ---------------------------------------------------------------------------

def test_T8_from_12_5_one_itlrecovery_per_cluster_valid_20_years():
    """TechNote 214231: "Beginning in 12.5+, the ITLRecovery is a single certificate generated
    by the publisher and distributed to the subscribers"; Security Guide 12.5(1): a fresh or
    regenerated ITLRecovery certificate is valid 20 years."""
    cluster = make_cluster("12.5", (PUB, SUB))
    pub, sub = cluster.node("pub"), cluster.node("sub")
    assert sub.certs[Role.ITLRECOVERY] is pub.certs[Role.ITLRECOVERY]
    assert round(_years(cluster.itl_recovery)) == 20
    assert round(_years(pub.certs[Role.CALLMANAGER])) == 5


def test_T8_before_12_5_one_itlrecovery_per_node_valid_5_years_only_the_publishers_used():
    cluster = make_cluster("11.5", (PUB, SUB))
    pub, sub = cluster.node("pub"), cluster.node("sub")
    assert sub.certs[Role.ITLRECOVERY].identity != pub.certs[Role.ITLRECOVERY].identity
    assert round(_years(cluster.itl_recovery)) == 5
    names = {r.subject_name for r in cluster.served["sub"].itl.records}
    assert cluster.itl_recovery.subject_name in names
    assert sub.certs[Role.ITLRECOVERY].subject_name not in names


def test_T8_an_upgrade_to_12_5_keeps_the_publishers_5_year_certificate_for_every_node():
    """Security Guide 12.5(1): the validity "continues to be 5 years if you upgrade"."""
    cluster = make_cluster("11.5", (PUB, SUB))
    old = cluster.itl_recovery
    do(cluster, ops.upgrade(cluster, (12, 5), 100), 100)
    assert cluster.itl_recovery is old and cluster.node("sub").certs[Role.ITLRECOVERY] is old
    assert round(_years(old)) == 5
    assert ops.regen_cert(cluster, "pub", Role.ITLRECOVERY, 200).done
    new = cluster.itl_recovery
    assert round(_years(new)) == 20 and cluster.node("sub").certs[Role.ITLRECOVERY] is new


def test_T8_on_12_5_a_subscriber_refuses_to_regenerate_itlrecovery_nothing_changes():
    cluster = make_cluster("12.5", (PUB, SUB))
    before = cluster.itl_recovery
    outcome = ops.regen_cert(cluster, "sub", Role.ITLRECOVERY, 10)
    assert not outcome.done and "publisher" in outcome.message
    assert cluster.itl_recovery is before
    assert ops.regen_cert(make_cluster("11.5", (PUB, SUB)), "sub", Role.ITLRECOVERY, 10).done


# -- A1c: 14+ resets phones for ITLRecovery too ------------------------------------------------

def test_A1c_14_resets_phones_after_an_itlrecovery_regeneration_12_5_does_not():
    """TechNote 221070: the 14 parameter resets phones "when one of the TVS, CAPF, or TFTP
    (CallManager/ITLRecovery) certificates are updated"; the ITL itself changes only when TFTP
    restarts (T4, A8)."""
    on14 = ops.regen_cert(make_cluster("14"), "pub", Role.ITLRECOVERY, 0)
    assert [e.kind for e in on14.effects] == ["reset_phones"]
    assert ops.regen_cert(make_cluster("12.5"), "pub", Role.ITLRECOVERY, 0).effects == ()
    quiet = make_cluster("14")
    ops.set_phone_interaction(quiet, False, 0)
    assert ops.regen_cert(quiet, "pub", Role.ITLRECOVERY, 10).effects == ()


def test_A1c_A8_itlrecovery_regeneration_with_restart_tftp_restarts_tvs_then_tftp():
    """TechNote 214231's ITLRecovery steps: restart TVS (publisher first), then TFTP."""
    cluster = make_cluster("14", (PUB, SUB))
    outcome = ops.regen_cert(cluster, "pub", Role.ITLRECOVERY, 0, restart_tftp=True)
    assert [e.kind for e in outcome.effects] == ["restart_tvs", "restart_tftp", "reset_phones"]
    other = make_cluster("14", (PUB, SUB))
    phone = _booted(other, "pub")
    do(other, ops.regen_cert(other, "pub", Role.ITLRECOVERY, 10, restart_tftp=True), 10)
    assert boot(phone, other, "pub", 20, cm_group=GROUP).itl.via == "tvs"


# -- A4a, I29, I30: who signs the reset ITL ---------------------------------------------------

def test_A4a_I29_12x_localkey_signs_the_publishers_itl_with_its_callmanager_key():
    """CLI Reference 12.5(1): localkey takes the publisher's ITL and signs it with the
    CallManager key. A phone whose ITL came from the subscriber lists the subscriber's
    CallManager as SAST, not the publisher's: it needs TVS (I29)."""
    cluster = make_cluster("12.5", (PUB, SUB))
    from_pub, from_sub = _booted(cluster, "pub"), _booted(cluster, "sub")
    assert observe.recoverable_by_bulk_reset(from_pub, cluster, cluster.node("pub"))
    assert not observe.recoverable_by_bulk_reset(from_sub, cluster, cluster.node("sub"))
    rec.itl_reset(cluster, "pub", 100)
    served = cluster.served["sub"].itl
    assert served.raw == cluster.served["pub"].itl.raw
    assert served.signer_name.startswith("CN=pub.lab.example;")
    assert boot(from_pub, cluster, "sub", 200, cm_group=GROUP).itl.via == "sast"
    assert boot(from_sub, cluster, "sub", 200, cm_group=GROUP).itl.via == "tvs"


def test_I29_assumption_node_callmanager_each_node_re_signs_its_own_itl():
    cluster = make_cluster("12.5", (PUB, SUB),
                           assumptions=Assumptions(reset_itl_signer_12x=NODE_CALLMANAGER))
    from_sub = _booted(cluster, "sub")
    assert observe.recoverable_by_bulk_reset(from_sub, cluster, cluster.node("sub"))
    outcome = rec.itl_reset(cluster, "pub", 100)
    assert "signed by pub.lab.example, sub.lab.example" in outcome.message
    assert cluster.served["sub"].itl.signer_name.startswith("CN=sub.lab.example;")
    assert boot(from_sub, cluster, "sub", 200, cm_group=GROUP).itl.via == "sast"


def _rebuilt_12x(assumptions: Assumptions = DOCUMENTED):
    cluster = make_cluster("12.5", (PUB, SUB), assumptions=assumptions)
    cluster.sftp["backup.lab"] = SftpServer("backup.lab", "admin", "sftp-secret")
    rec.backup_itlrecovery(cluster, "pub", LOGIN, 0)
    phone = _booted(cluster, "pub")
    saved = cluster.itl_recovery
    do(cluster, rec.rebuild_publisher(cluster, 1000), 1000)
    assert cluster.itl_recovery.identity != saved.identity
    return cluster, phone, saved


def test_A4a_I30_12x_remotekey_signs_with_the_restored_itlrecovery_key():
    """CLI Reference 12.5(1): remotekey "signs the newly generated ITL file with the recovery
    private key" it imported; from 12.5 the restored certificate is every node's (T8)."""
    cluster, phone, saved = _rebuilt_12x()
    outcome = rec.itl_reset(cluster, "pub", 1100, login=LOGIN)
    assert outcome.done and f"signed by {saved.common_name}" in outcome.message
    assert cluster.node("sub").certs[Role.ITLRECOVERY].identity == saved.identity
    result = boot(phone, cluster, "pub", 1200, cm_group=("pub",))
    assert (result.itl.accepted, result.itl.via) == (True, "sast")


def test_I30_assumption_remotekey_signs_with_callmanager_as_localkey_does():
    cluster, phone, _ = _rebuilt_12x(Assumptions(remotekey_signer=CALLMANAGER_KEY))
    outcome = rec.itl_reset(cluster, "pub", 1100, login=LOGIN)
    assert "signed by pub.lab.example" in outcome.message
    # the rebuilt publisher's CallManager key is new to the phone, its TVS too: locked
    result = boot(phone, cluster, "pub", 1200, cm_group=("pub",))
    assert result.itl.reason == "itl-signer-unknown,tvs-untrusted"


# -- I11: forgetting superseded certificates ---------------------------------------------------

def test_I11_tvs_forgets_a_regenerated_certificate_unless_the_assumption_says_otherwise():
    for forgets in (True, False):
        cluster = make_cluster("10.5", (PUB, SUB),
                               assumptions=Assumptions(tvs_forgets_superseded=forgets))
        old = cluster.node("sub").certs[Role.CALLMANAGER]
        do(cluster, ops.regen_cert(cluster, "sub", Role.CALLMANAGER, 10), 10)
        assert (old.identity in cluster.tvs_view(cluster.node("pub"))) is not forgets


# -- A3a, I9: IP address change ---------------------------------------------------------------

def test_A3a_an_ip_change_keeps_every_certificate_and_restarts_the_node():
    """TechNote 118893 names hostname, domain and regeneration as what changes the CallManager
    certificate; certificates carry the host name, not the address."""
    cluster = make_cluster("12.5", (PUB, SUB))
    phone = _booted(cluster, "sub")
    certs = {role: cert.identity for role, cert in cluster.node("sub").certs.items()}
    outcome = do(cluster, ops.change_ip(cluster, "sub", "10.0.1.11", 10), 10)
    assert outcome.done and "certificates are unchanged" in outcome.message
    assert [(e.kind, e.nodes) for e in outcome.effects] == [("restart_tvs", ("sub",)),
                                                            ("restart_tftp", ("sub",))]
    assert {r: c.identity for r, c in cluster.node("sub").certs.items()} == certs
    assert boot(phone, cluster, "sub", 20, cm_group=GROUP).reasons == ("unchanged", "itl")


def test_I9_assumption_ip_change_regenerates_like_a_hostname_change():
    cluster = make_cluster("10.5", (PUB, SUB),
                           assumptions=Assumptions(ip_change_regenerates_certificates=True))
    phone = _booted(cluster, "sub")
    old = cluster.node("sub").certs[Role.CALLMANAGER]
    outcome = do(cluster, ops.change_ip(cluster, "sub", "10.0.1.11", 10), 10)
    assert "certificates regenerated" in outcome.message
    assert cluster.node("sub").certs[Role.CALLMANAGER].identity != old.identity
    assert "reset_phones" in [e.kind for e in outcome.effects]
    assert boot(phone, cluster, "sub", 20, cm_group=GROUP).itl.via == "tvs"


def test_T8_regeneration_dates_follow_the_simulated_clock():
    cluster = make_cluster("12.5")
    ops.regen_cert(cluster, "pub", Role.ITLRECOVERY, 3600)
    start = cluster.itl_recovery.cert.not_valid_before_utc
    assert start == cluster.issued + dt.timedelta(hours=1)


def test_O2a_firmware_versions_and_load_names():
    """DeviceTLInfo from firmware 9.4(1) (seed): versions as Cisco writes them or load names."""
    assert parse_firmware("9.4(2)SR3") == (9, 4, 2) and parse_firmware("12.8(1)") == (12, 8, 1)
    assert parse_firmware("14.1") == (14, 1, 0)
    assert parse_firmware("sip88xx.14-2-1-0001-14") == (14, 2, 1)
    assert parse_firmware("SCCP42.9-3-1SR4-1S") == (9, 3, 1)
    assert sends_devicetlinfo((9, 4, 1)) and not sends_devicetlinfo((9, 3, 4))
    assert not sends_devicetlinfo((9, 4, 0))
