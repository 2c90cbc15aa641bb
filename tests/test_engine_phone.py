"""Phone trust decisions P1-P8 on real bytes, and shared memoised verification."""

from __future__ import annotations

import dataclasses
import time

from engine_helpers import PUB, SUB, boot, context, do, make_cluster

from sim.cluster import operations as ops
from sim.cluster import tftp
from sim.cluster.phone import MAX_ITL_BYTES, TVS_CACHE_SECONDS, PhoneTrust
from sim.cluster.served import ConfigProfile
from sim.trust import trustlist
from sim.trust.certificates import Role
from sim.trust.verify import Verifier

GROUP = ("pub", "sub")


def _config(cluster, node, group=GROUP):
    return tftp.served_config(cluster, cluster.served[node], ConfigProfile(group))


def _flipped(tl):
    """``tl`` with one byte of its header signature flipped (same length, still parses)."""
    raw = bytearray(tl.raw)
    raw[tl.signature_offset + 3 + 10] ^= 0x01
    return trustlist.parse(bytes(raw))


def test_P1_first_itl_and_unsigned_config_accepted_without_checks():
    cluster = make_cluster("10.0(1)")
    phone = PhoneTrust()
    ctx = context(cluster, ("pub",))
    assert phone.decide_config(None, ctx, Verifier(), 0).via == "first-use"
    result = boot(phone, cluster, "pub", 0, unsigned_config=True)
    assert result.itl.via == "first-use"
    assert phone.itl is cluster.served["pub"].itl
    # section 4: the config is checked against the ITL just installed, so unsigned is refused
    assert result.config.reason == "config-unsigned"


def test_P1_first_use_takes_even_a_foreign_clusters_itl():
    ours, theirs = make_cluster("10.0(1)"), make_cluster("10.0(1)", seed=2)
    phone = PhoneTrust()
    assert boot(phone, theirs, "pub", 0).itl.via == "first-use"
    result = boot(phone, ours, "pub", 10)
    assert result.itl.reason == "itl-signer-unknown,tvs-untrusted"


def test_P2_P5_foreign_itl_signer_unknown_to_a_trusted_tvs():
    ours, theirs = make_cluster("10.0(1)"), make_cluster("10.0(1)", seed=2)
    phone = PhoneTrust()
    boot(phone, ours, "pub", 0)
    decision = phone.decide_itl(theirs.served["pub"].itl, context(ours, ("pub",)), Verifier(), 5)
    assert decision.reason == "itl-signer-unknown,tvs-unknown-cert"


def test_P8_phone_without_itl_support_accepts_everything():
    ours, theirs = make_cluster("10.0(1)"), make_cluster("10.0(1)", seed=2)
    phone = PhoneTrust(itl_support=False)
    for cluster in (ours, theirs):
        result = boot(phone, cluster, "pub", 0, unsigned_config=True)
        assert (result.itl.via, result.config.via) == ("no-itl-support", "no-itl-support")
    assert boot(phone, ours, "pub", 1).config.via == "no-itl-support"


def test_P4_config_signed_by_a_key_not_in_the_itl_accepted_through_tvs():
    cluster = make_cluster("10.0(1)", (PUB, SUB))
    phone = PhoneTrust()
    boot(phone, cluster, "pub", 0, cm_group=GROUP)  # ITL of pub: sub's CallManager absent
    decision = phone.decide_config(_config(cluster, "sub"), context(cluster, GROUP), Verifier(), 1)
    assert (decision.accepted, decision.via) == (True, "tvs")


def test_P4_tvs_and_capf_records_do_not_authorise_config_files():
    cluster = make_cluster("10.0(1)", (PUB, SUB))
    phone = PhoneTrust()
    boot(phone, cluster, "pub", 0, cm_group=GROUP)
    xml = _config(cluster, "pub").xml
    for role in (Role.TVS, Role.CAPF):
        forged = tftp.sign_config(xml, cluster.node("pub").certs[role])  # in the ITL, wrong role
        decision = phone.decide_config(forged, context(cluster, GROUP), Verifier(), 1)
        assert decision.reason == "config-signer-unknown,tvs-wrong-role"


def test_P4_config_with_a_bad_signature_rejected():
    cluster = make_cluster("10.0(1)")
    phone = PhoneTrust()
    boot(phone, cluster, "pub", 0)
    good = _config(cluster, "pub", ("pub",))
    bad = tftp.SignedConfig(good.xml + b" ", good.signer_serial, good.signer_issuer,
                            good.signature)
    decision = phone.decide_config(bad, context(cluster, ("pub",)), Verifier(), 1)
    assert decision.reason == "config-bad-signature"


def test_P4_P5_tvs_unreachable_node_down_or_service_stopped():
    for fault in ("down", "stopped"):
        cluster = make_cluster("10.0(1)", (PUB, SUB))
        phone = PhoneTrust()
        boot(phone, cluster, "pub", 0, cm_group=GROUP)
        for name in GROUP:
            if fault == "down":
                ops.set_node_power(cluster, name, False, 5)
            else:
                ops.stop_service(cluster, name, "TVS", 5)
        config = _config(make_cluster("10.0(1)", (PUB, SUB)), "sub")  # same keys, seed 1
        decision = phone.decide_config(config, context(cluster, GROUP), Verifier(), 10)
        assert decision.reason == "config-signer-unknown,tvs-unreachable", fault


