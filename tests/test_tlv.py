"""The element codec and the structure checks of sim.trust.tlv (tlv-format.md "Encoding")."""

from __future__ import annotations

import pytest

from sim.errors import TLVError
from sim.trust import tlv

NAME = b"CN=a;OU=b;O=c;L=d;ST=e;C=US\x00"
SERIAL = bytes(range(1, 17))
SIGNER_ID = tlv.container(3, tlv.element(4, NAME) + tlv.element(5, SERIAL)
                          + tlv.element(6, NAME))
SIGNATURE_INFO = tlv.container(7, tlv.element(8, b"\x01") + tlv.container(
    9, tlv.element(10, b"\x00") + tlv.element(11, b"\x01")))
BODY = (SIGNER_ID, SIGNATURE_INFO, tlv.element(12, bytes(128)),
        tlv.element(14, b"ITLFile.tlv\x00"), tlv.element(15, b"\x53\x0e\x1f\x00"))


def header(*body: bytes, length: int | None = None, pad: int | None = None) -> bytes:
    """VERSION + HEADERLENGTH + ``body`` (default: Cisco's) + padding to a multiple of 4."""
    content = b"".join(body or BODY)
    pad = -(10 + len(content)) % 4 if pad is None else pad
    length = 10 + len(content) + pad if length is None else length
    return (tlv.element(1, b"\x01\x02") + tlv.element(2, length.to_bytes(2, "big")) + content
            + tlv.padding(pad))


def record(*elements: bytes) -> bytes:
    """RECORDLENGTH (the whole record) followed by ``elements``."""
    content = b"".join(elements)
    return tlv.element(1, (5 + len(content)).to_bytes(2, "big")) + content


RECORD_BODY = (tlv.element(3, NAME), tlv.element(4, b"\x00\x15"), tlv.element(5, NAME),
               tlv.element(6, SERIAL), tlv.element(7, bytes(140)), tlv.element(8, bytes(128)))


def error(data: bytes, *, records: bool = False) -> TLVError:
    with pytest.raises(TLVError) as caught:
        parsed = tlv.read_header(data, path="f.tlv")
        if records:
            tlv.read_records(data, parsed.length, path="f.tlv")
    return caught.value


# -- encoding ---------------------------------------------------------------------------------

def test_element_is_tag_u16_length_value() -> None:
    assert tlv.element(4, b"ab\x00") == b"\x04\x00\x03ab\x00"
    assert tlv.element(12, bytes(300))[:3] == b"\x0c\x01\x2c"


def test_container_length_counts_nested_elements_only() -> None:
    inner = tlv.element(10, b"\x00") + tlv.element(11, b"\x01")
    assert tlv.container(9, inner) == b"\x09\x00\x08" + inner
    assert SIGNATURE_INFO[:3] == b"\x07\x00\x0f"


def test_padding_is_one_byte_per_element() -> None:
    assert tlv.padding(3) == b"\x0d\x0d\x0d"
    assert tlv.padding(0) == b""


def test_value_over_65535_bytes_is_refused() -> None:
    with pytest.raises(ValueError, match="at most 65535"):
        tlv.element(9, bytes(65536))


def test_decode_yields_elements_with_offsets_and_containers_inline() -> None:
    data = header()
    walked = [(e.tag, e.offset, e.length, e.is_container) for e in
              tlv.decode(data, names=tlv.HEADER_NAMES, where="the header")]
    assert walked[:6] == [(1, 0, 2, False), (2, 5, 2, False), (3, 10, 81, True),
                          (4, 13, 28, False), (5, 44, 16, False), (6, 63, 28, False)]
    assert [tag for tag, *_ in walked][6:] == [7, 8, 9, 10, 11, 12, 14, 15, 13, 13, 13]
    assert walked[-1] == (13, len(data) - 1, 0, False)


def test_decode_reports_truncation_and_lengths_past_the_end() -> None:
    with pytest.raises(TLVError, match=r"truncated SIGNERNAME \(tag 4\): 2 byte\(s\) left"):
        list(tlv.decode(b"\x04\x00", names=tlv.HEADER_NAMES, where="the header"))
    with pytest.raises(TLVError) as caught:
        list(tlv.decode(b"\x05\x00\x09abc", names=tlv.RECORD_NAMES, where="record #1",
                        path="x"))
    assert str(caught.value) == ("x at byte 0: ISSUERNAME (tag 5) declares 9 bytes but only 3 "
                                 "remain before the end of the file (byte 6)")


