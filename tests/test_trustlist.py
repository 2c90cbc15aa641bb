"""sim.trust.trustlist: the real files, the seed's numbers, build/parse/verify, and corruption."""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import pytest
from cryptography import x509
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.errors import SignatureError, TLVError
from sim.trust import reuse, tlv, trustlist
from sim.trust.trustlist import CISCO_RECORD_ORDER, Function, Record

GIGANTIC6 = "CN=gigantic-6.cisco.com;OU=VTG;O=Alpha;L=SJ;ST=CA;C=US"


# -- the real files ---------------------------------------------------------------------------

def test_real_ctl_parses_field_by_field(real_ctl: Path) -> None:
    tl = trustlist.read(real_ctl)
    assert (tl.kind, tl.version, tl.header_length, len(tl.raw)) == ("CTL", "1.2", 312, 7166)
    assert (tl.signer_name, tl.ca_name) == (GIGANTIC6, GIGANTIC6)
    assert tl.signer_serial == bytes.fromhex("24491f10703fea9b")
    assert (tl.digest_algorithm, tl.signature_algorithm, tl.signature_modulus) == (1, 0, 1)
    assert (len(tl.signature), tl.signature_offset) == (128, 158)
    assert (tl.filename, tl.timestamp, tl.signer_version) == ("CTLFile.tlv", 0x554AD7B7, None)
    assert [r.function for r in tl.records] == [0, 2, 2, 4, 0, 2]
    assert [r.dns_name for r in tl.records] == [b"gigantic-6\x00"] * 2 + [b"gigantic-7\x00"] + [
        b"gigantic-6\x00"] * 2 + [b"ccm-sjcctg-013\x00"]
    assert tl.records[0].ip_address == bytes([10, 35, 48, 106])
    assert [len(r.certificate or b"") for r in tl.records] == [712, 712, 724, 656, 694, 688]
    assert all(r.layout == () and r.cert_hash is None for r in tl.records)


def test_real_third_party_itl_parses_field_by_field(real_itl: Path) -> None:
    tl = trustlist.read(real_itl)
    assert (tl.kind, tl.header_length, len(tl.raw), tl.signer_version) == ("ITL", 388, 10370,
                                                                           "1.0")
    assert tl.header_order == (1, 2, 28, 3, 4, 6, 5, 7, 8, 9, 10, 11, 12, 14, 15)
    assert (tl.signer_name, tl.signature_modulus, len(tl.signature)) == (
        "CN=SAST,O=SAST,OU=SAST", 2, 256)
    assert [r.function for r in tl.records] == [0, 1, 1, 7, 7]
    assert all(r.layout == (3, 5, 6, 4, 7, 8, 9) and r.dns_name is None for r in tl.records)
    assert tl.records[3].subject_name == "C=US,O=Internet Security Research Group,CN=ISRG Root X1"
    assert tl.records[4].serial.hex() == "0203e5936f31b01349886ba217"


@pytest.mark.parametrize("name", ["cucm-ctl-gigantic6.tlv", "usecallmanager-itl.tlv"])
def test_real_files_verify_against_their_first_sast_record(shared_testdata: Path,
                                                           name: str) -> None:
    tl = trustlist.read(shared_testdata / name)
    assert trustlist.check(tl) is tl.records[0]
    assert trustlist.signer_record(tl) is tl.records[0]
    assert trustlist.verify_with(tl, tl.records[0].public_key)
    assert not trustlist.verify_with(tl, tl.records[2].public_key)
    assert len(trustlist.signed_portion(tl)) == len(tl.raw) - 3 - len(tl.signature)
    assert trustlist.signed_portion(tl.raw) == trustlist.signed_portion(tl)


@pytest.mark.parametrize("name", ["cucm-ctl-gigantic6.tlv", "usecallmanager-itl.tlv"])
def test_parsed_records_reencode_to_the_original_bytes(shared_testdata: Path, name: str) -> None:
    tl = trustlist.read(shared_testdata / name)
    assert b"".join(map(trustlist.encode_record, tl.records)) == tl.raw[tl.header_length:]


@pytest.mark.parametrize("index", range(6))
def test_record_for_reproduces_the_real_ctl_records(real_ctl: Path, index: int) -> None:
    original = trustlist.read(real_ctl).records[index]
    assert original.certificate is not None
    cert = x509.load_der_x509_certificate(original.certificate)
    rebuilt = trustlist.record_for(cert, Function(original.function), with_certificate=True,
                                   dns_name=original.dns_name or b"",
                                   ip_address=original.ip_address)
    assert rebuilt == original


