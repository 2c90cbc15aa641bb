"""Mixed mode: the CTL, and phones that authenticate ITLs through it (P3, T1)."""

from __future__ import annotations

from engine_helpers import PUB, SUB, boot, context, do, make_cluster, served_bytes

from sim.cluster import itlrecovery as rec
from sim.cluster import operations as ops
from sim.cluster.phone import PhoneTrust
from sim.trust.certificates import Role
from sim.trust.trustlist import Function
from sim.trust.verify import Verifier

GROUP = ("pub", "sub")


def _mixed(version="10.0(1)"):
    """A 2-node cluster with a phone that trusted it before mixed mode was set."""
    cluster = make_cluster(version, (PUB, SUB))
    phone = PhoneTrust()
    boot(phone, cluster, "pub", 0, cm_group=GROUP)
    outcome = do(cluster, ops.set_mixed_mode(cluster, True, 100), 100)
    assert outcome.done and outcome.message == "The CTL file was generated successfully"
    assert [e.kind for e in outcome.effects] == ["restart_tftp", "reset_phones"]
    return cluster, phone


def test_P3_set_mixed_mode_builds_a_ctl_served_by_every_tftp_node():
    cluster, _ = _mixed()
    ctl = cluster.served["pub"].ctl
    assert ctl is not None and ctl.kind == "CTL" and ctl.filename == "CTLFile.tlv"
    assert cluster.served["sub"].ctl.raw == ctl.raw  # one CTL per cluster


def test_P3_T7_ctl_records_are_ccm_tftp_with_host_name_and_ip():
    cluster, _ = _mixed()
    ctl = cluster.served["pub"].ctl
    ccm = [r for r in ctl.records if r.function == Function.CCM_TFTP]
    assert [r.dns_name for r in ccm] == [b"pub\0", b"sub\0"]
    assert [r.ip_address for r in ccm] == [bytes([10, 0, 0, 10]), bytes([10, 0, 0, 11])]
    assert all(r.certificate is not None for r in ctl.records)
    # 10.x: one SAST, the publisher's CallManager, as TechNote 118893's 10.5(1) CTL (T7)
    assert [r.function for r in ctl.records] == [Function.SAST, Function.CCM_TFTP,
                                                 Function.CAPF, Function.CCM_TFTP]


def test_T1_mixed_mode_itl_tftp_record_becomes_ccm_tftp():
    cluster, _ = _mixed()
    for served in cluster.served.values():
        functions = [r.function for r in served.itl.records]
        assert Function.CCM_TFTP in functions and Function.TFTP not in functions
    do(cluster, ops.set_mixed_mode(cluster, False, 200), 200)
    assert cluster.served["pub"].ctl is None
    assert Function.TFTP in [r.function for r in cluster.served["pub"].itl.records]


def test_P3_phone_with_the_ctl_authenticates_the_new_itl_through_the_ctl():
    cluster, phone = _mixed()
    result = boot(phone, cluster, "pub", 200, cm_group=GROUP)
    assert result.ctl.via == "first-use"
    assert (result.itl.accepted, result.itl.via) == (True, "ctl")
    assert (result.config.accepted, result.config.via) == (True, "itl")
    assert phone.ctl is cluster.served["pub"].ctl


def test_P3_phone_with_only_a_ctl_authenticates_the_itl_through_it():
    cluster, _ = _mixed()
    phone = PhoneTrust(ctl=cluster.served["sub"].ctl)
    decision = phone.decide_itl(cluster.served["sub"].itl, context(cluster, GROUP), Verifier(), 1)
    assert (decision.accepted, decision.via) == (True, "ctl")


