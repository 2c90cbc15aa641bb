"""Signed and parsed trust lists, records and config signatures reused across the runs of one
process (a sweep worker).

The runs of a sweep point share their cluster with the runs of every other point of the same
replication (common random numbers: the same seed, so the same keys and certificates), and a
small run spends most of its time signing and parsing the same ITLs and CTLs again. Signing
is deterministic (RSA PKCS#1 v1.5: ``trustlist.build``), so the bytes are reused as they are;
a parsed ``TrustList`` is frozen but phones and the fleet's memos tell files apart by
identity, so each parse returns a new object with the same (shared, immutable) fields.
Records (frozen) are shared as they are, and a config's RSA PKCS#1 v1.5 signature is
deterministic like a file's. Every memo is bounded and cleared when full.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from sim.trust import trustlist
from sim.trust.memo import remembered
from sim.trust.trustlist import Record, TrustList

KEEP = 256  # entries per memo: a few clusters' files
_SIGNED: dict[tuple, bytes] = {}
_PARSED: dict[tuple[bytes, str], TrustList] = {}
_SIGNATURES: dict[tuple[bytes, rsa.RSAPrivateKey], bytes] = {}
KEEP_RECORDS = 2048  # a record per certificate, function and address: as many certificates
_RECORDS: dict[tuple, Record] = {}  # as ``certificates._MADE`` keeps, a few records each


def signed(records: Iterable[Record], *, signer_cert: x509.Certificate,
           signer_key: rsa.RSAPrivateKey, filename: str, timestamp: int) -> bytes:
    """``trustlist.build`` of the same arguments, signed once per process."""
    records = tuple(records)
    key = (records, signer_cert, signer_key, filename, timestamp)
    return remembered(_SIGNED, key, lambda: trustlist.build(
        records, signer_cert=signer_cert, signer_key=signer_key, filename=filename,
        timestamp=timestamp), KEEP)


def parsed(data: bytes, *, path: str) -> TrustList:
    """``trustlist.parse(data, path=path)`` as a new object, parsed once per process."""
    hit = remembered(_PARSED, (bytes(data), path), lambda: trustlist.parse(data, path=path),
                     KEEP)
    return dataclasses.replace(hit)


def signature(data: bytes, key: rsa.RSAPrivateKey) -> bytes:
    """RSA PKCS#1 v1.5 / SHA-1 of ``data`` with ``key`` (a signed config, P4), signed once per
    process (the key by identity: pool keys are shared objects)."""
    return remembered(_SIGNATURES, (bytes(data), key),
                      lambda: key.sign(data, padding.PKCS1v15(), hashes.SHA1()), KEEP)


def record(key: tuple, make: Callable[[], Record]) -> Record:
    """``make()`` once per process for ``key``: a certificate object (compared by identity,
    so a certificate made again is a new key) with the record's function and address."""
    return remembered(_RECORDS, key, make, KEEP_RECORDS)
