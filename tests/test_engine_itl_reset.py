"""Bulk ITL reset and the ITLRecovery key (A3-A7, A10, T6, section 2) with real signatures."""

from __future__ import annotations

from engine_helpers import PUB, SUB, boot, certs_der, do, make_cluster, served_bytes

from sim.cluster import itlrecovery as rec
from sim.cluster import observe
from sim.cluster import operations as ops
from sim.cluster.cluster import SftpServer
from sim.cluster.phone import PhoneTrust
from sim.trust.certificates import Role

LOGIN = rec.SftpLogin("backup.lab", "admin", "/home/admin/ITLRecovery.p12", "sftp-secret")


def _with_sftp(cluster, *, reachable: bool = True):
    cluster.sftp["backup.lab"] = SftpServer("backup.lab", "admin", "sftp-secret", reachable)
    return cluster


def _booted(cluster, node="pub", now=0.0, **kw):
    phone = PhoneTrust()
    boot(phone, cluster, node, now, **kw)
    return phone


def _hostname_lab():
    """A 9.1 single-node cluster upgraded to 10.0 (section 2): ``old`` booted on 9.1 only,
    ``new`` booted after the upgrade (its ITL holds ITLRecovery). Then the hostname changes
    (A3) and both are locked."""
    cluster = make_cluster("9.1")
    old = _booted(cluster)
    assert not any(r.subject_name.startswith("CN=ITLRECOVERY") for r in old.itl.records)
    do(cluster, ops.upgrade(cluster, (10, 0), 100), 100)
    new = _booted(cluster, now=200)
    assert new.holds_sast(cluster.itl_recovery.identity)
    do(cluster, ops.change_hostname(cluster, "pub", "pubnew", 1000), 1000)
    for phone in (old, new):
        assert boot(phone, cluster, "pub", 1100).itl.reason == "itl-signer-unknown,tvs-untrusted"
    return cluster, old, new


def test_A4_A3_localkey_reset_recovers_phones_whose_itl_holds_itlrecovery():
    cluster, _, new = _hostname_lab()
    assert observe.recoverable_by_bulk_reset(new, cluster, cluster.node("pub"))
    outcome = rec.itl_reset(cluster, "pub", 1200)
    assert outcome.done and "The reset ITL file was generated successfully" in outcome.message
    served = cluster.served["pub"]
    assert served.reset
    assert served.itl.signer_name.startswith("CN=ITLRECOVERY_pub.lab.example;")  # T6
    result = boot(new, cluster, "pub", 1300)
    assert (result.itl.accepted, result.itl.via) == (True, "sast")
    assert (result.config.accepted, result.config.via) == (True, "itl")


def test_A4_seed_phone_with_a_pre_10_itl_is_not_recovered_by_bulk_reset():
    cluster, old, _ = _hostname_lab()
    assert not observe.recoverable_by_bulk_reset(old, cluster, cluster.node("pub"))
    rec.itl_reset(cluster, "pub", 1200)
    result = boot(old, cluster, "pub", 1300)
    assert not result.itl.accepted
    assert result.itl.reason == "itl-signer-unknown,tvs-untrusted"


def test_A6_after_tftp_restart_recovered_phones_accept_the_normal_itl_via_sast():
    cluster, old, new = _hostname_lab()
    rec.itl_reset(cluster, "pub", 1200)
    boot(new, cluster, "pub", 1300)
    ops.start_service(cluster, "pub", "TFTP", 1400)  # A6: restart TFTP
    served = cluster.served["pub"]
    assert not served.reset
    assert served.itl.signer_name.startswith("CN=pubnew.lab.example;")
    result = boot(new, cluster, "pub", 1500)
    assert (result.itl.accepted, result.itl.via) == (True, "sast")  # new CallManager is SAST
    assert not boot(old, cluster, "pub", 1500).itl.accepted


def test_A4_reset_itl_is_the_publishers_itl_on_every_active_tftp_node():
    cluster = make_cluster("10.0(1)", (PUB, SUB))
    ops.stop_service(cluster, "sub", "TFTP", 10)
    outcome = rec.itl_reset(cluster, "pub", 20)
    assert "['pub']" in outcome.message and "sub" not in cluster.served
    ops.start_service(cluster, "sub", "TFTP", 30)
    assert not cluster.served["sub"].reset
    both = make_cluster("10.0(1)", (PUB, SUB))
    rec.itl_reset(both, "pub", 20)
    assert both.served["pub"].itl.raw == both.served["sub"].itl.raw


