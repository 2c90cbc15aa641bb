"""Regenerate sim/trust/data/keypool-*.pem: RSA keys for simulation only.

Run once by the maintainers (`python tools/make_keypool.py`); the files are committed so
that simulations never wait on RSA key generation (~50 ms per 2048-bit key) and the same seed
always yields the same keys. These keys are public by construction: never use them for
anything but simulation.
"""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

POOL = {1024: 160, 2048: 160}
HEADER = "# itlsim SIMULATION-ONLY RSA keys. Published with the source: never use them for real.\n"


def main() -> None:
    out = Path(__file__).resolve().parents[1] / "sim" / "trust" / "data"
    for bits, count in POOL.items():
        blocks = [
            rsa.generate_private_key(public_exponent=65537, key_size=bits).private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.TraditionalOpenSSL,
                serialization.NoEncryption(),
            ).decode()
            for _ in range(count)
        ]
        (out / f"keypool-{bits}.pem").write_text(HEADER + "".join(blocks))


if __name__ == "__main__":
    main()
