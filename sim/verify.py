"""Memoised signature verification: many phones, one RSA check per distinct (bytes, key).

Every trust decision rests on a real RSA verification (pyca/cryptography), but 100,000 phones
checking the same ITL with the same key cost one verification: the result is memoised on the
signed file's bytes and the public key's DER (issue 3, item 5).
"""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from sim import trustlist
from sim.trustlist import TrustList


def _load_public_key(der: bytes) -> rsa.RSAPublicKey | None:
    try:
        key = serialization.load_der_public_key(der)
    except ValueError:
        try:
            key = serialization.load_der_public_key(_pkcs1_to_spki(der))
        except ValueError:
            return None
    return key if isinstance(key, rsa.RSAPublicKey) else None


def _pkcs1_to_spki(der: bytes) -> bytes:
    """Wrap a PKCS#1 RSAPublicKey (the ITL PUBLICKEY element) in a SubjectPublicKeyInfo."""
    algorithm = bytes.fromhex("300d06092a864886f70d0101010500")
    bit_string = b"\x03" + _der_length(len(der) + 1) + b"\x00" + der
    body = algorithm + bit_string
    return b"\x30" + _der_length(len(body)) + body


def _der_length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


class Verifier:
    """Shared by every phone of a run; counts the real RSA checks it performs."""

    def __init__(self) -> None:
        self._memo: dict[tuple[bytes, ...], bool] = {}
        self.rsa_checks = 0
        self.lookups = 0

    def trust_list(self, tl: TrustList, public_key_der: bytes) -> bool:
        """Does ``tl``'s signature verify with ``public_key_der``? (memoised)"""
        self.lookups += 1
        key = (tl.raw, public_key_der)
        result = self._memo.get(key)
        if result is None:
            self.rsa_checks += 1
            result = self._memo[key] = trustlist.verify_with(tl, public_key_der)
        return result

    def blob(self, data: bytes, signature: bytes, public_key_der: bytes) -> bool:
        """Does ``signature`` over ``data`` verify (PKCS#1 v1.5, SHA-1)? (memoised)"""
        self.lookups += 1
        key = (data, signature, public_key_der)  # a tuple: no ambiguity where data ends
        result = self._memo.get(key)
        if result is None:
            self.rsa_checks += 1
            result = self._memo[key] = verify_blob(data, signature, public_key_der)
        return result


def verify_blob(data: bytes, signature: bytes, public_key_der: bytes) -> bool:
    """One real RSA PKCS#1 v1.5 / SHA-1 verification, as phones check configs (P4)."""
    key = _load_public_key(public_key_der)
    if key is None:
        return False
    try:
        key.verify(signature, data, padding.PKCS1v15(), hashes.SHA1())
    except InvalidSignature:
        return False
    return True
