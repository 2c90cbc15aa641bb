"""CUCM-like self-signed certificates for the roles of a node: CallManager, TVS, CAPF, ITLRecovery.

Real X.509 (pyca/cryptography), real RSA keys from the deterministic ``KeySource``. Subjects are
``CN=<host>.<domain>;OU=..;O=..;L=..;ST=..;C=..`` as CUCM writes them; CAPF is
``CN=CAPF-<8 hex>`` and ITLRecovery ``CN=ITLRECOVERY_<publisher host>.<domain>`` (trust-model
section 1, seed ``show itl``). Serials are 16 bytes. Validity is 5 years, ITLRecovery 5-20
years (K1, K8).

Extension sets are chosen so that a 1024-bit certificate with the seed's names has exactly the
length the seed's ``show itl`` prints (CallManager 684 bytes, ITLRecovery 692): an inference
about CUCM's templates [I], checked in tests.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import re
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property, lru_cache

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

from sim.trust.keys import KeySource
from sim.trust.memo import remembered
from sim.trust.realcerts import RealCertificate

IPSEC_END_SYSTEM = ObjectIdentifier("1.3.6.1.5.5.7.3.5")
_SHORT_NAMES = {
    NameOID.COMMON_NAME: "CN",
    NameOID.ORGANIZATIONAL_UNIT_NAME: "OU",
    NameOID.ORGANIZATION_NAME: "O",
    NameOID.LOCALITY_NAME: "L",
    NameOID.STATE_OR_PROVINCE_NAME: "ST",
    NameOID.COUNTRY_NAME: "C",
}
_NAME_OIDS = {short: oid for oid, short in _SHORT_NAMES.items()}


class Role(StrEnum):
    """The certificate roles of a CUCM node that matter for phone trust."""

    CALLMANAGER = "CallManager"
    TVS = "TVS"
    CAPF = "CAPF"
    ITLRECOVERY = "ITLRecovery"


SIGNING_ROLES = frozenset({Role.CALLMANAGER, Role.ITLRECOVERY})
"""The roles whose keys CUCM signs with: CallManager (ITLs before 12.0, CTLs, configs) and
ITLRecovery (ITLs from 12.0, bulk resets) (trust-model section 2); TVS and CAPF sign nothing."""


@dataclass(frozen=True)
class Organisation:
    """The OU/O/L/ST/C fields every certificate of a cluster carries."""

    ou: str
    o: str
    l: str  # noqa: E741 - the X.509 attribute is called L
    st: str
    c: str

    def name(self, common_name: str) -> x509.Name:
        """The subject ``CN=<common_name>`` plus this organisation, in CUCM's RDN order."""
        return x509.Name([
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, self.ou),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, self.o),
            x509.NameAttribute(NameOID.LOCALITY_NAME, self.l),
            x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, self.st),
            x509.NameAttribute(NameOID.COUNTRY_NAME, self.c),
        ])


@lru_cache(maxsize=1024)  # names repeat: every ITL a run builds names the same certificates
def cisco_name(name: x509.Name) -> str:
    """A name as CUCM writes it in ITL/CTL files: ``CN=..;OU=..;O=..;L=..;ST=..;C=..`` (O1).

    CUCM writes the parts in this fixed order whatever their order inside the certificate (the
    real CTL in shared/testdata stores C, O, OU, CN, ST, L and names them CN first); other
    attributes follow in certificate order.
    """
    order = list(_SHORT_NAMES)
    attributes = sorted(name, key=lambda a: order.index(a.oid) if a.oid in order else len(order))
    return ";".join(
        f"{_SHORT_NAMES.get(attr.oid, attr.oid.dotted_string)}={_attribute_text(attr.value)}"
        for attr in attributes
    )


def _attribute_text(value: str | bytes) -> str:
    """An attribute value as ``cisco_name`` writes it.

    Only bit-string attributes (X500UniqueIdentifier) hold bytes; they come out as Python's
    ``repr`` (``b'..'``), exactly as the plain f-string always wrote them.
    """
    return value if isinstance(value, str) else repr(value)