def test_T6_itlrecovery_keeps_its_original_cn_across_hostname_and_domain_changes():
    cluster = make_cluster("10.0(1)", (PUB, SUB))
    original = cluster.itl_recovery
    do(cluster, ops.change_hostname(cluster, "pub", "pubnew", 100), 100)
    do(cluster, ops.change_domain(cluster, "new.example", 500), 500)
    assert cluster.itl_recovery is original
    assert original.common_name == "ITLRECOVERY_pub.lab.example"
    assert cluster.node("pub").certs[Role.CALLMANAGER].common_name == "pubnew.new.example"
    for served in cluster.served.values():
        names = [r.subject_name for r in served.itl.records]
        assert original.subject_name in names
    # an explicit regeneration is the only change, and takes the current name (A8)
    ops.regen_cert(cluster, "pub", Role.ITLRECOVERY, 900)
    assert cluster.itl_recovery.common_name == "ITLRECOVERY_pubnew.new.example"


def test_A4_reset_on_a_subscriber_refused_not_a_publisher_node_nothing_changed():
    cluster = make_cluster("10.0(1)", (PUB, SUB))
    certs, files = certs_der(cluster), served_bytes(cluster)
    outcome = rec.itl_reset(cluster, "sub", 10)
    assert not outcome.done and outcome.message == "This is not a publisher node"
    assert certs_der(cluster) == certs and served_bytes(cluster) == files
    assert [o.status for o in cluster.audit] == ["refused"]


def test_A4_section2_reset_refused_on_9x():
    cluster = make_cluster("9.1")
    files = served_bytes(cluster)
    outcome = rec.itl_reset(cluster, "pub", 10)
    assert not outcome.done and "10.0(1)" in outcome.message
    assert served_bytes(cluster) == files


def test_A5_remotekey_with_wrong_sftp_password_changes_nothing():
    cluster = _with_sftp(make_cluster("10.0(1)", (PUB, SUB)))
    rec.backup_itlrecovery(cluster, "pub", LOGIN, 0)
    key, files = cluster.itl_recovery.der, served_bytes(cluster)
    bad = rec.SftpLogin(LOGIN.host, LOGIN.user, LOGIN.path, "wrong")
    outcome = rec.itl_reset(cluster, "pub", 10, login=bad)
    assert not outcome.done and "authentication failed" in outcome.message
    assert cluster.itl_recovery.der == key and served_bytes(cluster) == files


def test_A5_remotekey_unreachable_server_refused_nothing_changed():
    cluster = _with_sftp(make_cluster("10.0(1)"))
    rec.backup_itlrecovery(cluster, "pub", LOGIN, 0)
    cluster.sftp["backup.lab"].reachable = False
    key, files = cluster.itl_recovery.der, served_bytes(cluster)
    outcome = rec.itl_reset(cluster, "pub", 10, login=LOGIN)
    assert not outcome.done and "unreachable" in outcome.message
    assert cluster.itl_recovery.der == key and served_bytes(cluster) == files


def test_A5_A7_p12_saved_under_another_security_password_refused():
    cluster = _with_sftp(make_cluster("10.0(1)"))
    rec.backup_itlrecovery(cluster, "pub", LOGIN, 0)
    rec.change_security_password(cluster, "another", 5)
    files = served_bytes(cluster)
    outcome = rec.itl_reset(cluster, "pub", 10, login=LOGIN)
    assert not outcome.done and "security password" in outcome.message
    assert served_bytes(cluster) == files


def test_A5_remotekey_replaces_the_local_key_and_serves_the_reset_itl():
    cluster = _with_sftp(make_cluster("10.0(1)"))
    phone = _booted(cluster)
    rec.backup_itlrecovery(cluster, "pub", LOGIN, 0)
    saved = cluster.itl_recovery
    ops.regen_cert(cluster, "pub", Role.ITLRECOVERY, 100)  # local key now differs
    do(cluster, ops.change_hostname(cluster, "pub", "pubnew", 1000), 1000)  # phones locked
    assert not boot(phone, cluster, "pub", 1100).itl.accepted
    rec.itl_reset(cluster, "pub", 1200)  # localkey: signed by the new key -> useless
    assert boot(phone, cluster, "pub", 1300).itl.reason.startswith("itl-signer-unknown")
    outcome = rec.itl_reset(cluster, "pub", 1400, login=LOGIN)
    assert outcome.done and cluster.itl_recovery is saved  # replaced on disk (seed)
    assert cluster.served["pub"].reset
    result = boot(phone, cluster, "pub", 1500)
    assert (result.itl.accepted, result.itl.via) == (True, "sast")


