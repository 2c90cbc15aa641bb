"""The cluster across versions (section 2), enterprise parameters (A1b, A9), TFTP files (T1-T4),
TVS's knowledge (P5) and the audit log."""

from __future__ import annotations

import pytest
from engine_helpers import PUB, SUB, boot, certs_der, context, do, make_cluster, served_bytes

from sim.cluster import itlrecovery as rec
from sim.cluster import operations as ops
from sim.cluster import tftp
from sim.cluster.phone import PhoneTrust
from sim.trust import trustlist
from sim.trust.certificates import Role
from sim.trust.trustlist import Function
from sim.trust.verify import Verifier

# version -> (normal ITL signer, bulk-reset ITL signer or None when `utils itl reset` is refused)
MATRIX = {
    "9.1": ("CallManager", None),
    "10.5": ("CallManager", "ITLRecovery"),
    "11.5": ("CallManager", "ITLRecovery"),
    "12.5": ("ITLRecovery", "CallManager"),
    "14": ("ITLRecovery", "CallManager"),
}


def _signer_role(cluster, tl) -> str:
    for role in (Role.CALLMANAGER, Role.ITLRECOVERY):
        cert = cluster.publisher.certs.get(role)
        if cert is not None and (cert.serial, cert.issuer_name) == (tl.signer_serial, tl.ca_name):
            return role.value
    return "?"


@pytest.mark.parametrize("version", MATRIX)
def test_section2_who_signs_the_normal_and_the_reset_itl(version):
    normal, reset = MATRIX[version]
    cluster = make_cluster(version)
    itl = cluster.served["pub"].itl
    assert _signer_role(cluster, itl) == normal
    recovery = [r for r in itl.records if r.subject_name.startswith("CN=ITLRECOVERY_")]
    assert len(recovery) == (0 if reset is None else 1)  # T1: ITLRecovery SAST from 10.0
    assert all(r.function == Function.SAST for r in recovery)
    outcome = rec.itl_reset(cluster, "pub", 10)
    assert outcome.done == (reset is not None)
    if reset is not None:
        assert _signer_role(cluster, cluster.served["pub"].itl) == reset
        assert cluster.served["pub"].reset


@pytest.mark.parametrize("version", ["10.5", "12.5"])
def test_section2_A4_phones_accept_the_reset_itl_via_sast(version):
    cluster = make_cluster(version)
    phone = PhoneTrust()
    boot(phone, cluster, "pub", 0)
    rec.itl_reset(cluster, "pub", 10)
    assert boot(phone, cluster, "pub", 20).itl.via == "sast"


def test_A1b_K8_phone_interaction_parameter_refused_before_14():
    cluster = make_cluster("12.5")
    outcome = ops.set_phone_interaction(cluster, False, 0)
    assert not outcome.done and cluster.phone_interaction_on_cert_update
    regen = ops.regen_cert(cluster, "pub", Role.CALLMANAGER, 10)
    assert "reset_phones" in [e.kind for e in regen.effects]


def test_A1b_K8_on_14_with_the_parameter_off_a_regen_resets_no_phones():
    cluster = make_cluster("14", (PUB, SUB))
    on = ops.regen_cert(cluster, "sub", Role.CALLMANAGER, 0)
    assert [e.kind for e in on.effects] == ["restart_tvs", "restart_tftp", "reset_phones"]
    assert ops.set_phone_interaction(cluster, False, 10).done
    off = ops.regen_cert(cluster, "pub", Role.CALLMANAGER, 20)
    assert [e.kind for e in off.effects] == ["restart_tvs", "restart_tftp"]


def test_A9_rollback_10_5_resets_phones_10_0_does_not():
    assert "reset_phones" in [e.kind for e in
                              ops.set_rollback(make_cluster("10.5"), True, 0).effects]
    assert "reset_phones" not in [e.kind for e in
                                  ops.set_rollback(make_cluster("10.0(1)"), True, 0).effects]


