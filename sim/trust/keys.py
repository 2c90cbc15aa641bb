"""Deterministic RSA key source: same seed -> same keys -> byte-identical files.

RSA-2048 generation costs ~50 ms, far too slow for simulations that regenerate certificates
across many runs, and non-deterministic besides. A ``KeySource`` hands out keys from a shipped
pool of simulation-only keys (``sim/trust/data/keypool-<bits>.pem``, made by
``tools/make_keypool.py``) in an order fixed by the seed. If a run needs more keys than the pool
holds, further keys are derived from the seed with a seeded prime search: slower, still
deterministic, never random.

These keys are public. They exist so simulated certificates and signatures are real X.509 and
real RSA; they protect nothing.
"""

from __future__ import annotations

import random
from functools import cache, lru_cache
from importlib import resources

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

SUPPORTED_BITS = (1024, 2048)
_PUBLIC_EXPONENT = 65537
_SMALL_PRIMES = tuple(
    p for p in range(3, 2000, 2) if all(p % q for q in range(3, int(p**0.5) + 1, 2))
)


@cache
def _pool_blocks(bits: int) -> tuple[bytes, ...]:
    """The PEM blocks of the shipped pool for ``bits`` (parsed lazily, one key at a time)."""
    text = resources.files("sim.trust").joinpath("data", f"keypool-{bits}.pem").read_text()
    marker = "-----BEGIN RSA PRIVATE KEY-----"
    return tuple((marker + part).encode() for part in text.split(marker)[1:])


@cache
def _pool_key(bits: int, index: int) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(
        _pool_blocks(bits)[index], password=None, unsafe_skip_rsa_key_validation=True
    )
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


def _is_probable_prime(n: int, rng: random.Random, rounds: int = 32) -> bool:
    """Miller-Rabin with seeded bases (deterministic for a given rng state)."""
    if any(n % p == 0 for p in _SMALL_PRIMES):
        return n in _SMALL_PRIMES
    d, s = n - 1, 0
    while d % 2 == 0:
        d, s = d // 2, s + 1
    for _ in range(rounds):
        x = pow(rng.randrange(2, n - 1), d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def _seeded_prime(bits: int, rng: random.Random) -> int:
    while True:
        candidate = rng.getrandbits(bits) | (3 << (bits - 2)) | 1
        if candidate % _PUBLIC_EXPONENT != 1 and _is_probable_prime(candidate, rng):
            return candidate


@cache
def derived_key(bits: int, label: str) -> rsa.RSAPrivateKey:
    """An RSA key derived from ``label`` alone: the fallback once the pool is exhausted."""
    rng = random.Random(f"itlsim-derived-key:{bits}:{label}")
    while True:
        p, q = _seeded_prime(bits // 2, rng), _seeded_prime(bits // 2, rng)
        n = p * q
        if p != q and n.bit_length() == bits:
            break
    phi = (p - 1) * (q - 1)
    d = pow(_PUBLIC_EXPONENT, -1, phi)
    numbers = rsa.RSAPrivateNumbers(
        p=p, q=q, d=d, dmp1=d % (p - 1), dmq1=d % (q - 1), iqmp=pow(q, -1, p),
        public_numbers=rsa.RSAPublicNumbers(_PUBLIC_EXPONENT, n),
    )
    return numbers.private_key(unsafe_skip_rsa_key_validation=True)


@lru_cache(maxsize=128)  # a sweep worker's replication seeds, both key sizes
def pool_order(seed: int, bits: int) -> tuple[int, ...]:
    """The order in which a ``KeySource`` of ``seed`` hands out the pool's ``bits`` keys: a
    seeded shuffle, made once per seed and size in a process."""
    order = list(range(len(_pool_blocks(bits))))
    random.Random(f"itlsim-keypool:{seed}:{bits}").shuffle(order)
    return tuple(order)


class KeySource:
    """Hands out distinct RSA keys in an order fixed by ``seed``.

    Each key size has its own stream, so adding a 2048-bit certificate to a cluster does not
    shift which 1024-bit keys the others get.
    """

    def __init__(self, seed: int):
        self.seed = seed
        self._taken: dict[int, int] = {}

    def next_key(self, bits: int) -> rsa.RSAPrivateKey:
        """The next key of ``bits`` bits (1024 or 2048) for this seed."""
        if bits not in SUPPORTED_BITS:
            raise ValueError(f"key size {bits} not supported; use one of {SUPPORTED_BITS}")
        index = self._taken.get(bits, 0)
        self._taken[bits] = index + 1
        order = pool_order(self.seed, bits)
        if index < len(order):
            return _pool_key(bits, order[index])
        return derived_key(bits, f"{self.seed}:{index}")
