"""Mixed mode: the CTL, and phones that authenticate ITLs through it (P3, T1)."""

from __future__ import annotations

from engine_helpers import PUB, SUB, boot, context, do, make_cluster, served_bytes

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


def test_P3_ctl_records_are_ccm_tftp_with_host_name_and_ip():
    cluster, _ = _mixed()
    ctl = cluster.served["pub"].ctl
    ccm = [r for r in ctl.records if r.function == Function.CCM_TFTP]
    assert [r.dns_name for r in ccm] == [b"pub\0", b"sub\0"]
    assert [r.ip_address for r in ccm] == [bytes([10, 0, 0, 10]), bytes([10, 0, 0, 11])]
    assert all(r.certificate is not None for r in ctl.records)
    functions = [r.function for r in ctl.records]
    assert functions.count(Function.SAST) == 2 and Function.CAPF in functions


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


def test_P3_new_ctl_must_be_signed_by_a_sast_of_the_installed_ctl():
    cluster, phone = _mixed()
    boot(phone, cluster, "pub", 200, cm_group=GROUP)
    other, _ = _mixed()
    other_ctl = make_cluster("10.0(1)", (PUB, SUB), seed=2, security_mode="mixed")
    decision = phone.decide_ctl(other_ctl.served["pub"].ctl, Verifier())
    assert decision.reason == "ctl-signer-unknown"
    assert phone.decide_ctl(other.served["pub"].ctl, Verifier()).via == "unchanged"  # same seed


def test_P3_ctl_not_rebuilt_by_a_regen_until_ctl_update():
    cluster, phone = _mixed()
    boot(phone, cluster, "pub", 200, cm_group=GROUP)
    ctl = cluster.ctl_bytes
    do(cluster, ops.regen_cert(cluster, "pub", Role.CALLMANAGER, 1000), 1000)
    assert cluster.ctl_bytes == ctl
    result = boot(phone, cluster, "pub", 1100, cm_group=GROUP)
    assert (result.itl.accepted, result.itl.via) == (True, "tvs")  # the CTL lacks the new CM
    update = do(cluster, ops.ctl_update(cluster, 1200), 1200)
    assert update.done and cluster.ctl_bytes != ctl
    # 10.x signs the CTL with the publisher's CallManager key: the updated CTL's signer is not
    # a SAST of the installed CTL, so the phone keeps its old CTL [I] (12.0+: ITLRecovery).
    after = boot(phone, cluster, "pub", 1300, cm_group=GROUP)
    assert after.ctl.reason == "ctl-signer-unknown" and phone.ctl.raw == ctl


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
