"""Certificate regeneration (A1, A1b, A2, A8, T4) and what phones then decide (P2, P5, P7)."""

from __future__ import annotations

import datetime as dt

from engine_helpers import (
    HOLD,
    PUB,
    SUB,
    boot,
    certs_der,
    context,
    do,
    make_cluster,
    served_bytes,
)

from sim.cluster import operations as ops
from sim.cluster.assumptions import AT_ONCE, Assumptions
from sim.cluster.phone import TRUST_LIST_UPDATE_FAILED, PhoneTrust
from sim.trust.certificates import Role
from sim.trust.verify import Verifier

HOLD_MESSAGE = ("CallManager certificate was modified in the last 5 minutes. Please re-try "
                "regenerating TVS certificate at a later time")


def _booted(cluster, node="pub", now=0.0, **kw):
    phone = PhoneTrust()
    first = boot(phone, cluster, node, now, **kw)
    assert first.reasons == ("first-use", "itl")  # P1, then P4 against the new ITL
    return phone


def test_A1b_T4_callmanager_regen_alone_on_10x_phones_recover_through_tvs():
    cluster = make_cluster("10.0(1)")
    phone = _booted(cluster)
    outcome = do(cluster, ops.regen_cert(cluster, "pub", Role.CALLMANAGER, 1000), 1000)
    assert outcome.done
    assert outcome.message == "Successfully Regenerated Certificate for CallManager."
    assert [e.kind for e in outcome.effects] == ["restart_tvs", "restart_tftp", "reset_phones"]
    result = boot(phone, cluster, "pub", 1100)
    assert result.itl.accepted and result.itl.via == "tvs"  # P2 fails, P5 vouches
    assert result.config.accepted and result.config.via == "itl"  # new ITL holds new TFTP
    assert phone.itl is cluster.served["pub"].itl


def test_section2_callmanager_regen_alone_on_12x_phones_recover_locally_via_sast():
    cluster = make_cluster("12.5")
    phone = _booted(cluster)
    do(cluster, ops.regen_cert(cluster, "pub", Role.CALLMANAGER, 1000), 1000)
    served = cluster.served["pub"].itl
    assert served.signer_name.startswith("CN=ITLRECOVERY_pub.lab.example;")
    result = boot(phone, cluster, "pub", 1100)
    assert (result.itl.accepted, result.itl.via) == (True, "sast")
    assert (result.config.accepted, result.config.via) == (True, "itl")


def test_A2_P7_callmanager_and_tvs_regenerated_before_fetch_single_node_locks_phones():
    cluster = make_cluster("10.0(1)")
    phone = _booted(cluster)
    before = phone.itl
    do(cluster, ops.regen_cert(cluster, "pub", Role.CALLMANAGER, 1000), 1000)
    tvs = do(cluster, ops.regen_cert(cluster, "pub", Role.TVS, 1000 + HOLD), 1000 + HOLD)
    assert tvs.done
    result = boot(phone, cluster, "pub", 1400)
    assert not result.itl.accepted
    assert result.itl.reason == "itl-signer-unknown,tvs-untrusted"
    assert phone.itl is before  # P2: reject, keep the old ITL
    assert phone.status == TRUST_LIST_UPDATE_FAILED
    assert result.config.reason == "config-signer-unknown,tvs-untrusted"  # P4, P7


def test_A2_status_is_set_only_by_the_driver_calling_fail():
    cluster = make_cluster("10.0(1)")
    phone = _booted(cluster)
    do(cluster, ops.regen_cert(cluster, "pub", Role.CALLMANAGER, 1000), 1000)
    do(cluster, ops.regen_cert(cluster, "pub", Role.TVS, 1300), 1300)
    decision = phone.decide_itl(cluster.served["pub"].itl, context(cluster, ("pub",)),
                                Verifier(), 1400)
    assert not decision.accepted and phone.status == ""
    phone.fail()
    assert phone.status == "Trust List Update Failed"