def test_P5_tvs_servers_tried_in_cm_group_order():
    cluster = make_cluster("10.0(1)", (PUB, SUB))
    phone = PhoneTrust()
    boot(phone, cluster, "pub", 0, cm_group=GROUP)
    ops.stop_service(cluster, "pub", "TVS", 5)
    decision = phone.decide_config(_config(cluster, "sub"), context(cluster, GROUP), Verifier(), 10)
    assert (decision.accepted, decision.via) == (True, "tvs")  # the second one answered
    unreachable_sub = context(cluster, GROUP, reachable=lambda node: node.name != "sub")
    fresh = PhoneTrust()
    boot(fresh, cluster, "pub", 0, cm_group=GROUP)
    decision = fresh.decide_config(_config(cluster, "sub"), unreachable_sub, Verifier(), 10)
    assert decision.reason == "config-signer-unknown,tvs-unreachable"


def test_P5_tvs_cache_answers_for_24_hours_even_with_tvs_down():
    cluster = make_cluster("10.0(1)", (PUB, SUB))
    phone = PhoneTrust()
    boot(phone, cluster, "pub", 0, cm_group=GROUP)
    ctx, verifier, config = context(cluster, GROUP), Verifier(), _config(cluster, "sub")
    assert phone.decide_config(config, ctx, verifier, 100).via == "tvs"
    for name in GROUP:
        ops.stop_service(cluster, name, "TVS", 200)
    assert phone.decide_config(config, ctx, verifier, 100 + TVS_CACHE_SECONDS - 1).via == \
        "tvs-cache"
    late = phone.decide_config(config, ctx, verifier, 100 + TVS_CACHE_SECONDS)
    assert late.reason == "config-signer-unknown,tvs-unreachable"


def test_P2_flipped_signature_byte_rejected_with_reason():
    cluster = make_cluster("12.5")  # signer ITLRecovery: a SAST the phone holds (P2)
    phone = PhoneTrust()
    boot(phone, cluster, "pub", 0)
    do(cluster, ops.regen_cert(cluster, "pub", Role.CALLMANAGER, 100), 100)
    decision = phone.decide_itl(_flipped(cluster.served["pub"].itl), context(cluster, ("pub",)),
                                Verifier(), 200)
    assert not decision.accepted and decision.reason == "itl-bad-signature"


def test_P5_flipped_signature_byte_through_tvs_rejected_with_reason():
    cluster = make_cluster("10.0(1)")  # signer = the new CallManager: only TVS knows it
    phone = PhoneTrust()
    boot(phone, cluster, "pub", 0)
    do(cluster, ops.regen_cert(cluster, "pub", Role.CALLMANAGER, 100), 100)
    decision = phone.decide_itl(_flipped(cluster.served["pub"].itl), context(cluster, ("pub",)),
                                Verifier(), 200)
    assert not decision.accepted and decision.reason == "itl-bad-signature"
    assert phone.tvs_cache == {}  # nothing cached from a failed verification


def test_verification_shared_10000_phones_one_rsa_check_per_file_and_key():
    for version, via in (("12.5", "sast"), ("10.0(1)", "tvs")):
        cluster = make_cluster(version)
        verifier = Verifier()
        first = cluster.served["pub"].itl
        phones = [PhoneTrust(itl=first) for _ in range(10_000)]
        do(cluster, ops.regen_cert(cluster, "pub", Role.CALLMANAGER, 100), 100)
        offered, ctx = cluster.served["pub"].itl, context(cluster, ("pub",))
        started = time.perf_counter()
        decisions = {phone.decide_itl(offered, ctx, verifier, 200).via for phone in phones}
        elapsed = time.perf_counter() - started
        assert decisions == {via}
        assert verifier.rsa_checks == 1 and verifier.lookups == 10_000
        assert elapsed < 2.0, f"{version}: 10,000 decisions took {elapsed:.2f} s"


def test_verification_memo_distinguishes_keys_and_files():
    cluster, other = make_cluster("10.0(1)"), make_cluster("10.0(1)", seed=2)
    verifier = Verifier()
    tl = cluster.served["pub"].itl
    own = cluster.node("pub").certs[Role.CALLMANAGER].public_key_der
    foreign = other.node("pub").certs[Role.CALLMANAGER].public_key_der
    assert verifier.trust_list(tl, own) and not verifier.trust_list(tl, foreign)
    assert not verifier.trust_list(_flipped(tl), own)
    assert verifier.trust_list(tl, own)
    assert verifier.rsa_checks == 3 and verifier.lookups == 4


def test_T5_itl_over_64_kb_cannot_be_loaded_even_on_first_use():
    cluster = make_cluster("10.0(1)")
    itl = cluster.served["pub"].itl
    huge = dataclasses.replace(itl, raw=itl.raw + bytes(MAX_ITL_BYTES))
    for phone in (PhoneTrust(), PhoneTrust(itl=itl)):
        decision = phone.decide_itl(huge, context(cluster, ("pub",)), Verifier(), 0)
        assert decision.reason == "itl-too-large"
    assert PhoneTrust(itl_support=False).decide_itl(huge, context(cluster, ("pub",)),
                                                    Verifier(), 0).accepted  # P8 ignores it
