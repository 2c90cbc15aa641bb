"""The documented migration steps as acceptance tests, one per step, named after it.

TN 215539 "Manage Bulk Certificates between CUCM Clusters for Phone Migration" (source 10.5.2,
destination 11.5.1) and TN 213407 "Migrate Phones Between Secure Clusters" (source 10.5.2,
destination 11.0.1, tokenless CTLs): each step's expected behaviour (which TVS answers, which
record signs, which file is installed) checked on real bytes and real signatures.
"""

from __future__ import annotations

from engine_helpers import do
from migration_helpers import (
    NEW_GROUP,
    OLD_GROUP,
    SFTP,
    Asked,
    boot_at,
    bulk_certificates,
    make_estate,
    settled_phone,
    tvs_of,
)

from sim.cluster import operations as ops
from sim.cluster.bulkcerts import (
    bulk_consolidate,
    bulk_export,
    bulk_import,
    exported,
    upload_certificates,
)
from sim.cluster.cluster import CALLMANAGER_TRUST, PHONE_SAST_TRUST
from sim.cluster.phone import TVS_CACHE_SECONDS, sast_records
from sim.cluster.tvs import ITL_SIGNING, query
from sim.trust.certificates import Role
from sim.trust.trustlist import Function
from sim.trust.verify import Verifier


def _215539(mode: str = "non-secure"):
    return make_estate("10.5(2)", "11.5(1)", mode)


def _213407():
    return make_estate("10.5(2)", "11.0(1)", "mixed")


def moved_after_bulk(estate):
    """Bulk Certificate Management (TN 215539), then a phone of old boots from new-sub asking
    the TVS of its old config (old-sub, old-pub): the phone, the TVS nodes it asked, the boot."""
    bulk_certificates(estate)
    phone, asked = settled_phone(estate), Asked()
    result = boot_at(phone, estate, "new-sub", 200, tvs_of(estate.clusters["old"], OLD_GROUP,
                                                          asked))
    return phone, asked, result


# -- TN 215539, "Bulk Certificate Management Procedure" -----------------------------------------

def test_tn215539_export_destination_step1_refused_without_a_reachable_sftp_server():
    estate = _215539()
    new = estate.clusters["new"]
    new.sftp[SFTP.host].reachable = False
    outcome = bulk_export(new, "new-pub", SFTP, 10)
    assert not outcome.done
    assert outcome.message == "Could not connect to SFTP server sftp.example: host unreachable"
    assert new.bulk_sftp is None and new.sftp[SFTP.host].bulk == {}  # nothing changed


def test_tn215539_export_destination_step2_writes_every_node_certificate_to_the_sftp_directory():
    estate = _215539()
    new = estate.clusters["new"]
    assert bulk_export(new, "new-pub", SFTP, 10).done
    written = new.sftp[SFTP.host].bulk["/bulk"].exports["new"]
    roles = sorted(cert.role.value for cert in written)
    # each node's CallManager and ITLRecovery (one per node before 12.5, T8), the CAPF
    assert roles == ["CAPF", "CallManager", "CallManager", "ITLRecovery", "ITLRecovery"]
    assert written == exported(new)
    assert new.bulk_sftp == SFTP  # the SFTP details are saved


def test_tn215539_export_source_step2_both_clusters_export_to_the_same_directory():
    estate = _215539()
    for name in ("new", "old"):
        cluster = estate.clusters[name]
        assert bulk_export(cluster, cluster.publisher.name, SFTP, 10).done
    # the same server object: "the page then lists both clusters' PKCS12 files"
    assert set(estate.clusters["old"].sftp[SFTP.host].bulk["/bulk"].exports) == {"new", "old"}


def test_tn215539_consolidate_step1_needs_both_exports_first():
    estate = _215539()
    old, new = estate.clusters["old"], estate.clusters["new"]
    early = bulk_consolidate(old, "old-pub", 5)
    assert not early.done and early.message.startswith("itlsim: no SFTP server is configured")
    bulk_export(old, "old-pub", SFTP, 10)
    alone = bulk_consolidate(old, "old-pub", 20)
    assert not alone.done and "two or more clusters" in alone.message
    assert old.sftp[SFTP.host].bulk["/bulk"].consolidated is None
    bulk_export(new, "new-pub", SFTP, 30)
    assert bulk_consolidate(old, "old-pub", 40).done


def test_tn215539_consolidate_note_runs_on_a_publisher_only_and_once_serves_both_imports():
    estate = _215539()
    old, new = estate.clusters["old"], estate.clusters["new"]
    for cluster in (new, old):
        bulk_export(cluster, cluster.publisher.name, SFTP, 10)
    assert bulk_consolidate(old, "old-sub", 20).message == "This is not a publisher node"
    assert bulk_consolidate(old, "old-pub", 30).done  # on one publisher only (TN 215539 note)
    assert bulk_import(new, "new-pub", 40).done and bulk_import(old, "old-pub", 40).done


