"""ITL/CTL files as a model: records, the header, build (sign), parse, verify.

The byte layout is tlv-format.md (authoritative); ``sim.trust.tlv`` checks the syntax, this module
gives elements their meaning. Rules: T1/T2 (what an ITL record carries), P2 (the signer is the
SAST record matching the header's serial and issuer), O1 (what ``show itl`` can print from it).

Parsing is faithful: element order inside records and SIGNERID is kept as found, so a parsed
record re-encodes to exactly its original bytes (``encode_record``).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import IntEnum

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from sim.errors import SignatureError, TLVError
from sim.trust import tlv
from sim.trust.certificates import cisco_name
from sim.trust.files import FileProblem, read_regular
from sim.trust.tlv import HeaderTag as H
from sim.trust.tlv import RecordTag as R


class Function(IntEnum):
    """A record's FUNCTION (role); see ``FUNCTION_NAMES`` for the ``show itl`` wording."""

    SAST = 0
    CCM = 1
    CCM_TFTP = 2
    TFTP = 3
    CAPF = 4
    APP_SERVER = 7
    TVS = 21


FUNCTION_NAMES: Mapping[int, str] = {
    Function.SAST: "System Administrator Security Token", Function.CCM: "CCM",
    Function.CCM_TFTP: "CCM+TFTP", Function.TFTP: "TFTP", Function.CAPF: "CAPF",
    Function.APP_SERVER: "APP-SERVER", Function.TVS: "TVS",
}
DIGESTS: Mapping[int, type[hashes.HashAlgorithm]] = {
    1: hashes.SHA1, 2: hashes.SHA256, 3: hashes.SHA512,
}
MODULUS_BITS: Mapping[int, int] = {0: 512, 1: 1024, 2: 2048, 3: 4096}
CISCO_RECORD_ORDER = (2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12)
ITL_DNS_NAME = b"\x00\x00"


@dataclass(frozen=True, slots=True)
class Record:
    """One ITL/CTL record (tlv-format.md "Records").

    Names are without their NUL terminator. ``layout`` is the tag order as parsed when it
    differs from Cisco's (``()`` = Cisco order 2..12), so foreign files re-encode faithfully.
    """

    subject_name: str
    issuer_name: str
    function: Function | int
    serial: bytes
    public_key: bytes
    signature: bytes
    certificate: bytes | None = None
    cert_hash: bytes | None = None
    hash_algorithm: int | None = None
    dns_name: bytes | None = None
    ip_address: bytes | None = None
    layout: tuple[int, ...] = ()

    @property
    def function_name(self) -> str:
        """The ``show itl`` name of the function, or its number if unknown."""
        return FUNCTION_NAMES.get(self.function, str(int(self.function)))


@dataclass(frozen=True)
class TrustList:
    """A parsed ITL or CTL. ``kind`` comes from FILENAME ("CTL..." -> CTL, otherwise ITL).

    ``header_order`` lists the header tags as found (padding excluded) and ``signature_offset``
    where the SIGNATURE element starts: what ``show`` and ``signed_portion`` need.
    """

    kind: str
    version: str
    header_length: int
    signer_name: str
    signer_serial: bytes
    ca_name: str
    digest_algorithm: int
    signature_algorithm: int
    signature_modulus: int
    signature: bytes
    filename: str
    timestamp: int
    signer_version: str | None
    records: tuple[Record, ...]
    raw: bytes
    signature_offset: int
    header_order: tuple[int, ...]


# -- encoding ---------------------------------------------------------------------------------

def encode_name(name: str) -> bytes:
    """A NUL-terminated name (lossless for names decoded by ``parse``)."""
    return name.encode("utf-8", "surrogateescape") + b"\x00"


