"""What ``show itl`` / ``show ctl`` text tells about a trust list (O1), as data.

The CLI prints the file's MD5 and SHA-1, its length and time stamp, the header as
``BYTEPOS TAG LENGTH VALUE`` rows (signer name and serial, CA name, the header signature in hex)
and per record: the function, subject and issuer names, the serial, the DNS name and (CTL) IP
address, the SHA-1 of the certificate or the CERTHASH, and the length of every element. It does
not print public keys, record signatures or certificates (only their lengths). ``ShownTrustList``
and ``ShownRecord`` hold exactly that much; ``shown(tl)`` projects a parsed file onto them, so a
pasted text (``sim.trust.showtext.parse``) and a fetched file compare field by field, and
``differences`` says where they disagree.

The SHA-1 printed at the top is what phones report in DeviceTLInfo (O2, seed TechNote 117598
"ITL Enhancements in Version 10.0(1)"): ``ShownTrustList.sha1`` is the value an ITL status
export is compared with.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, fields
from typing import Any

from sim.trust import tlv
from sim.trust.tlv import HeaderTag as H
from sim.trust.tlv import RecordTag as R
from sim.trust.trustlist import (
    Function,
    Record,
    TrustList,
    printable,
    record_elements,
    signer_record,
)

DIGEST_NAMES = {1: "SHA-1", 2: "SHA-256", 3: "SHA-512"}
"""HASH ALGORITHM values as ``show itl`` words them."""
# DER PKCS#1 RSAPublicKey size (e = 65537) -> modulus bits: PUBLICKEY's length gives the key.
_PUBLIC_KEY_BITS = {74: 512, 140: 1024, 270: 2048, 526: 4096}
# Printed above the table ("Version:", "HeaderLength:") or not at all (PADDING).
_NOT_IN_TABLE = (H.VERSION, H.HEADERLENGTH, H.PADDING)


@dataclass(frozen=True)
class ShownRecord:
    """One record as ``show itl`` prints it.

    ``elements`` is ``(tag, LENGTH)`` per printed row in printed order (RECORDLENGTH first);
    ``record_length`` is the RECORDLENGTH value. Names are as printed (control characters
    escaped, see ``trustlist.printable``). ``dns_name`` is ``None`` without a DNSNAME row, ``""``
    for a DNSNAME printed with its length only. ``certificate_sha1`` is the printed SHA-1 of the
    certificate; ``certificate`` and ``public_key`` are set only where a text prints the whole
    value in hex (CUCM does not). ``signer`` is the "This etoken was (not) used to sign" line
    CUCM prints after SAST records, ``None`` after other records.
    """

    function: Function | int
    subject_name: str
    issuer_name: str
    serial: bytes
    record_length: int
    elements: tuple[tuple[int, int], ...]
    dns_name: str | None = None
    ip_address: bytes | None = None
    certificate_sha1: bytes | None = None
    cert_hash: bytes | None = None
    hash_algorithm: int | None = None
    certificate: bytes | None = None
    public_key: bytes | None = None
    signer: bool | None = None

    def length(self, tag: int) -> int | None:
        """The printed LENGTH of ``tag``, or ``None`` when the record has no such row."""
        return next((length for t, length in self.elements if t == tag), None)

    @property
    def key_bits(self) -> int | None:
        """The RSA key size, read from the PUBLICKEY length (140 bytes = 1024 bits)."""
        length = self.length(R.PUBLICKEY)
        return None if length is None else _PUBLIC_KEY_BITS.get(length)

    @property
    def identity(self) -> bytes | None:
        """SHA-1 of the DER certificate: the printed certificate hash or the CERTHASH."""
        return self.certificate_sha1 or self.cert_hash


@dataclass(frozen=True)
class ShownTrustList:
    """A whole ``show itl`` / ``show ctl`` output.

    ``header`` is ``(tag, size)`` per header row in printed order: the LENGTH column, or for
    the containers SIGNERID, SIGNATUREINFO and SIGNATUREALGOINFO (printed ``2 <size>``) their
    size. ``timestamp`` is read from the "last modified" line when that is printed in UTC or GMT
    (``modified`` keeps the line as printed; it is not compared). ``verified`` is CUCM's closing
    verdict; ``verdict`` the line as printed (not compared).
    """

    kind: str
    md5: bytes | None
    sha1: bytes | None
    length: int | None
    timestamp: int | None
    version: str | None
    header_length: int | None
    header: tuple[tuple[int, int], ...]
    signer_name: str
    signer_serial: bytes
    ca_name: str
    signature: bytes | None
    records: tuple[ShownRecord, ...]
    verified: bool
    modified: str | None = field(default=None, compare=False)
    verdict: str = field(default="", compare=False)

    @property
    def signer(self) -> ShownRecord | None:
        """The record CUCM marks as the one that signed the file, if any."""
        return next((r for r in self.records if r.signer), None)

    @property
    def signature_bits(self) -> int | None:
        """Signer key size from the header SIGNATURE length (128 bytes = 1024 bits)."""
        size = dict(self.header).get(H.SIGNATURE)
        return None if size is None else size * 8


def _dns_text(value: bytes) -> str:
    return printable(value.rstrip(b"\x00").decode("utf-8", "surrogateescape"))


def shown_record(record: Record, *, signer: bool) -> ShownRecord:
    """What ``show itl`` can print about ``record``; ``signer``: it signed the file."""
    elements = record_elements(record)
    certificate = record.certificate
    return ShownRecord(
        function=record.function, subject_name=printable(record.subject_name),
        issuer_name=printable(record.issuer_name), serial=record.serial,
        record_length=int.from_bytes(elements[0][1], "big"),
        elements=tuple((tag, len(value)) for tag, value in elements),
        dns_name=None if record.dns_name is None else _dns_text(record.dns_name),
        ip_address=record.ip_address,
        certificate_sha1=None if certificate is None else hashlib.sha1(certificate).digest(),
        cert_hash=record.cert_hash, hash_algorithm=record.hash_algorithm,
        signer=signer if record.function == Function.SAST else None,
    )


def shown(tl: TrustList, *, verified: bool) -> ShownTrustList:
    """What ``show itl`` (``show ctl``) prints about ``tl``, as data (O1).

    ``verified`` is CUCM's verdict (from ``trustlist.check``; the caller decides, as for
    ``show.render``); the etoken lines follow the header's signer (P2, ``signer_record``).
    """
    els = tlv.read_header(tl.raw).elements
    signer = signer_record(tl)
    return ShownTrustList(
        kind=tl.kind, md5=hashlib.md5(tl.raw).digest(), sha1=hashlib.sha1(tl.raw).digest(),
        length=len(tl.raw), timestamp=tl.timestamp, version=tl.version,
        header_length=tl.header_length,
        header=tuple((tag, els[tag].length) for tag in tl.header_order
                     if tag not in _NOT_IN_TABLE),
        signer_name=printable(tl.signer_name), signer_serial=tl.signer_serial,
        ca_name=printable(tl.ca_name), signature=tl.signature,
        records=tuple(shown_record(r, signer=r is signer) for r in tl.records),
        verified=verified,
    )


def differences(expected: ShownTrustList, actual: ShownTrustList) -> list[str]:
    """Field-level differences, one line each (``record #3 serial: ... != ...``); ``[]`` when
    the two agree on every compared field."""
    found = _field_differences(expected, actual, "", skip=("records",))
    if len(expected.records) != len(actual.records):
        found.append(f"records: {len(expected.records)} != {len(actual.records)}")
    for index, (a, b) in enumerate(zip(expected.records, actual.records, strict=False), 1):
        found += _field_differences(a, b, f"record #{index} ")
    return found


def _field_differences(a: Any, b: Any, prefix: str, skip: tuple[str, ...] = ()) -> list[str]:
    return [f"{prefix}{f.name}: {_text(getattr(a, f.name))} != {_text(getattr(b, f.name))}"
            for f in fields(a)
            if f.compare and f.name not in skip and getattr(a, f.name) != getattr(b, f.name)]


def _text(value: object) -> str:
    return value.hex() if isinstance(value, bytes) else repr(value)