def test_A7_backup_on_a_subscriber_reports_file_not_found_and_alert_rules():
    cluster = _with_sftp(make_cluster("10.0(1)", (PUB, SUB)))
    assert rec.rtmt_alert(cluster) == rec.RTMT_ALERT
    outcome = rec.backup_itlrecovery(cluster, "sub", LOGIN, 0)
    assert not outcome.done and outcome.message.startswith("File not found")
    assert rec.rtmt_alert(cluster) == rec.RTMT_ALERT
    assert rec.backup_itlrecovery(cluster, "pub", LOGIN, 10).done
    assert rec.rtmt_alert(cluster) is None
    rec.change_security_password(cluster, "another", 20)  # re-arms the alert (A7)
    assert rec.rtmt_alert(cluster) == rec.RTMT_ALERT
    assert rec.rtmt_alert(make_cluster("9.1")) is None


def _lost_publisher(saved: bool):
    """A 2-node 10.0 cluster whose phones use the publisher alone; the publisher is lost and
    rebuilt (A10). With ``saved`` the ITLRecovery.p12 was backed up first."""
    cluster = _with_sftp(make_cluster("10.0(1)", (PUB, SUB)))
    if saved:
        rec.backup_itlrecovery(cluster, "pub", LOGIN, 0)
    phone = _booted(cluster, cm_group=("pub",))
    ops.set_node_power(cluster, "pub", False, 500)
    old_recovery = cluster.itl_recovery
    do(cluster, rec.rebuild_publisher(cluster, 1000), 1000)
    assert cluster.itl_recovery.der != old_recovery.der  # a fresh install, new keys
    assert boot(phone, cluster, "pub", 1100, cm_group=("pub",)).itl.reason == \
        "itl-signer-unknown,tvs-untrusted"
    return cluster, phone


def test_A10_rebuilt_publisher_without_saved_p12_phones_unrecoverable_in_bulk():
    cluster, phone = _lost_publisher(saved=False)
    assert not observe.recoverable_by_bulk_reset(phone, cluster, cluster.node("pub"))
    assert rec.itl_reset(cluster, "pub", 1200).done  # signed by the NEW ITLRecovery
    result = boot(phone, cluster, "pub", 1300, cm_group=("pub",))
    assert not result.itl.accepted and "itl-signer-unknown" in result.itl.reason


def test_A10_rebuilt_publisher_with_saved_p12_remotekey_recovers_the_phones():
    cluster, phone = _lost_publisher(saved=True)
    outcome = rec.itl_reset(cluster, "pub", 1200, login=LOGIN)
    assert outcome.done
    result = boot(phone, cluster, "pub", 1300, cm_group=("pub",))
    assert (result.itl.accepted, result.itl.via) == (True, "sast")


def test_A10_rebuild_with_another_security_password_cannot_read_the_p12():
    cluster = _with_sftp(make_cluster("10.0(1)", (PUB, SUB)))
    rec.backup_itlrecovery(cluster, "pub", LOGIN, 0)
    do(cluster, rec.rebuild_publisher(cluster, 1000, security_password="other"), 1000)
    outcome = rec.itl_reset(cluster, "pub", 1200, login=LOGIN)
    assert not outcome.done and "security password" in outcome.message


def test_A10_P5_phones_with_the_subscriber_in_their_cm_group_follow_through_its_tvs():
    cluster = make_cluster("10.0(1)", (PUB, SUB))
    group = ("pub", "sub")
    phone = _booted(cluster, cm_group=group)
    do(cluster, rec.rebuild_publisher(cluster, 1000), 1000)
    result = boot(phone, cluster, "pub", 1100, cm_group=group)
    assert (result.itl.accepted, result.itl.via) == (True, "tvs")


def test_A10_rebuild_refused_without_a_subscriber_to_restore_from():
    cluster = make_cluster("10.0(1)")
    certs = certs_der(cluster)
    outcome = rec.rebuild_publisher(cluster, 10)
    assert not outcome.done and "No subscriber" in outcome.message
    assert certs_der(cluster) == certs


def test_A3_T6_domain_change_locks_phones_and_localkey_reset_recovers_them():
    cluster = make_cluster("10.0(1)", (PUB, SUB))
    group = ("pub", "sub")
    phones = {node: _booted(cluster, node, cm_group=group) for node in ("pub", "sub")}
    do(cluster, ops.change_domain(cluster, "new.example", 1000), 1000)
    for node, phone in phones.items():
        locked = boot(phone, cluster, node, 1100, cm_group=group)
        assert locked.itl.reason == "itl-signer-unknown,tvs-untrusted"  # every TVS changed
    rec.itl_reset(cluster, "pub", 1200)
    for node, phone in phones.items():
        assert boot(phone, cluster, node, 1300, cm_group=group).itl.via == "sast"


def test_section2_T6_hostname_change_on_12x_does_not_lock_phones():
    cluster = make_cluster("12.5")
    phone = _booted(cluster)
    do(cluster, ops.change_hostname(cluster, "pub", "pubnew", 1000), 1000)
    result = boot(phone, cluster, "pub", 1100)
    assert (result.itl.via, result.config.via) == ("sast", "itl")  # signer ITLRecovery kept