def test_tn215539_import_step1_2_before_consolidation_is_refused():
    estate = _215539()
    old, new = estate.clusters["old"], estate.clusters["new"]
    for cluster in (new, old):
        bulk_export(cluster, cluster.publisher.name, SFTP, 10)
    refused = bulk_import(old, "old-pub", 20)
    assert not refused.done and "consolidate on one publisher first" in refused.message
    assert old.stores_of(new.publisher.certs[Role.CALLMANAGER].identity) == ()


def test_tn215539_import_note_maps_each_certificate_to_its_trust_stores():
    """CAPF -> CallManager-trust; CallManager -> Phone-SAST-trust and CallManager-trust;
    ITLRecovery -> Phone-SAST-trust and CallManager-trust."""
    estate = _215539()
    bulk_certificates(estate)
    old, new = estate.clusters["old"], estate.clusters["new"]
    both = (CALLMANAGER_TRUST, PHONE_SAST_TRUST)
    for node in new.nodes.values():
        assert old.stores_of(node.certs[Role.CALLMANAGER].identity) == both
    assert old.stores_of(new.itl_recovery.identity) == both
    assert old.stores_of(new.publisher.certs[Role.CAPF].identity) == (CALLMANAGER_TRUST,)
    assert old.stores_of(new.publisher.certs[Role.TVS].identity) == ()  # TVS is not exported


def test_tn215539_import_step2_restarts_tvs_and_the_phones_of_the_cluster():
    """I51 (``bulk_import_restarts_tvs``) and the Feature Configuration Guide: "After you
    import the certificates, the phones on the cluster will automatically restart"."""
    estate = _215539()
    old, new = estate.clusters["old"], estate.clusters["new"]
    for cluster in (new, old):
        bulk_export(cluster, cluster.publisher.name, SFTP, 10)
    bulk_consolidate(old, "old-pub", 20)
    outcome = bulk_import(old, "old-pub", 30)
    assert [(e.kind, e.nodes) for e in outcome.effects] == [
        ("restart_tvs", ("old-pub", "old-sub")), ("reset_phones", ())]


def test_tn215539_nonsecure_step1_destination_itl_signer_is_not_in_the_phone_itl():
    estate = _215539()
    phone = settled_phone(estate)
    new_itl = estate.clusters["new"].served["new-sub"].itl
    assert (new_itl.signer_serial, new_itl.ca_name) not in sast_records(phone.itl)


def test_tn215539_nonsecure_step2_3_phone_asks_source_tvs_which_vouches_for_destination():
    estate = _215539()
    phone, asked, result = moved_after_bulk(estate)
    assert (result.itl.accepted, result.itl.via) == (True, "tvs")
    assert asked.nodes == ["old-sub"]  # the first TVS of the old config's CM group answered
    assert phone.itl is estate.clusters["new"].served["new-sub"].itl  # installed


def test_tn215539_nonsecure_step4_destination_config_verified_with_the_new_itl():
    estate = _215539()
    phone, _, result = moved_after_bulk(estate)
    assert (result.config.accepted, result.config.via) == (True, "itl")  # its TFTP record


def test_tn215539_note_migration_fails_when_the_source_tvs_cannot_validate():
    """"If a destination cluster CTL and/or ITL file are not validated by the source cluster
    TVS, phone migration to the destination cluster fails" (no certificates imported)."""
    estate = _215539()
    phone = settled_phone(estate)
    result = boot_at(phone, estate, "new-sub", 200, tvs_of(estate.clusters["old"], OLD_GROUP))
    assert result.itl.reason == "itl-signer-unknown,tvs-unknown-cert"
    assert result.config.reason == "config-signer-unknown,tvs-unknown-cert"
    assert phone.itl is estate.clusters["old"].served["old-sub"].itl  # kept the old ITL


def test_tn215539_secure_step1_2_destination_ctl_signer_is_in_neither_phone_file():
    estate = _215539("mixed")
    phone = settled_phone(estate)
    ctl = estate.clusters["new"].served["new-sub"].ctl
    identity = (ctl.signer_serial, ctl.ca_name)
    assert identity not in sast_records(phone.itl) and identity not in sast_records(phone.ctl)
    assert identity == estate.clusters["new"].publisher.certs[Role.CALLMANAGER].identity


def test_tn215539_secure_step3_to_8_phone_asks_source_tvs_and_installs_destination_ctl():
    estate = _215539("mixed")
    phone, asked, result = moved_after_bulk(estate)
    assert (result.ctl.accepted, result.ctl.via) == (True, "tvs")
    assert asked.nodes == ["old-sub"]  # steps 4-8: the source TVS of its old config
    assert phone.ctl is estate.clusters["new"].served["new-sub"].ctl