def test_A2_P5_two_nodes_the_subscribers_unchanged_tvs_rescues_the_phone():
    cluster = make_cluster("10.0(1)", (PUB, SUB))
    group = ("pub", "sub")
    rescued = _booted(cluster, cm_group=group)
    alone = _booted(cluster, cm_group=("pub",))
    do(cluster, ops.regen_cert(cluster, "pub", Role.CALLMANAGER, 1000), 1000)
    do(cluster, ops.regen_cert(cluster, "pub", Role.TVS, 1300), 1300)
    result = boot(rescued, cluster, "pub", 1400, cm_group=group)
    assert (result.itl.accepted, result.itl.via) == (True, "tvs")
    locked = boot(alone, cluster, "pub", 1400, cm_group=("pub",))
    assert locked.itl.reason == "itl-signer-unknown,tvs-untrusted"


def test_A2_phone_that_fetched_the_intermediate_itl_survives_the_second_regen():
    cluster = make_cluster("10.0(1)")
    phone = _booted(cluster)
    do(cluster, ops.regen_cert(cluster, "pub", Role.CALLMANAGER, 1000), 1000)
    assert boot(phone, cluster, "pub", 1100).itl.via == "tvs"
    do(cluster, ops.regen_cert(cluster, "pub", Role.TVS, 1300), 1300)
    result = boot(phone, cluster, "pub", 1400)
    assert (result.itl.accepted, result.itl.via) == (True, "sast")  # signer = CM it now holds


def test_A1_second_regen_within_5_minutes_refused_with_cucm_message():
    cluster = make_cluster("10.0(1)", (PUB, SUB))
    do(cluster, ops.regen_cert(cluster, "pub", Role.CALLMANAGER, 1000), 1000)
    certs, files = certs_der(cluster), served_bytes(cluster)
    refused = ops.regen_cert(cluster, "pub", Role.TVS, 1000 + HOLD - 1)
    assert not refused.done and refused.status == "refused"
    assert refused.message == HOLD_MESSAGE
    assert refused.effects == ()
    assert certs_der(cluster) == certs and served_bytes(cluster) == files  # nothing changed
    assert [(o.action, o.status) for o in cluster.audit] == [
        ("set cert regen CallManager", "done"), ("set cert regen TVS", "refused")]


def test_A1_regen_accepted_after_5_minutes_and_at_once_on_another_node():
    cluster = make_cluster("10.0(1)", (PUB, SUB))
    do(cluster, ops.regen_cert(cluster, "pub", Role.CALLMANAGER, 1000), 1000)
    assert ops.regen_cert(cluster, "sub", Role.TVS, 1001).done  # the timer is per node
    old = cluster.node("pub").certs[Role.TVS].der
    later = ops.regen_cert(cluster, "pub", Role.TVS, 1000 + HOLD)
    assert later.done and cluster.node("pub").certs[Role.TVS].der != old
    assert [o.status for o in cluster.audit] == ["done", "done", "done"]


def test_A1_hold_timer_counts_from_the_last_accepted_regen_not_a_refusal():
    cluster = make_cluster("10.0(1)")
    ops.regen_cert(cluster, "pub", Role.CALLMANAGER, 0)
    assert not ops.regen_cert(cluster, "pub", Role.CAPF, 200).done
    assert ops.regen_cert(cluster, "pub", Role.CAPF, 300).done
    refused = ops.regen_cert(cluster, "pub", Role.TVS, 400)
    assert refused.message.startswith("CAPF certificate was modified in the last 5 minutes")


def test_A1_regen_of_a_role_the_node_lacks_is_refused():
    cluster = make_cluster("10.0(1)", (PUB, SUB))
    outcome = ops.regen_cert(cluster, "sub", Role.CAPF, 0)  # CAPF: publisher only
    assert not outcome.done and "CAPF certificate does not exist" in outcome.message
    assert cluster.node("sub").last_regen is None