@dataclass(frozen=True, eq=False)
class Certificate:
    """A role's certificate with its private key and the byte views ITL records need."""

    role: Role
    cert: x509.Certificate
    key: rsa.RSAPrivateKey = field(repr=False)
    real: RealCertificate | None = None
    """The real certificate this one stands for (``itlsim import``), else ``None``."""

    @property
    def kept(self) -> bool:
        """The real record is kept (``sim.trust.realcerts``): a TVS or CAPF certificate whose
        public key and signature a real ``.tlv`` gave; ITLs carry the real record and phones
        compare the real CERTHASH (P5). Its private key signs nothing (no such role does)."""
        return (self.real is not None and self.real.public_key is not None
                and self.real.signature is not None and self.role not in SIGNING_ROLES)

    @cached_property
    def der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)

    @cached_property
    def sha1(self) -> bytes:
        """SHA-1 of the DER certificate: the CERTHASH of TVS/CAPF records (T2); the real
        certificate's for a ``kept`` one."""
        if self.kept:
            assert self.real is not None
            return self.real.sha1
        return hashlib.sha1(self.der).digest()

    @cached_property
    def subject_name(self) -> str:
        return cisco_name(self.cert.subject)

    @cached_property
    def issuer_name(self) -> str:
        return cisco_name(self.cert.issuer)

    @cached_property
    def serial(self) -> bytes:
        """The serial as raw big-endian bytes, as the ITL SERIALNUMBER element holds it."""
        number = self.cert.serial_number
        return number.to_bytes((number.bit_length() + 7) // 8, "big")

    @cached_property
    def public_key_der(self) -> bytes:
        """DER PKCS#1 RSAPublicKey: the ITL PUBLICKEY element (140 bytes at 1024 bits); the
        real one for a ``kept`` certificate (nothing the simulation signs verifies with it)."""
        if self.kept:
            assert self.real is not None and self.real.public_key is not None
            return self.real.public_key
        return self.key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.PKCS1
        )

    @property
    def key_bits(self) -> int:
        return self.key.key_size

    @property
    def common_name(self) -> str:
        return str(self.cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value)

    @property
    def identity(self) -> tuple[bytes, str]:
        """(serial, issuer name): how phones and TVS match a signer to a record (P2, P5)."""
        return self.serial, self.issuer_name


def _extensions(role: Role, public_key: rsa.RSAPublicKey) -> list[tuple[x509.ExtensionType, bool]]:
    """CUCM-like extension set per role (sized to the seed's certificate lengths [I])."""
    ski = x509.SubjectKeyIdentifier.from_public_key(public_key)
    if role is Role.ITLRECOVERY:
        return [
            (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), False),
            (ski, False),
            (x509.BasicConstraints(ca=True, path_length=None), True),
        ]
    usage = x509.KeyUsage(
        digital_signature=True, content_commitment=False, key_encipherment=True,
        data_encipherment=True, key_agreement=False, key_cert_sign=True, crl_sign=False,
        encipher_only=False, decipher_only=False,
    )
    purposes = [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH, IPSEC_END_SYSTEM]
    return [(usage, False), (x509.ExtendedKeyUsage(purposes), False), (ski, False)]


def _years_later(when: dt.datetime, years: int) -> dt.datetime:
    """The same date ``years`` later; 29 February becomes 28 February in a common year."""
    try:
        return when.replace(year=when.year + years)
    except ValueError:
        return when.replace(year=when.year + years, day=28)


_MADE: dict[tuple, Certificate] = {}
_MADE_MAX = 512  # certificates kept: a few clusters' worth


def make_certificate(role: Role, common_name: str, organisation: Organisation,
                     key: rsa.RSAPrivateKey, *, serial: bytes, not_before: dt.datetime,
                     years: int = 5) -> Certificate:
    """A self-signed certificate for ``role`` (deterministic for the same arguments).

    Memoised on the arguments (the key by identity: pool keys are shared objects), so the runs
    of a sweep worker that share a seed (common random numbers) sign each certificate once; a
    ``Certificate`` is frozen, so sharing it between runs changes nothing."""
    memo_key = (role, common_name, organisation, key, serial, not_before, years)
    return remembered(_MADE, memo_key, lambda: _make_certificate(
        role, common_name, organisation, key, serial, not_before, years), _MADE_MAX)


def _make_certificate(role: Role, common_name: str, organisation: Organisation,
                      key: rsa.RSAPrivateKey, serial: bytes, not_before: dt.datetime,
                      years: int) -> Certificate:
    name = organisation.name(common_name)
    not_before = not_before.astimezone(dt.UTC).replace(microsecond=0)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(int.from_bytes(serial, "big"))
        .not_valid_before(not_before)
        .not_valid_after(_years_later(not_before, years))
    )
    for extension, critical in _extensions(role, key.public_key()):
        builder = builder.add_extension(extension, critical)
    return Certificate(role, builder.sign(key, hashes.SHA256()), key)