# -- header -----------------------------------------------------------------------------------

def test_cisco_header_layout_with_padding() -> None:
    layout = tlv.read_header(header())
    assert layout.order == (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 15)
    assert (layout.length, layout.padding) == (268, 3)
    assert (layout.elements[12].offset, layout.elements[12].value) == (112, bytes(128))


def test_third_party_header_order_is_accepted() -> None:
    signer_id = tlv.container(3, tlv.element(4, NAME) + tlv.element(6, NAME)
                              + tlv.element(5, SERIAL))
    data = header(tlv.element(28, b"\x01\x00"), signer_id, *BODY[1:])
    assert tlv.read_header(data).order == (1, 2, 28, 3, 4, 6, 5, 7, 8, 9, 10, 11, 12, 14, 15)


@pytest.mark.parametrize(("data", "offset", "message"), [
    (b"", 0, "empty input: 0 bytes; an ITL/CTL file starts with VERSION (tag 1, value 01 02)"),
    (b"\x01\x00", 0, "truncated VERSION (tag 1): 2 byte(s) left before the end of the file "
     "(byte 2), a tag and its 2-byte length need 3"),
    (b"\x02\x00\x02\x01\x00", 0, "expected VERSION (tag 1) here, found HEADERLENGTH (tag 2)"),
    (b"\x01\x00\x02\x01\x01" + header()[5:], 0, "VERSION is 01 01; only 01 02 (1.2) is valid"),
    (b"\x63" + header()[1:], 0, "unknown tag 99 in the header; valid tags there are 1-15 and 28"),
    (header()[:5], 5, "file ends before HEADERLENGTH (tag 2)"),
    (header(length=4000), 5, "HEADERLENGTH 4000 does not fit the file: it must lie between 11 "
     "and the file size 268"),
    (header(length=200), 112, "SIGNATURE (tag 12) declares 128 bytes but only 85 remain before "
     "the end of the header (byte 200)"),
])
def test_header_start_errors(data: bytes, offset: int, message: str) -> None:
    err = error(data)
    assert (err.offset, err.reason) == (offset, message)
    assert str(err) == f"f.tlv at byte {offset}: {message}"


def test_header_length_beyond_the_elements_needs_padding_only() -> None:
    err = error(header(*BODY, tlv.element(28, b"\x01\x00")))
    assert err.reason == "unexpected SIGNERVERSION (tag 28) in the header; expected nothing more"
    err = error(header(*BODY, tlv.element(5, SERIAL)))
    assert err.reason == "duplicate SERIALNUMBER (tag 5) in the header; it may appear once"
    data = header(pad=2)[:-1] + b"\x0f" + bytes(8)
    err = error(data)
    assert err.offset == 266
    assert err.reason == ("TIMESTAMP (tag 15) after PADDING; only PADDING (tag 13) may follow "
                          "TIMESTAMP up to HEADERLENGTH")


def test_missing_and_misplaced_header_elements() -> None:
    err = error(header(*BODY[:3], BODY[4]))
    assert err.reason == "unexpected TIMESTAMP (tag 15) in the header; expected FILENAME (tag 14)"
    err = error(header(*BODY[:4], pad=3))
    assert err.reason == "the header ends without TIMESTAMP (tag 15), which is mandatory"
    assert err.offset == 10 + sum(map(len, BODY[:4]))


def test_signerid_children_must_each_appear_once() -> None:
    missing = tlv.container(3, tlv.element(4, NAME) + tlv.element(5, SERIAL))
    err = error(header(missing, *BODY[1:]))
    assert err.reason == "SIGNERID ends without CANAME (tag 6), which is mandatory"
    err = error(header(tlv.container(3, b""), *BODY[1:]))
    assert err.reason == ("SIGNERID ends without SIGNERNAME (tag 4), SERIALNUMBER (tag 5), "
                          "CANAME (tag 6), which are mandatory")
    twice = tlv.container(3, tlv.element(4, NAME) + tlv.element(4, NAME) + tlv.element(5, SERIAL))
    err = error(header(twice, *BODY[1:]))
    assert err.reason == "duplicate SIGNERNAME (tag 4) in SIGNERID; it may appear once"
    padded = tlv.container(3, tlv.padding(1) + tlv.element(4, NAME))
    err = error(header(padded, *BODY[1:]))
    assert err.reason == ("unexpected PADDING (tag 13) in SIGNERID; expected SIGNERNAME (tag 4) "
                          "or SERIALNUMBER (tag 5) or CANAME (tag 6)")