def test_A8_T4_itlrecovery_regen_resets_nobody_and_changes_the_itl_only_at_tftp_restart():
    cluster = make_cluster("10.0(1)")
    phone = _booted(cluster)
    before = served_bytes(cluster)
    outcome = ops.regen_cert(cluster, "pub", Role.ITLRECOVERY, 1000)
    assert outcome.done and outcome.effects == ()  # A8: no reset, no TFTP restart
    assert served_bytes(cluster) == before
    ops.start_service(cluster, "pub", "TFTP", 1100)  # the administrator restarts TFTP
    new_recovery = cluster.itl_recovery
    served = cluster.served["pub"].itl
    assert any(r.serial == new_recovery.serial for r in served.records)
    result = boot(phone, cluster, "pub", 1200)  # 10.x: still signed by CallManager
    assert (result.itl.accepted, result.itl.via) == (True, "sast")


def test_A8_P5b_itlrecovery_regen_on_12x_phones_follow_through_tvs_once_tvs_restarted():
    """TechNote 214231 ("ITLRecovery Certificate"): regenerate, restart TVS (publisher first),
    then TFTP. A TFTP restart before the TVS restart serves an ITL signed by a key no TVS
    vouches for yet: the phone locks (P5b; the TechNote 225746 case)."""
    cluster = make_cluster("12.5")
    phone = _booted(cluster)
    ops.regen_cert(cluster, "pub", Role.ITLRECOVERY, 1000)
    ops.start_service(cluster, "pub", "TFTP", 1100)
    early = boot(phone, cluster, "pub", 1200)
    assert early.itl.reason == "itl-signer-unknown,tvs-unknown-cert"
    ops.restart_tvs(cluster, ("pub",))
    result = boot(phone, cluster, "pub", 1300)
    assert (result.itl.accepted, result.itl.via) == (True, "tvs")


def test_A8_I11_assumption_at_once_tvs_vouches_for_the_new_itlrecovery_at_once():
    cluster = make_cluster("12.5", assumptions=Assumptions(tvs_learns_new_certificates=AT_ONCE))
    phone = _booted(cluster)
    ops.regen_cert(cluster, "pub", Role.ITLRECOVERY, 1000)
    ops.start_service(cluster, "pub", "TFTP", 1100)
    result = boot(phone, cluster, "pub", 1200)
    assert (result.itl.accepted, result.itl.via) == (True, "tvs")


def test_T4_regen_without_tftp_restart_keeps_serving_the_old_itl_and_config_signer():
    cluster = make_cluster("10.0(1)")
    phone = _booted(cluster)
    before = served_bytes(cluster)
    outcome = ops.regen_cert(cluster, "pub", Role.CALLMANAGER, 1000, restart_tftp=False)
    assert [e.kind for e in outcome.effects] == ["reset_phones"]
    do(cluster, outcome, 1000)
    assert served_bytes(cluster) == before
    assert boot(phone, cluster, "pub", 1100).reasons == ("unchanged", "itl")


def test_A3_hostname_change_of_a_single_node_locks_its_phones():
    cluster = make_cluster("10.0(1)")
    phone = _booted(cluster)
    outcome = do(cluster, ops.change_hostname(cluster, "pub", "pubnew", 1000), 1000)
    assert outcome.done and cluster.node("pub").hostname == "pubnew"
    assert cluster.node("pub").certs[Role.CALLMANAGER].common_name == "pubnew.lab.example"
    result = boot(phone, cluster, "pub", 1100)
    assert result.itl.reason == "itl-signer-unknown,tvs-untrusted"


def test_A3_hostname_already_in_use_refused_and_nothing_changes():
    cluster = make_cluster("10.0(1)", (PUB, SUB))
    certs, files = certs_der(cluster), served_bytes(cluster)
    outcome = ops.change_hostname(cluster, "pub", "sub", 10)
    assert not outcome.done and cluster.node("pub").hostname == "pub"
    assert certs_der(cluster) == certs and served_bytes(cluster) == files


def test_A1_regen_on_29_february_issues_a_certificate_valid_to_28_february():
    cluster = make_cluster("10.0(1)")
    leap_day = (dt.datetime(2028, 2, 29, 12, tzinfo=dt.UTC) - cluster.issued).total_seconds()
    assert ops.regen_cert(cluster, "pub", Role.CALLMANAGER, leap_day).done
    cert = cluster.node("pub").certs[Role.CALLMANAGER].cert
    assert cert.not_valid_after_utc == dt.datetime(2033, 2, 28, 12, tzinfo=dt.UTC)