def test_read_reports_file_problems_as_tlv_errors(tmp_path: Path) -> None:
    missing = tmp_path / "nope.tlv"
    empty = tmp_path / "empty.tlv"
    empty.write_bytes(b"")
    for path, text in [(missing, f"{missing}: no such file; expected an ITL/CTL file such as "
                        "ITLFile.tlv"),
                       (tmp_path, f"{tmp_path}: is a directory; expected an ITL/CTL file such as "
                        "ITLFile.tlv"),
                       (empty, f"{empty} at byte 0: empty input: 0 bytes; an ITL/CTL file "
                        "starts with VERSION (tag 1, value 01 02)")]:
        with pytest.raises(TLVError) as caught:
            trustlist.read(path)
        assert str(caught.value) == text


# -- the seed's numbers (tlv-format.md "Numbers a correct builder reproduces") ----------------

def test_seed_itl_has_the_seed_lengths(seed_itl: bytes, seed_reset_itl: bytes) -> None:
    normal, reset = trustlist.parse(seed_itl), trustlist.parse(seed_reset_itl)
    assert (len(seed_itl), normal.header_length) == (5302, 324)
    assert (len(seed_reset_itl), reset.header_length) == (5322, 344)
    signer_id = tlv.read_header(seed_itl).elements[tlv.HeaderTag.SIGNERID]
    assert signer_id.length == 139 and normal.raw[323] == tlv.HeaderTag.PADDING
    assert tlv.read_header(seed_reset_itl).elements[tlv.HeaderTag.SIGNERID].length == 157
    assert [len(trustlist.encode_record(r)) for r in normal.records] == [
        1115, 1115, 439, 455, 1141, 713]
    assert normal.records == reset.records


def test_seed_itl_signers(seed_itl: bytes, seed_reset_itl: bytes) -> None:
    normal, reset = trustlist.parse(seed_itl), trustlist.parse(seed_reset_itl)
    assert trustlist.check(normal) is normal.records[0]
    assert trustlist.check(reset) is reset.records[4]
    assert [len(r.signer_name) + 1 for r in (normal, reset)] == [57, 66]


def test_record_layout_of_t2(seed_cluster) -> None:
    sast, tftp, capf, tvs, recovery, tvs2048 = seed_cluster.records()
    assert sast.certificate == seed_cluster.callmanager.der and len(sast.certificate) == 684
    assert (sast.cert_hash, sast.hash_algorithm, sast.dns_name) == (None, None, b"\x00\x00")
    assert capf.certificate is None and capf.hash_algorithm == 1
    assert capf.cert_hash == hashlib.sha1(seed_cluster.capf.der).digest()
    assert len(capf.subject_name) + 1 == 49
    assert (len(tvs.public_key), len(tvs.signature)) == (140, 128)
    assert (len(tvs2048.public_key), len(tvs2048.signature)) == (270, 256)
    assert tvs.serial.hex().upper() == "765984D8B730606336E5C7B6A7DDB9D6"
    assert [t for t, _ in trustlist.record_elements(capf)] == [1, 2, 3, 4, 5, 6, 7, 8, 11, 12]
    assert [t for t, _ in trustlist.record_elements(recovery)] == list(range(1, 10))


# -- build / parse / check --------------------------------------------------------------------

def test_build_is_deterministic_and_round_trips(seed_cluster, seed_itl: bytes) -> None:
    signer = seed_cluster.callmanager
    again = trustlist.build(seed_cluster.records(), signer_cert=signer.cert,
                            signer_key=signer.key, timestamp=1393438867)
    assert again == seed_itl
    tl = trustlist.parse(again)
    assert tl.records == tuple(seed_cluster.records())
    assert (tl.filename, tl.timestamp, tl.kind) == ("ITLFile.tlv", 1393438867, "ITL")


@pytest.mark.parametrize(("digest", "size"), [(1, 324), (2, 324), (3, 324)])
def test_other_digests_verify(seed_cluster, digest: int, size: int) -> None:
    signer = seed_cluster.callmanager
    data = trustlist.build(seed_cluster.records()[:1], signer_cert=signer.cert,
                           signer_key=signer.key, timestamp=0, digest_algorithm=digest,
                           filename="CTLFile.tlv")
    tl = trustlist.parse(data)
    assert (tl.digest_algorithm, tl.header_length, tl.kind) == (digest, size, "CTL")
    assert trustlist.check(tl) is tl.records[0]


def test_build_refuses_bad_arguments(seed_cluster) -> None:
    signer = seed_cluster.callmanager
    with pytest.raises(ValueError, match="digest_algorithm 4 unknown"):
        trustlist.build([], signer_cert=signer.cert, signer_key=signer.key, timestamp=0,
                        digest_algorithm=4)
    with pytest.raises(ValueError, match="does not fit TIMESTAMP"):
        trustlist.build([], signer_cert=signer.cert, signer_key=signer.key, timestamp=2**32)