def test_tn215539_secure_step5_6_handshake_needs_the_source_tvs_in_the_phone_itl():
    """Step 5: the phone checks the source TVS certificate against its ITL; a TVS it does not
    hold (here: the destination's, asked by mistake) fails the handshake."""
    estate = _215539("mixed")
    bulk_certificates(estate)
    phone = settled_phone(estate)
    result = boot_at(phone, estate, "new-sub", 200, tvs_of(estate.clusters["new"], NEW_GROUP))
    assert result.ctl.reason == "ctl-signer-unknown,tvs-untrusted"


def test_tn215539_secure_step9_itl_verified_against_the_new_ctl_without_tvs():
    estate = _215539("mixed")
    phone, asked, result = moved_after_bulk(estate)
    assert (result.itl.accepted, result.itl.via) == (True, "ctl")
    assert asked.nodes == ["old-sub"]  # once, for the CTL; not again for the ITL
    assert result.config.accepted


# -- TN 213407, "Configure" (methods 1 and 2) ---------------------------------------------------

def test_tn213407_method1_step5_consolidation_puts_source_callmanager_into_destination():
    """"This allows the phones to migrate back to the source cluster.\""""
    estate = _213407()
    bulk_certificates(estate)
    old, new = estate.clusters["old"], estate.clusters["new"]
    assert new.stores_of(old.publisher.certs[Role.CALLMANAGER].identity) == (
        CALLMANAGER_TRUST, PHONE_SAST_TRUST)


def test_tn213407_method2_step4_5_upload_destination_certificates_to_the_source():
    estate = _213407()
    old, new = estate.clusters["old"], estate.clusters["new"]
    outcome = upload_certificates(new, old, (Role.CALLMANAGER, Role.ITLRECOVERY), 10)
    assert outcome.done and outcome.node == "old-pub"
    # "The CallManager certificate needs to be downloaded from all nodes running the TFTP
    # service on the destination cluster"
    for node in new.nodes_with("TFTP"):
        assert old.stores_of(node.certs[Role.CALLMANAGER].identity) == (
            CALLMANAGER_TRUST, PHONE_SAST_TRUST)
    assert PHONE_SAST_TRUST in old.stores_of(new.itl_recovery.identity)
    only = upload_certificates(new, old, (Role.ITLRECOVERY,), 20, stores=(PHONE_SAST_TRUST,))
    assert only.done and "as Phone-SAST-trust" in only.message


def test_tn213407_method2_step6_source_tvs_vouches_only_after_its_restart():
    """P5b: TVS answers from what it loaded at its start; TN 213407 restarts it."""
    estate = _213407()
    old, new = estate.clusters["old"], estate.clusters["new"]
    upload_certificates(new, old, (Role.CALLMANAGER, Role.ITLRECOVERY), 10)
    signer = new.publisher.certs[Role.CALLMANAGER].identity
    hashes = frozenset({old.node("old-sub").certs[Role.TVS].sha1})
    before = query(old, [old.node("old-sub")], signer, hashes, ITL_SIGNING)
    assert before.reasons == ("tvs-unknown-cert",)
    ops.restart_tvs(old, ("old-pub", "old-sub"))
    after = query(old, [old.node("old-sub")], signer, hashes, ITL_SIGNING)
    assert after.certificate is not None and after.server == "old-sub"


def test_tn213407_method2_note_without_method1_phones_cannot_move_back():
    """"If the manual method is followed, the source clusters CallManager certificate won't be
    uploaded to the destination cluster. This means that you cannot migrate the phones back.\""""
    estate = _213407()
    old, new = estate.clusters["old"], estate.clusters["new"]
    upload_certificates(new, old, (Role.CALLMANAGER, Role.ITLRECOVERY), 10)
    ops.restart_tvs(old, ("old-pub", "old-sub"))
    phone = settled_phone(estate)
    assert boot_at(phone, estate, "new-sub", 100, tvs_of(old, OLD_GROUP)).config.accepted
    back = boot_at(phone, estate, "old-sub", 200, tvs_of(new, NEW_GROUP))
    assert back.ctl.reason == "ctl-signer-unknown,tvs-unknown-cert"


# -- TN 213407, "Verify" (the phone console and TVS logs, steps 1-9) ----------------------------

def test_tn213407_verify_step2_phone_asks_the_tvs_of_its_old_config_not_the_destination():
    estate = _213407()
    bulk_certificates(estate)
    phone, asked = settled_phone(estate), Asked()
    boot_at(phone, estate, "new-pub", 200, tvs_of(estate.clusters["old"], OLD_GROUP, asked))
    assert asked.nodes and set(asked.nodes) <= {"old-sub", "old-pub"}