def record_elements(record: Record) -> tuple[tuple[int, bytes], ...]:
    """The record's (tag, value) pairs in file order, RECORDLENGTH first."""
    values = {
        R.DNSNAME: record.dns_name, R.SUBJECTNAME: encode_name(record.subject_name),
        R.FUNCTION: int(record.function).to_bytes(2, "big"),
        R.ISSUERNAME: encode_name(record.issuer_name), R.SERIALNUMBER: record.serial,
        R.PUBLICKEY: record.public_key, R.SIGNATURE: record.signature,
        R.CERTIFICATE: record.certificate, R.IPADDRESS: record.ip_address,
        R.CERTHASH: record.cert_hash,
        R.HASH_ALGORITHM: None if record.hash_algorithm is None else bytes([record.hash_algorithm]),
    }
    present = {int(tag): value for tag, value in values.items() if value is not None}
    order = record.layout or tuple(t for t in CISCO_RECORD_ORDER if t in present)
    if sorted(order) != sorted(present):
        raise ValueError(f"record layout {order} does not list exactly its elements "
                         f"{sorted(present)}")
    size = 5 + sum(3 + len(present[t]) for t in order)
    return ((R.RECORDLENGTH, size.to_bytes(2, "big")), *((t, present[t]) for t in order))


def encode_record(record: Record) -> bytes:
    """The record's bytes: RECORDLENGTH (the whole record) then its elements, no padding."""
    return b"".join(tlv.element(tag, value) for tag, value in record_elements(record))