def test_child_crossing_its_container() -> None:
    short = b"\x03\x00\x05" + tlv.element(4, NAME) + tlv.element(5, SERIAL) + tlv.element(6, NAME)
    err = error(header(short, *BODY[1:]))
    assert (err.offset, err.reason) == (13, f"SIGNERNAME (tag 4) declares {len(NAME)} bytes but "
                                        "only 2 remain before the end of SIGNERID (byte 18)")


def test_fixed_sizes_are_enforced() -> None:
    info = tlv.container(7, tlv.element(8, b"\x01\x00") + tlv.container(
        9, tlv.element(10, b"\x00") + tlv.element(11, b"\x01")))
    err = error(header(BODY[0], info, *BODY[2:]))
    assert err.reason == "DIGESTALGORITHM (tag 8) has length 2; it must be 1"


# -- records ----------------------------------------------------------------------------------

def test_records_in_any_order_keep_their_order() -> None:
    first = record(*RECORD_BODY, tlv.element(11, bytes(20)), tlv.element(12, b"\x01"))
    second = record(*reversed(RECORD_BODY))
    layouts = tlv.read_records(header() + first + second, 268)
    assert [(r.offset, r.length) for r in layouts] == [(268, 392), (660, 365)]
    assert layouts[0].order == (3, 4, 5, 6, 7, 8, 11, 12)
    assert layouts[1].order == (8, 7, 6, 5, 4, 3)


@pytest.mark.parametrize(("rec", "offset", "message"), [
    (record(*RECORD_BODY)[:-1], 268, "record length mismatch: RECORDLENGTH 365 of record #1 must "
     "be between 6 and the 364 bytes left in the file"),
    (record(*RECORD_BODY[:4], RECORD_BODY[5]), 490, "record #1 ends without PUBLICKEY (tag 7), "
     "which is mandatory"),
    (record(*RECORD_BODY, RECORD_BODY[0]), 633, "duplicate SUBJECTNAME (tag 3) in record #1; it "
     "may appear once"),
    (record(*RECORD_BODY, b"\x0d"), 633, "unknown tag 13 in record #1; valid tags there are "
     "1-12"),
    (record(*RECORD_BODY, tlv.element(1, b"\x00\x05")), 633, "unexpected RECORDLENGTH (tag 1) "
     "in record #1; expected DNSNAME (tag 2) or CERTIFICATE (tag 9) or IPADDRESS (tag 10) or "
     "CERTHASH (tag 11) or HASH ALGORITHM (tag 12)"),
    (RECORD_BODY[0] + record(*RECORD_BODY), 268, "record #1 starts with SUBJECTNAME (tag 3); a "
     "record starts with RECORDLENGTH (tag 1)"),
    (record(*RECORD_BODY[:1], b"\x04\x00\x03\x00\x00\x01", *RECORD_BODY[2:]), 304,
     "FUNCTION (tag 4) has length 3; it must be 2"),
    (b"\x01\x00\x02\x00\x05", 268, "record length mismatch: RECORDLENGTH 5 of record #1 must be "
     "between 6 and the 5 bytes left in the file"),
])
def test_record_errors(rec: bytes, offset: int, message: str) -> None:
    err = error(header() + rec, records=True)
    assert (err.offset, err.reason) == (offset, message)


def test_element_crossing_its_record() -> None:
    rec = bytearray(record(*RECORD_BODY))
    rec[3:5] = (len(rec) - 1).to_bytes(2, "big")
    err = error(header() + bytes(rec) + b"\x01\x00\x02\x00\x06\x00", records=True)
    assert (err.offset, err.reason) == (502, "SIGNATURE (tag 8) declares 128 bytes but only 127 "
                                        "remain before the end of record #1 (byte 632)")
