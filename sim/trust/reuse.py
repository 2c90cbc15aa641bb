"""Signed and parsed trust lists reused across the runs of one process (a sweep worker).

The runs of a sweep point share their cluster with the runs of every other point of the same
replication (common random numbers: the same seed, so the same keys and certificates), and a
small run spends most of its time signing and parsing the same ITLs and CTLs again. Signing
is deterministic (RSA PKCS#1 v1.5: ``trustlist.build``), so the bytes are reused as they are;
a parsed ``TrustList`` is frozen but phones and the fleet's memos tell files apart by
identity, so each parse returns a new object with the same (shared, immutable) fields.
Both memos are bounded and cleared when full.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from sim.trust import trustlist
from sim.trust.trustlist import Record, TrustList

KEEP = 256  # entries per memo: a few clusters' files
_SIGNED: dict[tuple, bytes] = {}
_PARSED: dict[tuple[bytes, str], TrustList] = {}


def signed(records: Iterable[Record], *, signer_cert: x509.Certificate,
           signer_key: rsa.RSAPrivateKey, filename: str, timestamp: int) -> bytes:
    """``trustlist.build`` of the same arguments, signed once per process."""
    records = tuple(records)
    key = (records, signer_cert, signer_key, filename, timestamp)
    data = _SIGNED.get(key)
    if data is None:
        data = trustlist.build(records, signer_cert=signer_cert, signer_key=signer_key,
                               filename=filename, timestamp=timestamp)
        _keep(_SIGNED, key, data)
    return data


def parsed(data: bytes, *, path: str) -> TrustList:
    """``trustlist.parse(data, path=path)`` as a new object, parsed once per process."""
    key = (bytes(data), path)
    hit = _PARSED.get(key)
    if hit is None:
        hit = trustlist.parse(data, path=path)
        _keep(_PARSED, key, hit)
    return dataclasses.replace(hit)


def _keep(memo: dict, key: object, value: object) -> None:
    if len(memo) >= KEEP:
        memo.clear()
    memo[key] = value
