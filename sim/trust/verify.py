"""Memoised signature verification: many phones, one RSA check per distinct (bytes, key).

Every trust decision rests on a real RSA verification (pyca/cryptography), but 100,000 phones
checking the same ITL with the same key cost one verification: the result is memoised on the
signed file's bytes and the public key's DER (issue 3, item 5). A run counts the distinct
checks it needs (``rsa_checks``, the summary's ``rsa_verifications``); each is a real RSA
verification the first time the process meets it, and a sweep worker's later runs of the same
seed, which check the same files with the same keys, reuse its result (``_VERIFIED``).
"""

from __future__ import annotations

from collections.abc import Callable

from sim.trust import trustlist
from sim.trust.memo import remembered
from sim.trust.trustlist import TrustList

KEEP = 512  # results kept across runs: a few clusters' files and configs per seed
_VERIFIED: dict[tuple[bytes, ...], bool] = {}


def _verified(key: tuple[bytes, ...], check: Callable[[], bool]) -> bool:
    return remembered(_VERIFIED, key, check, KEEP)


class Verifier:
    """Shared by every phone of a run; counts the distinct checks the run needs."""

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
            result = self._memo[key] = _verified(
                key, lambda: trustlist.verify_with(tl, public_key_der))
        return result

    def blob(self, data: bytes, signature: bytes, public_key_der: bytes) -> bool:
        """Does ``signature`` over ``data`` verify (PKCS#1 v1.5, SHA-1)? (memoised)"""
        self.lookups += 1
        key = (data, signature, public_key_der)  # a tuple: no ambiguity where data ends
        result = self._memo.get(key)
        if result is None:
            self.rsa_checks += 1
            result = self._memo[key] = _verified(
                key, lambda: trustlist.verify_signature(data, signature, public_key_der))
        return result