def test_check_without_a_signer_record(seed_cluster, other_certificate) -> None:
    data = trustlist.build(seed_cluster.records(), signer_cert=other_certificate.cert,
                           signer_key=other_certificate.key, timestamp=0)
    tl = trustlist.parse(data)
    assert trustlist.signer_record(tl) is None
    with pytest.raises(SignatureError) as caught:
        trustlist.check(tl, path="ITLFile.tlv")
    assert str(caught.value) == (
        "ITLFile.tlv: no record matches the signer (SERIALNUMBER 11:11:11:11:11:11:11:11:11:11:"
        "11:11:11:11:11:11, CANAME CN=stranger.example.lab;OU=tac;O=cisco;L=rtp;ST=nc;C=US); the "
        "ITL cannot be verified")


def test_check_with_a_foreign_key_under_a_known_name(seed_cluster, other_certificate) -> None:
    signer = seed_cluster.callmanager
    data = trustlist.build(seed_cluster.records(), signer_cert=signer.cert,
                           signer_key=other_certificate.key, timestamp=0)
    with pytest.raises(SignatureError) as caught:
        trustlist.check(trustlist.parse(data))
    assert str(caught.value) == (
        "signature does not verify with the key of record #1 (System Administrator Security "
        "Token, CN=test10pub.joemar2.lab;OU=tac;O=cisco;L=rtp;ST=nc;C=US); the ITL was altered "
        "or signed by another key")


def test_third_party_function_signer_is_accepted(seed_cluster) -> None:
    signer = seed_cluster.callmanager
    records = seed_cluster.records()[1:2]  # only the TFTP record carries the signer's serial
    tl = trustlist.parse(trustlist.build(records, signer_cert=signer.cert, signer_key=signer.key,
                                         timestamp=0))
    assert trustlist.check(tl).function == Function.TFTP


def test_verify_with_rejects_keys_that_do_not_load(seed_itl: bytes) -> None:
    tl = trustlist.parse(seed_itl)
    assert not trustlist.verify_with(tl, b"\x30\x03\x02\x01\x01")
    assert not trustlist.verify_with(tl, b"")


def test_parse_checks_header_values(seed_itl: bytes) -> None:
    def parse_with(offset: int, value: int) -> TLVError:
        data = bytearray(seed_itl)
        data[offset] = value
        with pytest.raises(TLVError) as caught:
            trustlist.parse(bytes(data), path="x")
        return caught.value

    header = tlv.read_header(seed_itl).elements
    digest, modulus = header[tlv.HeaderTag.DIGESTALGORITHM], header[tlv.HeaderTag.SIGNATUREMODULUS]
    assert parse_with(digest.offset + 3, 9).reason == (
        "DIGESTALGORITHM 9 unknown; valid: 1 (SHA-1), 2 (SHA-256), 3 (SHA-512)")
    assert parse_with(modulus.offset + 3, 2).reason == (
        "SIGNATURE is 128 bytes but SIGNATUREMODULUS 2 means 2048 bits (256 bytes)")
    assert parse_with(header[tlv.HeaderTag.SIGNERNAME].end - 1, 0x41).reason == (
        "SIGNERNAME is not NUL-terminated; names end with a 00 byte")


# -- properties -------------------------------------------------------------------------------

_NAMES = st.text(st.characters(exclude_categories=("Cs",)), max_size=30)


@st.composite
def records(draw: st.DrawFn) -> Record:
    """Arbitrary well-formed records: any names, functions, sizes and element orders."""
    with_certificate = draw(st.booleans())
    record = Record(
        subject_name=draw(_NAMES), issuer_name=draw(_NAMES),
        function=draw(st.sampled_from(list(Function)) | st.integers(0, 0xFFFF)),
        serial=draw(st.binary(min_size=1, max_size=20)),
        public_key=draw(st.binary(max_size=300)), signature=draw(st.binary(max_size=300)),
        certificate=draw(st.binary(max_size=900)) if with_certificate else None,
        cert_hash=None if with_certificate else draw(st.binary(min_size=20, max_size=20)),
        hash_algorithm=None if with_certificate else 1,
        dns_name=draw(st.none() | st.binary(max_size=20)),
        ip_address=draw(st.none() | st.binary(min_size=4, max_size=4)),
    )
    tags = [t for t, _ in trustlist.record_elements(record)[1:]]
    layout = tuple(draw(st.permutations(tags)))
    cisco = tuple(t for t in CISCO_RECORD_ORDER if t in tags)
    return record if layout == cisco else dataclasses.replace(record, layout=layout)