def name_from_text(text: str) -> x509.Name:
    """``CN=a;OU=b;O=c`` as ITL/CTL files and ``show itl`` write a name (``;`` or ``,``
    between the parts) -> an X.509 name with the parts in that order; ValueError for a part
    that is not ``KEY=value`` or a key other than CN, OU, O, L, ST, C or a dotted OID."""
    attributes = []
    for part in re.split(r"[;,]\s*(?=[A-Za-z0-9.]+=)", text.strip()):
        key, sep, value = part.partition("=")
        oid = _NAME_OIDS.get(key.strip().upper())
        if oid is None and re.fullmatch(r"\d+(\.\d+)+", key.strip()):
            oid = ObjectIdentifier(key.strip())
        if not sep or oid is None:
            raise ValueError(f"{part!r} is not KEY=value with a key of "
                             f"{', '.join(_NAME_OIDS)} or a dotted OID")
        attributes.append(x509.NameAttribute(oid, value))
    return x509.Name(attributes)


def twin_certificate(real: RealCertificate, key: rsa.RSAPrivateKey, *, not_before: dt.datetime,
                     years: int) -> Certificate:
    """A re-keyed twin of ``real`` (``sim.trust.realcerts``): its subject, issuer and serial
    and, where the real DER is known, its validity and extensions (key identifiers recomputed),
    with ``key`` as the public key, self-signed with ``key``. Without the DER, the validity is
    ``not_before`` plus ``years`` and the extensions CUCM-like. P2 and TVS match on serial and
    issuer, so the twin is trusted wherever the real certificate would be."""
    role = Role(real.role)
    builder = x509.CertificateBuilder().public_key(key.public_key()).serial_number(
        int.from_bytes(real.serial, "big"))
    algorithm: hashes.SHA256 | hashes.SHA384 | hashes.SHA512 = hashes.SHA256()
    if real.der is not None:
        template = x509.load_der_x509_certificate(real.der)
        builder = (builder.subject_name(template.subject).issuer_name(template.issuer)
                   .not_valid_before(template.not_valid_before_utc)
                   .not_valid_after(template.not_valid_after_utc))
        for extension in template.extensions:
            builder = builder.add_extension(_rekeyed(extension.value, key), extension.critical)
        if isinstance(template.signature_hash_algorithm, hashes.SHA384 | hashes.SHA512):
            algorithm = template.signature_hash_algorithm  # else SHA-256, as CUCM signs
    else:
        start = not_before.astimezone(dt.UTC).replace(microsecond=0)
        builder = (builder.subject_name(name_from_text(real.subject))
                   .issuer_name(name_from_text(real.issuer)).not_valid_before(start)
                   .not_valid_after(_years_later(start, years)))
        for extension, critical in _extensions(role, key.public_key()):
            builder = builder.add_extension(extension, critical)
    return Certificate(role, builder.sign(key, algorithm), key, real)


def _rekeyed(value: x509.ExtensionType, key: rsa.RSAPrivateKey) -> x509.ExtensionType:
    """An extension of the real certificate for its twin: key identifiers of the new key."""
    if isinstance(value, x509.SubjectKeyIdentifier):
        return x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    if isinstance(value, x509.AuthorityKeyIdentifier):
        return x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key())
    return value


class CertificateFactory:
    """Issues certificates for one cluster: keys from a ``KeySource``, serials from a seeded RNG.

    Everything derives from ``seed``, so the same cluster description and seed produce the same
    certificates, byte for byte, in the same order of issue.
    """

    def __init__(self, seed: int, organisation: Organisation, *, keys: KeySource | None = None,
                 label: str = ""):
        """``keys`` shares a key source with other factories (several clusters of one
        scenario draw distinct keys); ``label`` separates their serial streams."""
        self.organisation = organisation
        self.keys = keys if keys is not None else KeySource(seed)
        self._rng = random.Random(f"itlsim-serials:{seed}" + (f":{label}" if label else ""))

    def serial(self) -> bytes:
        """16 random bytes with the top bit clear, so DER keeps exactly 16 bytes (as CUCM's)."""
        return bytes([self._rng.randrange(1, 0x80)]) + self._rng.randbytes(15)

    def capf_name(self) -> str:
        """``CAPF-<8 hex>``, the CAPF certificate's common name."""
        return f"CAPF-{self._rng.getrandbits(32):08x}"

    def issue(self, role: Role, common_name: str, bits: int, not_before: dt.datetime,
              years: int = 5) -> Certificate:
        return make_certificate(role, common_name, self.organisation, self.keys.next_key(bits),
                                serial=self.serial(), not_before=not_before, years=years)

    def twin(self, real: RealCertificate, not_before: dt.datetime, years: int = 5
             ) -> Certificate:
        """The re-keyed twin of an imported certificate (``twin_certificate``), with the next
        key of its size: no serial is drawn, so the simulated certificates after it keep
        theirs."""
        return twin_certificate(real, self.keys.next_key(real.key_bits), not_before=not_before,
                                years=years)
