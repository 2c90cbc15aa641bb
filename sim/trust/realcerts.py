"""Certificates as a real cluster's ITL and CTL files carry them (``itlsim import``).

A real file gives, per record (tlv-format.md, trust-model T1, T2, T7): the subject, issuer and
serial; in a ``.tlv`` also the public key and the certificate's signature, and the whole DER
certificate where the record holds one (SAST, TFTP, CCM+TFTP, ITLRecovery in an ITL; every CTL
record); ``show itl`` text gives the names, the serial, the key size (from the PUBLICKEY
length) and the SHA-1 of the certificate. ``RealCertificate`` holds what was found.

The simulation can never hold a real private key. ``SIGNING_ROLES`` are the roles a CUCM node
signs with (CallManager: ITLs before 12.0, CTLs, configs; ITLRecovery: ITLs from 12.0, bulk
resets; trust-model section 2): they become *re-keyed twins* (same subject, issuer, serial,
validity and extensions, a simulation-only key, ``sim.trust.certificates.twin_certificate``;
I48).
TVS and CAPF are never signed with, so where a ``.tlv`` gave their public key and signature the
simulated ITLs carry the real records byte for byte (``kept``), and phones check TVS against
the real CERTHASH (P5).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RealCertificate:
    """One certificate of the real cluster, as far as the imported files show it.

    ``subject`` and ``issuer`` are as the file writes them (``CN=..;OU=..``); ``sha1`` is the
    SHA-1 of the real DER certificate (the ``(SHA1 Hash HEX)`` or CERTHASH ``show itl`` prints);
    ``der`` the certificate where a file carries it; ``public_key`` (DER PKCS#1) and
    ``signature`` where a ``.tlv`` record carries them; ``source`` names the file and record.
    """

    role: str
    subject: str
    issuer: str
    serial: bytes
    key_bits: int
    sha1: bytes
    source: str
    der: bytes | None = None
    public_key: bytes | None = None
    signature: bytes | None = None

    @property
    def identity(self) -> tuple[bytes, str]:
        """(serial, issuer): how phones and TVS match a certificate to a record (P2, P5)."""
        return self.serial, self.issuer
