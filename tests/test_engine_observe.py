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


def test_O2_itl_file_status_match_mismatch_not_installed_unknown():
    cluster = make_cluster("10.0(1)")
    served = cluster.served["pub"]
    current = PhoneTrust()
    boot(current, cluster, "pub", 0)
    assert observe.itl_file_status(current, served, reported=True) == observe.MATCH
    assert observe.itl_file_status(current, served, reported=False) == observe.UNKNOWN
    assert observe.itl_file_status(PhoneTrust(), served, reported=True) == observe.NOT_INSTALLED
    assert observe.itl_file_status(PhoneTrust(), served, reported=False) == observe.UNKNOWN
    legacy = PhoneTrust(itl_support=False)
    assert observe.itl_file_status(legacy, served, reported=True) == observe.UNKNOWN
    assert observe.itl_file_status(current, None, reported=True) == observe.UNKNOWN
    do(cluster, ops.regen_cert(cluster, "pub", Role.CALLMANAGER, 100), 100)
    assert observe.itl_file_status(current, cluster.served["pub"], reported=True) == \
        observe.MISMATCH
    boot(current, cluster, "pub", 200)
    assert observe.itl_file_status(current, cluster.served["pub"], reported=True) == \
        observe.MATCH


def test_O2_status_stays_match_across_a_plain_tftp_restart():
    cluster = make_cluster("10.0(1)")
    phone = PhoneTrust()
    boot(phone, cluster, "pub", 0)
    ops.set_node_power(cluster, "pub", False, 100)
    ops.set_node_power(cluster, "pub", True, 200)
    assert observe.itl_file_status(phone, cluster.served["pub"], reported=True) == observe.MATCH


def test_O2_A4_recoverable_by_bulk_reset():
    cluster = make_cluster("10.0(1)")
    phone = PhoneTrust()
    boot(phone, cluster, "pub", 0)
    assert observe.recoverable_by_bulk_reset(phone, cluster)
    assert observe.recoverable_by_bulk_reset(PhoneTrust(), cluster)  # P1: takes anything
    assert observe.recoverable_by_bulk_reset(PhoneTrust(itl_support=False), cluster)  # P8
    assert not observe.recoverable_by_bulk_reset(phone, make_cluster("9.1"))  # no command
    ops.regen_cert(cluster, "pub", Role.ITLRECOVERY, 100)  # the key the phone holds is gone
    assert not observe.recoverable_by_bulk_reset(phone, cluster)