@settings(max_examples=60, deadline=None)
@given(body=st.lists(records(), max_size=4), position=st.integers(0, 4))
def test_build_parse_round_trip(seed_cluster, body: list[Record], position: int) -> None:
    signer = seed_cluster.callmanager
    recs = [*body[:position], seed_cluster.records()[0], *body[position:]]
    data = trustlist.build(recs, signer_cert=signer.cert, signer_key=signer.key, timestamp=7)
    tl = trustlist.parse(data)
    assert tl.records == tuple(recs)
    assert tl.header_length % 4 == 0
    assert trustlist.check(tl).serial == bytes.fromhex("614052E91EE97C779B7B5E810AB146A5")


def _element_offsets(data: bytes) -> list[int]:
    header = tlv.read_header(data)
    offsets = [e.offset for e in header.elements.values()]
    for record in tlv.read_records(data, header.length):
        offsets += [record.offset, *(e.offset for e in record.elements.values())]
    return offsets


def _fails(data: bytes) -> bool:
    """True if ``data`` is rejected by parse or check; any other exception propagates."""
    try:
        trustlist.check(trustlist.parse(data))
    except (TLVError, SignatureError):
        return True
    return False


@pytest.fixture(scope="session")
def corpus(shared_testdata: Path, seed_itl: bytes) -> list[bytes]:
    return [(shared_testdata / n).read_bytes()
            for n in ("cucm-ctl-gigantic6.tlv", "usecallmanager-itl.tlv")] + [seed_itl]


@pytest.mark.parametrize("which", [0, 1, 2])
def test_flipping_any_structural_byte_fails(corpus: list[bytes], which: int) -> None:
    """Every header byte and the first 4 and last byte of every element, two masks each."""
    data = corpus[which]
    header_length = tlv.read_header(data).length
    positions = set(range(header_length))
    for offset in _element_offsets(data):
        positions |= set(range(offset, offset + 4))
    for element in tlv.decode(data, start=header_length, names=tlv.RECORD_NAMES, where="r"):
        positions.add(element.offset + element.size - 1)
    for position in sorted(positions):
        for mask in (0x01, 0xFF):
            corrupted = bytearray(data)
            corrupted[position] ^= mask
            assert _fails(bytes(corrupted)), (which, position, mask)


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_any_corruption_is_rejected_cleanly(corpus: list[bytes], data: st.DataObject) -> None:
    """Flip, truncate, insert or change a length anywhere: TLVError or SignatureError only."""
    original = data.draw(st.sampled_from(corpus))
    operation = data.draw(st.sampled_from(["flip", "truncate", "insert", "length"]))
    buf = bytearray(original)
    if operation == "flip":
        buf[data.draw(st.integers(0, len(buf) - 1))] ^= data.draw(st.integers(1, 255))
    elif operation == "truncate":
        del buf[data.draw(st.integers(0, len(buf) - 1)):]
    elif operation == "insert":
        at = data.draw(st.integers(0, len(buf)))
        buf[at:at] = data.draw(st.binary(min_size=1, max_size=4))
    else:
        at = data.draw(st.sampled_from(_element_offsets(original))) + 1
        old = int.from_bytes(buf[at:at + 2], "big")
        new = (old + data.draw(st.integers(1, 0xFFFF))) % 0x10000
        buf[at:at + 2] = new.to_bytes(2, "big")
    assert _fails(bytes(buf))


def test_signed_portion_of_bytes_parses_first() -> None:
    with pytest.raises(TLVError, match="empty input"):
        trustlist.signed_portion(b"")


def test_reuse_signs_once_and_parses_into_new_objects(seed_cluster, seed_itl: bytes) -> None:
    """A sweep worker's runs reuse signed bytes (PKCS#1 v1.5 is deterministic: the same bytes
    as ``build``) and parses, but every parse is a new object: phones and the fleet's memos
    tell files apart by identity (``sim.trust.reuse``)."""
    signer = seed_cluster.callmanager
    kwargs = {"signer_cert": signer.cert, "signer_key": signer.key, "filename": "ITLFile.tlv",
              "timestamp": 1393438867}
    built = trustlist.build(seed_cluster.records(), **kwargs)
    assert built == seed_itl and reuse.signed(seed_cluster.records(), **kwargs) == built
    assert reuse.signed(iter(seed_cluster.records()), **kwargs) is reuse.signed(
        seed_cluster.records(), **kwargs)
    first, second = (reuse.parsed(seed_itl, path="a") for _ in range(2))
    assert first is not second and first == second == trustlist.parse(seed_itl, path="a")