def test_A9_P6_rollback_empty_itl_then_phones_accept_anything():
    cluster, foreign = make_cluster("10.5"), make_cluster("10.5", seed=2)
    phone = PhoneTrust()
    boot(phone, cluster, "pub", 0)
    do(cluster, ops.set_rollback(cluster, True, 100), 100)
    empty = cluster.served["pub"].itl
    assert {r.function for r in empty.records} == {Function.SAST}  # no TVS/TFTP/CAPF
    result = boot(phone, cluster, "pub", 200, unsigned_config=True)
    assert (result.itl.via, result.config.via) == ("sast", "empty-itl")
    signed = boot(phone, cluster, "pub", 210)
    assert signed.config.via == "empty-itl"
    other = boot(phone, foreign, "pub", 300)
    assert (other.itl.accepted, other.itl.via) == (True, "empty-itl")


def test_A9_P6_rollback_on_12x_empty_itl_still_carries_its_signer():
    cluster = make_cluster("12.5")
    phone = PhoneTrust()
    boot(phone, cluster, "pub", 0)
    do(cluster, ops.set_rollback(cluster, True, 100), 100)
    assert trustlist.check(cluster.served["pub"].itl).function == Function.SAST
    assert boot(phone, cluster, "pub", 200).itl.via == "sast"


def test_T1_T2_itl_records_and_which_carry_certificates():
    cluster = make_cluster("10.0(1)", (PUB, SUB))
    itl = cluster.served["sub"].itl
    functions = [r.function for r in itl.records]
    assert functions == [Function.SAST, Function.TFTP, Function.CAPF, Function.TVS,
                         Function.SAST, Function.TVS]
    sub_cm = cluster.node("sub").certs[Role.CALLMANAGER]
    assert itl.records[0].serial == sub_cm.serial == itl.records[1].serial  # N's own CM
    for record in itl.records:
        has_cert = record.function in (Function.SAST, Function.TFTP)
        assert (record.certificate is not None) == has_cert
        assert (record.cert_hash is not None) == (not has_cert)


def test_T3_checksums_differ_per_tftp_node():
    cluster = make_cluster("10.0(1)", (PUB, SUB))
    assert cluster.served["pub"].itl.raw != cluster.served["sub"].itl.raw


def test_T3_same_seed_and_time_give_identical_bytes():
    first, second = make_cluster("10.0(1)", (PUB, SUB)), make_cluster("10.0(1)", (PUB, SUB))
    assert served_bytes(first) == served_bytes(second)


def test_T3_T4_tftp_restart_without_changes_keeps_the_checksum():
    cluster = make_cluster("10.0(1)", (PUB, SUB))
    before = served_bytes(cluster)
    ops.start_service(cluster, "pub", "TFTP", 5000)
    ops.set_node_power(cluster, "sub", False, 6000)
    ops.set_node_power(cluster, "sub", True, 7000)
    assert served_bytes(cluster) == before
    do(cluster, ops.regen_cert(cluster, "sub", Role.TVS, 8000), 8000)
    after = served_bytes(cluster)
    assert all(after[n] != before[n] for n in before)  # the TVS record is in every ITL
    assert tftp.timestamp_at(cluster, 8000) == cluster.served["pub"].itl.timestamp


def test_T4_node_power_up_leaves_a_stopped_tftp_stopped():
    cluster = make_cluster("10.0(1)", (PUB, SUB))
    ops.stop_service(cluster, "sub", "TFTP", 10)
    ops.set_node_power(cluster, "sub", False, 20)
    ops.set_node_power(cluster, "sub", True, 30)
    assert "sub" not in cluster.served
    assert not ops.stop_service(cluster, "sub", "CAPF", 40).done  # not activated there


def test_T5_itl_size_grows_with_tvs_nodes():
    small = make_cluster("10.0(1)", (PUB,))
    big = make_cluster("10.0(1)", (PUB, SUB, ("sub2", "subscriber", ("CallManager", "TVS"))))
    tvs = [r for r in big.served["pub"].itl.records if r.function == Function.TVS]
    assert len(tvs) == 3 and len(big.served["pub"].itl.raw) > len(small.served["pub"].itl.raw)
    assert "sub2" not in big.served  # no TFTP service, no files