def _serial_bytes(number: int) -> bytes:
    """A certificate serial as minimal big-endian bytes (16 for CUCM-like serials)."""
    return number.to_bytes(max(1, (number.bit_length() + 7) // 8), "big")


def record_for(cert: x509.Certificate, function: Function, *, with_certificate: bool,
               dns_name: bytes = ITL_DNS_NAME, ip_address: bytes | None = None) -> Record:
    """The record CUCM writes for ``cert`` in ``function`` (T1, T2).

    With ``with_certificate`` (SAST, TFTP, CCM+TFTP, ITLRecovery; every CTL record) the full
    DER certificate is tag 9; without it (ITL TVS and CAPF records) CERTHASH = SHA-1 of the DER
    certificate plus HASH ALGORITHM 1 replace it.

    ``dns_name`` defaults to two NUL bytes: the seed's ``show itl`` prints "2 DNSNAME 2" with no
    value for every ITL record, so the content is an inference [I]; a CTL passes the host name
    (NUL-terminated) and ``ip_address`` (4 bytes, tag 10).
    """
    der = cert.public_bytes(serialization.Encoding.DER)
    public_key = cert.public_key()
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise ValueError("ITL/CTL records hold RSA keys only (PUBLICKEY is a PKCS#1 RSAPublicKey)")
    return Record(
        subject_name=cisco_name(cert.subject), issuer_name=cisco_name(cert.issuer),
        function=function, serial=_serial_bytes(cert.serial_number),
        public_key=public_key.public_bytes(serialization.Encoding.DER,
                                           serialization.PublicFormat.PKCS1),
        signature=cert.signature,
        certificate=der if with_certificate else None,
        cert_hash=None if with_certificate else hashlib.sha1(der).digest(),
        hash_algorithm=None if with_certificate else 1,
        dns_name=dns_name, ip_address=ip_address,
    )


def _modulus_code(key: rsa.RSAPrivateKey) -> int:
    for code, bits in MODULUS_BITS.items():
        if bits == key.key_size:
            return code
    raise ValueError(f"a {key.key_size}-bit signer key cannot be written: SIGNATUREMODULUS "
                     f"allows {', '.join(map(str, MODULUS_BITS.values()))} bits")


def build(records: Iterable[Record], *, signer_cert: x509.Certificate,
          signer_key: rsa.RSAPrivateKey, filename: str = "ITLFile.tlv", timestamp: int,
          digest_algorithm: int = 1) -> bytes:
    """A signed ITL/CTL file in Cisco's element order (tlv-format.md "Header", "Signature").

    VERSION 01 02, HEADERLENGTH, SIGNERID(4, 5, 6), SIGNATUREINFO(8, SIGNATUREALGOINFO(10, 11)),
    SIGNATURE, FILENAME, TIMESTAMP, PADDING to a multiple of 4, then ``records`` in order. The
    signature is RSA PKCS#1 v1.5 with the digest over the file minus the SIGNATURE element;
    PKCS#1 v1.5 is deterministic, so the same inputs give the same bytes. Invalid arguments
    (unknown digest, key size, timestamp outside u32) raise ValueError.
    """
    if digest_algorithm not in DIGESTS:
        raise ValueError(f"digest_algorithm {digest_algorithm} unknown; use 1 (SHA-1), "
                         "2 (SHA-256) or 3 (SHA-512)")
    if not 0 <= timestamp <= 0xFFFFFFFF:
        raise ValueError(f"timestamp {timestamp} does not fit TIMESTAMP (u32 Unix seconds)")
    signer_id = tlv.container(H.SIGNERID, b"".join((
        tlv.element(H.SIGNERNAME, encode_name(cisco_name(signer_cert.subject))),
        tlv.element(H.SERIALNUMBER, _serial_bytes(signer_cert.serial_number)),
        tlv.element(H.CANAME, encode_name(cisco_name(signer_cert.issuer))))))
    signature_info = tlv.container(H.SIGNATUREINFO, tlv.element(
        H.DIGESTALGORITHM, bytes([digest_algorithm])) + tlv.container(
        H.SIGNATUREALGOINFO, tlv.element(H.SIGNATUREALGORITHM, b"\x00")
        + tlv.element(H.SIGNATUREMODULUS, bytes([_modulus_code(signer_key)]))))
    tail = (tlv.element(H.FILENAME, encode_name(filename))
            + tlv.element(H.TIMESTAMP, timestamp.to_bytes(4, "big")))
    unpadded = 10 + len(signer_id) + len(signature_info) + 3 + signer_key.key_size // 8 + len(tail)
    pad = -unpadded % 4
    head = (tlv.element(H.VERSION, tlv.VERSION_1_2)
            + tlv.element(H.HEADERLENGTH, (unpadded + pad).to_bytes(2, "big"))
            + signer_id + signature_info)
    rest = tail + tlv.padding(pad) + b"".join(encode_record(r) for r in records)
    signature = signer_key.sign(head + rest, padding.PKCS1v15(), DIGESTS[digest_algorithm]())
    return head + tlv.element(H.SIGNATURE, signature) + rest


# -- parsing ----------------------------------------------------------------------------------

def _name(item: tlv.Element, label: str, path: str) -> str:
    """A NUL-terminated name element's text (UTF-8; undecodable bytes kept losslessly)."""
    if not item.value.endswith(b"\x00"):
        raise TLVError(f"{label} is not NUL-terminated; names end with a 00 byte",
                       path=path, offset=item.offset)
    return item.value[:-1].decode("utf-8", "surrogateescape")


def _signature_info(els: Mapping[int, tlv.Element], path: str) -> None:
    """DIGESTALGORITHM 1-3, SIGNATUREALGORITHM 0 (RSA), SIGNATURE sized by SIGNATUREMODULUS."""
    digest, algorithm = els[H.DIGESTALGORITHM], els[H.SIGNATUREALGORITHM]
    modulus, signature = els[H.SIGNATUREMODULUS], els[H.SIGNATURE]
    if digest.value[0] not in DIGESTS:
        raise TLVError(f"DIGESTALGORITHM {digest.value[0]} unknown; valid: 1 (SHA-1), "
                       "2 (SHA-256), 3 (SHA-512)", path=path, offset=digest.offset)
    if algorithm.value[0] != 0:
        raise TLVError(f"SIGNATUREALGORITHM {algorithm.value[0]} unknown; only 0 (RSA) is valid",
                       path=path, offset=algorithm.offset)
    bits = MODULUS_BITS.get(modulus.value[0])
    if bits is None:
        raise TLVError(f"SIGNATUREMODULUS {modulus.value[0]} unknown; valid: 0-3 "
                       "(512/1024/2048/4096 bits)", path=path, offset=modulus.offset)
    if signature.length != bits // 8:
        raise TLVError(f"SIGNATURE is {signature.length} bytes but SIGNATUREMODULUS "
                       f"{modulus.value[0]} means {bits} bits ({bits // 8} bytes)",
                       path=path, offset=signature.offset)


def _record(layout: tlv.Layout, index: int, path: str) -> Record:
    els = layout.elements

    def value(tag: int) -> bytes | None:
        return els[tag].value if tag in els else None

    where = f"record #{index}"
    function = int.from_bytes(els[R.FUNCTION].value, "big")
    hash_algorithm = value(R.HASH_ALGORITHM)
    cisco = tuple(t for t in CISCO_RECORD_ORDER if t in els)
    return Record(
        subject_name=_name(els[R.SUBJECTNAME], f"SUBJECTNAME of {where}", path),
        issuer_name=_name(els[R.ISSUERNAME], f"ISSUERNAME of {where}", path),
        function=Function(function) if function in FUNCTION_NAMES else function,
        serial=els[R.SERIALNUMBER].value, public_key=els[R.PUBLICKEY].value,
        signature=els[R.SIGNATURE].value, certificate=value(R.CERTIFICATE),
        cert_hash=value(R.CERTHASH),
        hash_algorithm=None if hash_algorithm is None else hash_algorithm[0],
        dns_name=value(R.DNSNAME), ip_address=value(R.IPADDRESS),
        layout=() if layout.order == cisco else layout.order,
    )


def parse(data: bytes, *, path: str = "<bytes>") -> TrustList:
    """Parse an ITL/CTL file. Raises ``TLVError`` (with ``path`` and offset) and nothing else.

    Tolerant where real files differ (tag 28, SIGNERID and record element order, CTL host
    names and IPADDRESS), strict about structure (lengths, nesting, mandatory elements).
    """
    data = bytes(data)
    header = tlv.read_header(data, path=path)
    layouts = tlv.read_records(data, header.length, path=path)
    els = header.elements
    _signature_info(els, path)
    filename = _name(els[H.FILENAME], "FILENAME", path)
    version = els[H.SIGNERVERSION].value if H.SIGNERVERSION in els else None
    return TrustList(
        kind="CTL" if filename.upper().startswith("CTL") else "ITL",
        version="1.2", header_length=header.length,
        signer_name=_name(els[H.SIGNERNAME], "SIGNERNAME", path),
        signer_serial=els[H.SERIALNUMBER].value,
        ca_name=_name(els[H.CANAME], "CANAME", path),
        digest_algorithm=els[H.DIGESTALGORITHM].value[0],
        signature_algorithm=els[H.SIGNATUREALGORITHM].value[0],
        signature_modulus=els[H.SIGNATUREMODULUS].value[0],
        signature=els[H.SIGNATURE].value, filename=filename,
        timestamp=int.from_bytes(els[H.TIMESTAMP].value, "big"),
        signer_version=None if version is None else f"{version[0]}.{version[1]}",
        records=tuple(_record(layout, i, path) for i, layout in enumerate(layouts, 1)),
        raw=data, signature_offset=els[H.SIGNATURE].offset, header_order=header.order,
    )


MAX_ITL_BYTES = 64 * 1024
"""T5: an ITL over 64 KB (more than 39 certificates) cannot be loaded by phones (K1)."""
MAX_CTL_BYTES = 256 * 1024
"""The most ``read`` takes for a CTL. A CTL lists the SAST tokens, every CallManager+TFTP node,
CAPF and ITLRecovery, one certificate a record (tlv-format.md): 48 records of 4096-bit
certificates (about 2.5 KB each; the real 7,166-byte CTL in shared/testdata holds 6 records)
stay near 120 KB, far more servers than a cluster has, so a file twice that is no CTL."""
_READ_HINT = "expected an ITL/CTL file such as ITLFile.tlv"
LIMITS = {
    "ITL": (MAX_ITL_BYTES, "for an ITL: phones cannot load an ITL over 64 KB (T5)"),
    "CTL": (MAX_CTL_BYTES, "for a CTL: 48 records of 4096-bit certificates take half that"),
}
"""The most ``read`` takes for a file shown as each kind, and why."""


def read(path: str | os.PathLike[str], *, kind: str = "CTL") -> TrustList:
    """Read and parse a file no larger than ``LIMITS[kind]`` (the CTL's, the larger, by default).

    Every failure (missing, a directory, a FIFO or device, too large, unreadable, empty,
    malformed) is a ``TLVError`` naming the path; nothing is read past the limit and no
    ``OSError`` escapes (``sim.trust.files.read_regular``)."""
    name = os.fspath(path)
    limit, why = LIMITS[kind]
    try:
        data = read_regular(name, limit)
    except FileProblem as problem:
        detail = f" {why}" if problem.too_large else ""
        raise TLVError(f"{problem}{detail}; {_READ_HINT}", path=name) from None
    return parse(data, path=name)


# -- signature --------------------------------------------------------------------------------

def signed_portion(tl_or_bytes: TrustList | bytes) -> bytes:
    """The bytes the signature covers: the whole file minus the SIGNATURE element (3 + N)."""
    tl = tl_or_bytes if isinstance(tl_or_bytes, TrustList) else parse(tl_or_bytes)
    end = tl.signature_offset + 3 + len(tl.signature)
    return tl.raw[:tl.signature_offset] + tl.raw[end:]


def signer_record(tl: TrustList) -> Record | None:
    """The record of the header's signer (P2): serial and issuer match SIGNERID's SERIALNUMBER
    and CANAME; a SAST record is preferred, otherwise any matching function is accepted."""
    matches = [r for r in tl.records
               if r.serial == tl.signer_serial and r.issuer_name == tl.ca_name]
    return next((r for r in matches if r.function == Function.SAST),
                matches[0] if matches else None)


def verify_with(tl: TrustList, public_key_der: bytes) -> bool:
    """One real RSA PKCS#1 v1.5 verification of ``tl`` with a DER PKCS#1 public key.

    False for a key that does not load, is not RSA, or does not verify. No caching here.
    """
    return verify_signature(signed_portion(tl), tl.signature, public_key_der,
                            tl.digest_algorithm)


def verify_signature(data: bytes, signature: bytes, public_key_der: bytes,
                     digest_algorithm: int = 1) -> bool:
    """RSA PKCS#1 v1.5 over ``data`` with the DIGESTALGORITHM code (1 = SHA-1): the one
    signature check ITLs, CTLs and signed configs share. False when the key does not load,
    is not RSA, or the signature does not verify."""
    try:
        key = serialization.load_der_public_key(public_key_der)
    except (ValueError, UnsupportedAlgorithm):
        return False
    if not isinstance(key, rsa.RSAPublicKey):
        return False
    try:
        key.verify(signature, data, padding.PKCS1v15(), DIGESTS[digest_algorithm]())
    except InvalidSignature:
        return False
    return True


def check(tl: TrustList, *, path: str | None = None) -> Record:
    """Verify ``tl`` against its own signer record and return that record.

    Raises ``SignatureError`` with a one-line reason (prefixed with ``path`` when given) if no
    record matches the signer or the signature does not verify with its key.
    """
    prefix = f"{path}: " if path else ""
    record = signer_record(tl)
    if record is None:
        raise SignatureError(
            f"{prefix}no record matches the signer (SERIALNUMBER "
            f"{tl.signer_serial.hex(':').upper()}, CANAME {printable(tl.ca_name)}); the "
            f"{tl.kind} cannot be verified")
    if not verify_with(tl, record.public_key):
        index = next(i for i, r in enumerate(tl.records, 1) if r is record)
        raise SignatureError(
            f"{prefix}signature does not verify with the key of record #{index} "
            f"({record.function_name}, {printable(record.subject_name)}); the {tl.kind} was "
            "altered or signed by another key")
    return record


def printable(text: str) -> str:
    """``text`` safe for a one-line message: undecodable bytes and control characters escaped."""
    text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
