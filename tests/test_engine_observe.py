"""Observing trust: ``show itl`` (O1), ITL File Status (O2), checksums per node (T3)."""

from __future__ import annotations

import hashlib

from engine_helpers import PUB, SUB, boot, do, make_cluster

from sim.cluster import itlrecovery as rec
from sim.cluster import observe
from sim.cluster import operations as ops
from sim.cluster.phone import PhoneTrust
from sim.trust import trustlist
from sim.trust.certificates import Role

USED = "This etoken was used to sign the ITL file."
NOT_USED = "This etoken was not used to sign the ITL file."
VERIFIED = "The ITL file was verified successfully."


def _sha1_line(text: str) -> str:
    return next(line for line in text.splitlines() if line.endswith("(SHA1)"))


def test_O1_show_itl_marks_the_signer_and_verifies():
    cluster = make_cluster("10.0(1)", (PUB, SUB))
    text = observe.show_itl(cluster, "pub")
    assert text.count(USED) == 1 and text.count(NOT_USED) == 1  # two SAST records (seed)
    assert text.rstrip().endswith(VERIFIED)
    assert "Length of ITL file:" in text and "(MD5)" in text


def test_O1_show_itl_of_the_10x_reset_itl_marks_itlrecovery():
    cluster = make_cluster("10.0(1)")
    rec.itl_reset(cluster, "pub", 10)
    text = observe.show_itl(cluster, "pub")
    used_at = text.index(USED)
    record_start = text.rindex("ITL Record #:", 0, used_at)
    assert "CN=ITLRECOVERY_pub.lab.example" in text[record_start:used_at]
    assert VERIFIED in text


def test_O1_show_itl_reports_a_file_that_does_not_verify():
    cluster = make_cluster("10.0(1)")
    served = cluster.served["pub"]
    raw = bytearray(served.itl.raw)
    raw[served.itl.signature_offset + 20] ^= 0xFF
    served.itl = trustlist.parse(bytes(raw))
    text = observe.show_itl(cluster, "pub")
    assert VERIFIED not in text and "was not verified" in text


def test_O1_show_itl_without_tftp():
    cluster = make_cluster("10.0(1)", (PUB, SUB))
    ops.stop_service(cluster, "sub", "TFTP", 10)
    assert "not running" in observe.show_itl(cluster, "sub")


def test_T3_O1_checksums_differ_per_tftp_node_and_match_the_bytes():
    cluster = make_cluster("10.0(1)", (PUB, SUB))
    pub, sub = observe.show_itl(cluster, "pub"), observe.show_itl(cluster, "sub")
    assert _sha1_line(pub) != _sha1_line(sub)
    assert _sha1_line(pub) == hashlib.sha1(cluster.served["pub"].itl.raw).hexdigest() + "(SHA1)"
    assert hashlib.sha1(cluster.served["pub"].itl.raw).hexdigest() + "(SHA1)" == _sha1_line(pub)


def test_T3_checksum_unchanged_when_nothing_changed():
    cluster = make_cluster("10.0(1)")
    before = observe.show_itl(cluster, "pub")
    ops.start_service(cluster, "pub", "TFTP", 3600)
    assert _sha1_line(observe.show_itl(cluster, "pub")) == _sha1_line(before)


def _hash(phone: PhoneTrust) -> bytes | None:
    return hashlib.sha1(phone.itl.raw).digest() if phone.itl is not None else None


def test_O2_itl_file_status_match_mismatch_not_installed_unknown():
    cluster = make_cluster("10.0(1)")
    server = cluster.itl_hashes["pub"]
    assert server == hashlib.sha1(cluster.served["pub"].itl.raw).digest()
    current = PhoneTrust()
    boot(current, cluster, "pub", 0)
    assert observe.itl_file_status(_hash(current), server, reported=True) == observe.MATCH
    assert observe.itl_file_status(_hash(current), server, reported=False) == observe.UNKNOWN
    assert observe.itl_file_status(None, server, reported=True) == observe.NOT_INSTALLED
    assert observe.itl_file_status(None, server, reported=False) == observe.UNKNOWN
    assert observe.itl_file_status(_hash(current), None, reported=True) == observe.UNKNOWN
    do(cluster, ops.regen_cert(cluster, "pub", Role.CALLMANAGER, 100), 100)
    assert observe.itl_file_status(_hash(current), cluster.itl_hashes["pub"], reported=True) \
        == observe.MISMATCH
    boot(current, cluster, "pub", 200)
    assert observe.itl_file_status(_hash(current), cluster.itl_hashes["pub"], reported=True) \
        == observe.MATCH


def test_O2a_the_database_keeps_a_stopped_tftp_servers_last_hash():
    """Security Guide 14, "ITLRecovery Certificate": the hash is stored per server when TFTP
    builds its ITL, so a stopped TFTP server still has one to compare with."""
    cluster = make_cluster("10.0(1)", (PUB, SUB))
    phone = PhoneTrust()
    boot(phone, cluster, "sub", 0)
    ops.stop_service(cluster, "sub", "TFTP", 10)
    assert observe.itl_file_status(_hash(phone), cluster.itl_hashes.get("sub"), reported=True) \
        == observe.MATCH


def test_O2_status_stays_match_across_a_plain_tftp_restart():
    cluster = make_cluster("10.0(1)")
    phone = PhoneTrust()
    boot(phone, cluster, "pub", 0)
    ops.set_node_power(cluster, "pub", False, 100)
    ops.set_node_power(cluster, "pub", True, 200)
    assert observe.itl_file_status(_hash(phone), cluster.itl_hashes["pub"], reported=True) \
        == observe.MATCH


def test_O2_A4_recoverable_by_bulk_reset():
    cluster = make_cluster("10.0(1)")
    pub = cluster.node("pub")
    phone = PhoneTrust()
    boot(phone, cluster, "pub", 0)
    assert observe.recoverable_by_bulk_reset(phone, cluster, pub)
    assert observe.recoverable_by_bulk_reset(PhoneTrust(), cluster, pub)  # P1: takes anything
    assert observe.recoverable_by_bulk_reset(PhoneTrust(itl_support=False), cluster, pub)  # P8
    old = make_cluster("9.1")
    assert not observe.recoverable_by_bulk_reset(phone, old, old.node("pub"))  # no command
    ops.regen_cert(cluster, "pub", Role.ITLRECOVERY, 100)  # the key the phone holds is gone
    assert not observe.recoverable_by_bulk_reset(phone, cluster, pub)


def test_P3b_A4_a_phone_without_security_by_default_holding_a_ctl_is_not_recovered_in_bulk():
    """TechNote 118893: such phones need their CTL deleted by hand; the ITL reset leaves CTLs
    alone."""
    cluster = make_cluster("10.5", security_mode="mixed")
    phone = PhoneTrust(itl_support=False, ctl=cluster.served["pub"].ctl)
    assert not observe.recoverable_by_bulk_reset(phone, cluster, cluster.node("pub"))