def test_P5_tvs_knowledge_is_cached_until_a_certificate_changes():
    cluster = make_cluster("10.0(1)", (PUB, SUB))
    known = cluster.known_certificates()
    assert cluster.known_certificates() is known  # no rebuild per query
    old = cluster.node("pub").certs[Role.CALLMANAGER]
    ops.regen_cert(cluster, "pub", Role.CALLMANAGER, 10)
    now_known = cluster.known_certificates()
    new = cluster.node("pub").certs[Role.CALLMANAGER]
    assert new.identity in now_known and old.identity not in now_known  # superseded: gone
    foreign = make_cluster("10.0(1)", seed=2).node("pub").certs[Role.CALLMANAGER]
    cluster.import_certificate(foreign)  # K20: bulk certificate import
    assert cluster.known_certificates()[foreign.identity] is foreign


def test_P5_P5b_imported_certificate_lets_phones_accept_another_clusters_itl_after_tvs_restart():
    """TechNote 213407, method 2: upload the destination's certificates to the source's trust
    stores, then restart TVS on every source node (P5b)."""
    ours, theirs = make_cluster("10.0(1)"), make_cluster("10.0(1)", seed=2)
    phone = PhoneTrust()
    boot(phone, ours, "pub", 0)
    ours.import_certificate(theirs.node("pub").certs[Role.CALLMANAGER])
    offered, ctx = theirs.served["pub"].itl, context(ours, ("pub",))
    before = phone.decide_itl(offered, ctx, Verifier(), 1)
    assert before.reason == "itl-signer-unknown,tvs-unknown-cert"  # TVS not restarted yet
    ops.restart_tvs(ours, ("pub",))
    decision = phone.decide_itl(offered, ctx, Verifier(), 2)
    assert (decision.accepted, decision.via) == (True, "tvs")  # K19/K20 migration


def test_section2_upgrade_to_10_adds_itlrecovery_and_refuses_downgrade():
    cluster = make_cluster("9.1", (PUB, SUB))
    revision = cluster.revision
    assert not ops.upgrade(cluster, (8, 6), 0).done and cluster.revision == revision
    outcome = do(cluster, ops.upgrade(cluster, (10, 0), 10), 10)
    assert [e.kind for e in outcome.effects] == ["restart_tvs", "restart_tftp", "reset_phones"]
    assert all(Role.ITLRECOVERY in n.certs for n in cluster.nodes.values())
    assert cluster.itl_recovery.common_name == "ITLRECOVERY_pub.lab.example"


def test_refused_operations_change_nothing():
    cluster = make_cluster("10.0(1)", (PUB, SUB))
    ops.regen_cert(cluster, "pub", Role.CALLMANAGER, 0)
    state = (certs_der(cluster), served_bytes(cluster), cluster.revision,
             {n.name: (n.hostname, frozenset(n.running)) for n in cluster.nodes.values()})
    refusals = [
        ops.regen_cert(cluster, "pub", Role.TVS, 10),
        ops.regen_cert(cluster, "sub", Role.CAPF, 10),
        ops.change_hostname(cluster, "sub", "pub", 10),
        ops.start_service(cluster, "sub", "CAPF", 10),
        ops.stop_service(cluster, "sub", "CAPF", 10),
        ops.set_phone_interaction(cluster, False, 10),
        ops.upgrade(cluster, (9, 1), 10),
        ops.ctl_update(cluster, 10),
        rec.itl_reset(cluster, "sub", 10),
        rec.backup_itlrecovery(cluster, "sub", rec.SftpLogin("x", "u", "/p", "pw"), 10),
        rec.itl_reset(cluster, "pub", 10, login=rec.SftpLogin("x", "u", "/p", "pw")),
    ]
    assert [o.done for o in refusals] == [False] * len(refusals)
    assert all(o.effects == () for o in refusals)
    assert state == (certs_der(cluster), served_bytes(cluster), cluster.revision,
                     {n.name: (n.hostname, frozenset(n.running)) for n in cluster.nodes.values()})