def test_P3a_a_ctl_no_sast_signed_is_checked_with_tvs_which_does_not_know_another_cluster():
    cluster, phone = _mixed()
    boot(phone, cluster, "pub", 200, cm_group=GROUP)
    other, _ = _mixed()
    other_ctl = make_cluster("10.0(1)", (PUB, SUB), seed=2, security_mode="mixed")
    ctx = context(cluster, GROUP)
    decision = phone.decide_ctl(other_ctl.served["pub"].ctl, ctx, Verifier(), 300)
    assert decision.reason == "ctl-signer-unknown,tvs-unknown-cert"
    assert phone.decide_ctl(other.served["pub"].ctl, ctx, Verifier(), 300).via == "unchanged"


def test_P3a_after_a_publisher_callmanager_change_the_new_ctl_is_accepted_through_tvs():
    """TechNote 118893, "Certificate Regeneration for Tokenless CTL Solution": the new CTL is
    signed by a certificate the installed CTL lacks; the phone asks TVS and installs it."""
    cluster, phone = _mixed()
    boot(phone, cluster, "pub", 200, cm_group=GROUP)
    ctl = cluster.ctl_bytes
    do(cluster, ops.regen_cert(cluster, "pub", Role.CALLMANAGER, 1000), 1000)
    assert cluster.ctl_bytes == ctl  # the CTL changes only with utils ctl update CTLFile
    result = boot(phone, cluster, "pub", 1100, cm_group=GROUP)
    assert (result.itl.accepted, result.itl.via) == (True, "tvs")  # the CTL lacks the new CM
    update = do(cluster, ops.ctl_update(cluster, 1200), 1200)
    assert update.done and cluster.ctl_bytes != ctl
    after = boot(phone, cluster, "pub", 1300, cm_group=GROUP)
    assert (after.ctl.accepted, after.ctl.via) == (True, "tvs")
    assert phone.ctl.raw == cluster.ctl_bytes


def test_P3b_a_phone_without_security_by_default_keeps_its_ctl_and_stops_working():
    """TechNote 118893: 7940/7960 and Jabber lack Security by Default; after a publisher
    CallManager change they refuse the new CTL and its configs until the CTL is deleted."""
    cluster, _ = _mixed()
    legacy = PhoneTrust(itl_support=False)
    first = boot(legacy, cluster, "pub", 200, cm_group=GROUP)
    assert first.ctl.via == "first-use" and legacy.ctl is cluster.served["pub"].ctl
    assert (first.itl.via, first.config.via) == ("no-itl-support", "ctl")
    do(cluster, ops.regen_cert(cluster, "pub", Role.CALLMANAGER, 1000), 1000)
    do(cluster, ops.ctl_update(cluster, 1200), 1200)
    after = boot(legacy, cluster, "pub", 1300, cm_group=GROUP)
    assert after.ctl.reason == "ctl-signer-unknown,no-security-by-default"
    assert after.config.reason == "config-signer-unknown,no-security-by-default"
    legacy.erase()  # the CTL deleted by hand
    assert boot(legacy, cluster, "pub", 1400, cm_group=GROUP).ctl.via == "first-use"


def test_P6a_the_empty_itl_blanks_the_itl_only_the_ctl_still_applies():
    """TechNote 213407 (Caution): the rollback parameter "only blanks out the ITL file"; a new
    CTL from an unknown signer still needs TVS, whose TLS needs a TVS record the empty ITL
    lacks: the handshake fails."""
    cluster, phone = _mixed("10.5")
    boot(phone, cluster, "pub", 200, cm_group=GROUP)
    do(cluster, ops.set_rollback(cluster, True, 300), 300)
    assert boot(phone, cluster, "pub", 400, cm_group=GROUP).itl.via == "ctl"
    do(cluster, ops.change_domain(cluster, "new.example", 1000), 1000)
    do(cluster, ops.ctl_update(cluster, 1100), 1100)
    after = boot(phone, cluster, "pub", 1200, cm_group=GROUP)
    assert after.ctl.reason == "ctl-signer-unknown,tvs-untrusted"
    assert (after.itl.accepted, after.itl.via) == (True, "empty-itl")  # P6 for the ITL itself