def test_tn213407_verify_step2_tvs_certificate_checked_against_the_phone_itl_role_21():
    estate = _213407()
    bulk_certificates(estate)
    old = estate.clusters["old"]
    phone = settled_phone(estate)
    tvs_records = [r for r in phone.itl.records if r.function == Function.TVS]
    assert {r.cert_hash for r in tvs_records} == {
        n.certs[Role.TVS].sha1 for n in old.nodes_with("TVS")}
    do(old, ops.regen_cert(old, "old-sub", Role.TVS, 100), 100)  # the TVS the phone asks
    do(old, ops.regen_cert(old, "old-pub", Role.TVS, 100), 100)
    result = boot_at(phone, estate, "new-sub", 200, tvs_of(old, OLD_GROUP))
    assert result.ctl.reason == "ctl-signer-unknown,tvs-untrusted"


def test_tn213407_verify_step5_source_tvs_finds_destination_callmanager_with_roles_0_and_3():
    """The TVS log: "Found entry {rolecount : 2} {role : 0} {role : 3}": SAST and TFTP (I50)."""
    estate = _213407()
    bulk_certificates(estate)
    old, new = estate.clusters["old"], estate.clusters["new"]
    hashes = frozenset(n.certs[Role.TVS].sha1 for n in old.nodes_with("TVS"))
    answer = query(old, [old.node("old-sub")], new.publisher.certs[Role.CALLMANAGER].identity,
                   hashes, ITL_SIGNING)
    assert answer.server == "old-sub"
    assert answer.functions == {Function.SAST, Function.TFTP}
    own = query(old, [old.node("old-sub")], old.publisher.certs[Role.CALLMANAGER].identity,
                hashes, ITL_SIGNING)
    assert Function.CCM_TFTP in own.functions  # the cluster's own CallManager: {0, 2}


def test_tn213407_verify_step7_phone_caches_the_answer_24_hours_and_updates_its_ctl():
    estate = _213407()
    bulk_certificates(estate)
    phone = settled_phone(estate)
    new = estate.clusters["new"]
    tvs = tvs_of(estate.clusters["old"], OLD_GROUP)
    decision = phone.decide_ctl(new.served["new-sub"].ctl, tvs, Verifier(), 200)
    signer = new.publisher.certs[Role.CALLMANAGER].identity
    assert decision.via == "tvs"
    assert phone.tvs_cache[signer][0] == 200 + TVS_CACHE_SECONDS  # "expires in 24 hours"
    boot_at(phone, estate, "new-sub", 200, tvs)
    assert phone.ctl is new.served["new-sub"].ctl  # "TL file updated."
    assert phone.tvs_cache == {}  # a new ITL flushes the cache (I16, TN 118893)


def test_tn213407_verify_step9_itl_verified_against_ctl_that_holds_destination_callmanager():
    estate = _213407()
    phone, _, result = moved_after_bulk(estate)
    new_itl = estate.clusters["new"].served["new-sub"].itl
    # 11.0: the node's CallManager signs its ITL, and the new CTL lists it as CCM+TFTP
    assert new_itl.signer_serial == estate.clusters["new"].node("new-sub").certs[
        Role.CALLMANAGER].serial
    assert (result.itl.accepted, result.itl.via) == (True, "ctl")


def test_tn213407_caution_rollback_blanks_the_itl_not_the_ctl_so_the_handshake_fails():
    estate = _213407()
    bulk_certificates(estate)
    old = estate.clusters["old"]
    phone = settled_phone(estate)
    do(old, ops.set_rollback(old, True, 100), 100)
    assert boot_at(phone, estate, "old-sub", 150, tvs_of(old, OLD_GROUP)).itl.via == "ctl"
    result = boot_at(phone, estate, "new-sub", 200, tvs_of(old, OLD_GROUP))
    assert result.ctl.reason == "ctl-signer-unknown,tvs-untrusted"
    assert phone.ctl is old.served["old-sub"].ctl


def test_tn213407_caution_between_non_secure_clusters_the_rollback_itl_accepts_the_new_itl():
    estate = make_estate("10.5(2)", "11.0(1)")
    old = estate.clusters["old"]
    phone = settled_phone(estate)
    do(old, ops.set_rollback(old, True, 100), 100)
    boot_at(phone, estate, "old-sub", 150, tvs_of(old, OLD_GROUP))
    result = boot_at(phone, estate, "new-sub", 200, tvs_of(old, OLD_GROUP))
    assert (result.itl.via, result.config.via) == ("empty-itl", "itl")  # P6, then P4