def test_audit_log_every_operation_appended_once_with_done_or_refused():
    cluster = make_cluster("10.0(1)", (PUB, SUB))
    outcomes = [
        ops.regen_cert(cluster, "pub", Role.CALLMANAGER, 0),
        ops.regen_cert(cluster, "pub", Role.TVS, 1),
        ops.change_hostname(cluster, "sub", "subnew", 2),
        ops.change_ip(cluster, "sub", "10.0.0.99", 3),
        ops.change_domain(cluster, "new.example", 4),
        ops.stop_service(cluster, "sub", "TVS", 5),
        ops.start_service(cluster, "sub", "TVS", 6),
        ops.set_node_power(cluster, "sub", False, 7),
        ops.set_node_power(cluster, "sub", True, 8),
        ops.set_rollback(cluster, True, 9),
        ops.set_rollback(cluster, False, 10),
        ops.set_phone_interaction(cluster, False, 11),
        ops.set_mixed_mode(cluster, True, 12),
        ops.ctl_update(cluster, 13),
        ops.upgrade(cluster, (12, 5), 14),
        rec.itl_reset(cluster, "sub", 15),
        rec.itl_reset(cluster, "pub", 16),
        rec.change_security_password(cluster, "other", 17),
        rec.rebuild_publisher(cluster, 18),
    ]
    for outcome in outcomes:  # applying effects records nothing more
        do(cluster, outcome, outcome.at)
    assert cluster.audit == outcomes
    assert [o.status for o in cluster.audit] == [
        "done", "refused", "done", "done", "done", "done", "done", "done", "done", "done",
        "done", "refused", "done", "done", "done", "refused", "done", "done", "done"]
    assert [o.at for o in cluster.audit] == list(range(19))


def test_commands_on_a_node_that_is_down_are_refused_and_change_nothing():
    cluster = make_cluster("10.0(1)", (PUB, SUB))
    ops.set_node_power(cluster, "pub", False, 0)
    state = (certs_der(cluster), served_bytes(cluster), cluster.revision)
    refusals = [
        ops.regen_cert(cluster, "pub", Role.CALLMANAGER, 10),
        ops.change_hostname(cluster, "pub", "pubnew", 10),
        ops.change_ip(cluster, "pub", "10.0.0.99", 10),
        ops.start_service(cluster, "pub", "TFTP", 10),
        rec.itl_reset(cluster, "pub", 10),
    ]
    assert all("is down" in o.message and not o.done for o in refusals)
    assert state == (certs_der(cluster), served_bytes(cluster), cluster.revision)
    assert "pub" not in cluster.served and cluster.node("pub").hostname == "pub"


def test_A9_P6_rollback_set_back_to_false_phones_take_the_normal_itl():
    cluster = make_cluster("10.5")
    phone = PhoneTrust()
    boot(phone, cluster, "pub", 0)
    normal = cluster.served["pub"].itl
    do(cluster, ops.set_rollback(cluster, True, 100), 100)
    boot(phone, cluster, "pub", 200)
    do(cluster, ops.set_rollback(cluster, False, 300), 300)
    restored = cluster.served["pub"].itl
    assert restored.records == normal.records and restored.timestamp > normal.timestamp
    result = boot(phone, cluster, "pub", 400)
    assert (result.itl.via, result.config.via) == ("empty-itl", "itl")


def test_P5_itl_signed_by_a_key_whose_role_cannot_sign_itls_rejected():
    cluster = make_cluster("10.0(1)")
    phone = PhoneTrust()
    boot(phone, cluster, "pub", 0)
    pub = cluster.node("pub")
    capf = pub.certs[Role.CAPF]
    forged = trustlist.parse(trustlist.build(
        tftp.itl_records(cluster, pub), signer_cert=capf.cert, signer_key=capf.key,
        timestamp=tftp.timestamp_at(cluster, 10)))
    decision = phone.decide_itl(forged, context(cluster, ("pub",)), Verifier(), 10)
    assert decision.reason == "itl-signer-unknown,tvs-wrong-role"