def test_P3_section2_12x_ctl_update_after_callmanager_regen_accepted_via_sast():
    cluster, phone = _mixed("12.5")
    boot(phone, cluster, "pub", 200, cm_group=GROUP)
    do(cluster, ops.regen_cert(cluster, "pub", Role.CALLMANAGER, 1000), 1000)
    do(cluster, ops.ctl_update(cluster, 1200), 1200)
    result = boot(phone, cluster, "pub", 1300, cm_group=GROUP)
    assert result.ctl.via == "sast" and result.itl.via == "ctl"


def test_A3_P3_ctl_update_after_a_hostname_change_carries_the_new_host_name():
    cluster, _ = _mixed()
    do(cluster, ops.change_hostname(cluster, "sub", "subnew", 1000), 1000)
    do(cluster, ops.ctl_update(cluster, 1100), 1100)
    names = [r.dns_name for r in cluster.served["pub"].ctl.records
             if r.function == Function.CCM_TFTP]
    assert names == [b"pub\0", b"subnew\0"]


def test_P3_ctl_update_refused_in_non_secure_mode_nothing_changes():
    cluster = make_cluster("10.0(1)")
    files = served_bytes(cluster)
    outcome = ops.ctl_update(cluster, 10)
    assert not outcome.done and cluster.ctl_bytes is None and served_bytes(cluster) == files


def test_P3_section2_12x_ctl_signed_by_itlrecovery():
    cluster, phone = _mixed("12.5")
    ctl = cluster.served["pub"].ctl
    assert ctl.signer_name.startswith("CN=ITLRECOVERY_pub.lab.example;")
    assert boot(phone, cluster, "pub", 200, cm_group=GROUP).itl.via == "ctl"


def test_A12_ctl_reset_localkey_signs_with_the_callmanager_key_and_lists_the_new_itlrecovery():
    """CLI Reference 12.5(1) "utils ctl reset localkey": after an ITLRecovery change the CTL is
    re-signed by the CallManager key (the secondary SAST), which phones hold, and lists the new
    ITLRecovery; `utils ctl update CTLFile` then signs with ITLRecovery again."""
    cluster, phone = _mixed("12.5")
    boot(phone, cluster, "pub", 200, cm_group=GROUP)
    do(cluster, ops.regen_cert(cluster, "pub", Role.ITLRECOVERY, 1000), 1000)
    do(cluster, ops.ctl_update(cluster, 1100), 1100)
    locked = boot(phone, cluster, "pub", 1200, cm_group=GROUP)
    assert locked.ctl.reason == "ctl-signer-unknown,tvs-unknown-cert"  # P5b: TVS not restarted
    reset = do(cluster, rec.ctl_reset_localkey(cluster, "pub", 1300), 1300)
    assert reset.done and [e.kind for e in reset.effects] == ["restart_tftp"]
    ctl = cluster.served["pub"].ctl
    assert ctl.signer_name.startswith("CN=pub.lab.example;")
    assert any(r.serial == cluster.itl_recovery.serial for r in ctl.records)
    assert boot(phone, cluster, "pub", 1400, cm_group=GROUP).ctl.via == "sast"
    do(cluster, ops.ctl_update(cluster, 1500), 1500)
    assert boot(phone, cluster, "pub", 1600, cm_group=GROUP).ctl.via == "sast"
    assert phone.ctl.signer_name.startswith("CN=ITLRECOVERY_pub.lab.example;")


def test_A12_ctl_reset_localkey_refused_on_a_subscriber_before_12_and_in_non_secure_mode():
    cluster, _ = _mixed("12.5")
    ctl = cluster.ctl_bytes
    assert rec.ctl_reset_localkey(cluster, "sub", 10).message == "This is not a publisher node"
    assert "12.0" in rec.ctl_reset_localkey(_mixed("11.5")[0], "pub", 10).message
    assert "not in mixed mode" in rec.ctl_reset_localkey(make_cluster("12.5"), "pub", 10).message
    assert cluster.ctl_bytes == ctl
