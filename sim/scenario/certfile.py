"""A cluster's imported certificates: the file ``[cluster] certificates`` names.

``itlsim import`` writes what the real ITL and CTL files carry about each certificate into a
TOML file beside the scenario, so the scenario stays short and the certificates stay readable
(PEM, as ``openssl x509`` takes them)::

    [[certificates]]
    node = "cucm-pub"                 # a node of [cluster]
    role = "CallManager"              # CallManager, TVS, CAPF or ITLRecovery
    source = "ITLFile-cucm-pub.tlv record #1 (SAST)"
    subject = "CN=cucm-pub.acme.example;OU=UC;O=ACME;L=Zurich;ST=ZH;C=CH"
    issuer = "CN=cucm-pub.acme.example;OU=UC;O=ACME;L=Zurich;ST=ZH;C=CH"
    serial = "70:5A:85:66:12:39:7C:60:97:CF:E8:62:4A:31:2A:82"
    key_bits = 2048
    sha1 = "8D27E795066572F2DF03F974F13F81F5E0D5C228"   # of the real certificate
    certificate = '''-----BEGIN CERTIFICATE----- ...'''     # optional: a file had it
    public_key = '''-----BEGIN RSA PUBLIC KEY----- ...'''   # optional, with signature
    signature = '''8f d4 00 cb ...'''                     # optional: hex

What the simulation does with them is ``sim.trust.realcerts``. Every value is checked against
the others (the certificate's SHA-1, serial, names and key size), so a hand edit that breaks
one is a one-line error naming the file, line and key.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from sim.cluster.spec import NodeSpec
from sim.cluster.versions import Version, has_itl_recovery, single_itl_recovery
from sim.scenario.schema import ArrayOf, Table, Value, validate
from sim.scenario.tomlsource import KeyPath, TomlSource
from sim.trust.certificates import Role, cisco_name
from sim.trust.keys import SUPPORTED_BITS
from sim.trust.realcerts import RealCertificate

_HEX = re.compile(r"[0-9A-Fa-f]{2}(?:[\s:]?[0-9A-Fa-f]{2})*")
ENTRY = Table({
    "node": Value(str, help="a node of [cluster]"),
    "role": Value(str, choices=tuple(role.value for role in Role)),
    "source": Value(str, "", help="the file and record it came from"),
    "subject": Value(str),
    "issuer": Value(str),
    "serial": Value(str, expect="hex bytes, e.g. '70:5A:85:...'"),
    "key_bits": Value(int, choices=SUPPORTED_BITS),
    "sha1": Value(str, expect="40 hex digits: the SHA-1 of the real certificate"),
    "certificate": Value(str, None, help="the real certificate, PEM"),
    "public_key": Value(str, None, help="the real public key, PEM (RSA PUBLIC KEY)"),
    "signature": Value(str, None, help="the real certificate's signature, hex"),
})
SCHEMA = Table({"certificates": ArrayOf(ENTRY, min_items=1)})


def with_certificates(path: str | Path, nodes: tuple[NodeSpec, ...], version: Version
                      ) -> tuple[NodeSpec, ...]:
    """``nodes`` with the certificates of the file ``path`` attached: each entry must name a
    node, a role that node holds at ``version`` (trust-model section 1: CAPF on the
    publisher; ITLRecovery from 10.0, on the publisher only from 12.5, T8), each (node, role)
    once, with the node's ``key_bits`` for that role."""
    source = TomlSource.load(path)
    entries = validate(source, SCHEMA)["certificates"]
    by_name = {node.name: node for node in nodes}
    found: dict[str, dict[Role, RealCertificate]] = {}
    for index, entry in enumerate(entries):
        at = ("certificates", index)
        node = by_name.get(entry["node"])
        if node is None:
            raise source.error(at + ("node",), f"no node {entry['node']!r} in [cluster] "
                                               f"(nodes: {', '.join(by_name)})")
        role = Role(entry["role"])
        problem = _role_problem(node, role, version)
        if role in found.setdefault(node.name, {}):
            problem = f"{node.name} has a {role} certificate already; one per node and role"
        if problem:
            raise source.error(at + ("role",), problem)
        real = found[node.name][role] = _certificate(source, entry, at)
        if node.key_bits.get(role, real.key_bits) != real.key_bits:
            raise source.error(at + ("key_bits",), f"{real.key_bits} bits, but [cluster] gives "
                                                   f"{node.name} key_bits.{role} = "
                                                   f"{node.key_bits[role]}")
    return tuple(dataclasses.replace(node, certificates=found.get(node.name, {}))
                 for node in nodes)


def _role_problem(node: NodeSpec, role: Role, version: Version) -> str | None:
    if role is Role.CAPF and not (node.is_publisher and "CAPF" in node.services):
        return f"{node.name} holds no CAPF certificate: CAPF runs on the publisher"
    if role is Role.ITLRECOVERY and not has_itl_recovery(version):
        return "a cluster before 10.0 has no ITLRecovery certificate (trust-model section 2)"
    if role is Role.ITLRECOVERY and single_itl_recovery(version) and not node.is_publisher:
        return (f"from 12.5 the cluster's one ITLRecovery certificate is the publisher's "
                f"(T8); {node.name} is not the publisher")
    return None


def _certificate(source: TomlSource, entry: dict[str, Any], at: KeyPath) -> RealCertificate:
    real = RealCertificate(
        role=entry["role"], subject=entry["subject"], issuer=entry["issuer"],
        serial=_hex(source, entry["serial"], at + ("serial",)), key_bits=entry["key_bits"],
        sha1=_hex(source, entry["sha1"], at + ("sha1",), size=20), source=entry["source"],
        der=_der(source, entry["certificate"], at + ("certificate",)),
        public_key=_public_key(source, entry, at),
        signature=None if entry["signature"] is None else _hex(
            source, entry["signature"], at + ("signature",)))
    if (real.public_key is None) != (real.signature is None):
        raise source.error(at + ("signature",), "public_key and signature come together (the "
                                                "record's tags 7 and 8); give both or neither")
    _check_der(source, real, at)
    if real.der is not None and real.public_key is None:  # the record's tags 7 and 8 (T2)
        cert = x509.load_der_x509_certificate(real.der)
        key = cert.public_key()
        assert isinstance(key, rsa.RSAPublicKey)  # _check_der: an RSA key of key_bits
        real = dataclasses.replace(real, signature=cert.signature, public_key=key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.PKCS1))
    return real


def _hex(source: TomlSource, text: str, at: KeyPath, size: int | None = None) -> bytes:
    digits = text.strip()
    if not _HEX.fullmatch(digits):
        raise source.error(at, f"{text[:40]!r} is not hex bytes (e.g. '70:5A:85' or '705a85')")
    value = bytes.fromhex(re.sub(r"[\s:]", "", digits))
    if size is not None and len(value) != size:
        raise source.error(at, f"expected {size} bytes, got {len(value)}")
    return value


def _der(source: TomlSource, pem: str | None, at: KeyPath) -> bytes | None:
    if pem is None:
        return None
    try:
        cert = x509.load_pem_x509_certificate(pem.strip().encode())
    except ValueError:
        raise source.error(at, "not a PEM certificate (-----BEGIN CERTIFICATE----- ...)") from None
    return cert.public_bytes(serialization.Encoding.DER)


def _public_key(source: TomlSource, entry: dict[str, Any], at: KeyPath) -> bytes | None:
    pem = entry["public_key"]
    if pem is None:
        return None
    try:
        key = serialization.load_pem_public_key(pem.strip().encode())
    except ValueError:
        key = None
    if not isinstance(key, rsa.RSAPublicKey):
        raise source.error(at + ("public_key",), "not a PEM RSA public key (-----BEGIN RSA "
                                                 "PUBLIC KEY----- ...)")
    if key.key_size != entry["key_bits"]:
        raise source.error(at + ("public_key",), f"a {key.key_size}-bit key, but key_bits is "
                                                 f"{entry['key_bits']}")
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)


def _check_der(source: TomlSource, real: RealCertificate, at: KeyPath) -> None:
    """The certificate, where given, must be the one the other keys describe."""
    if real.der is None:
        return
    cert = x509.load_der_x509_certificate(real.der)
    number = int.from_bytes(real.serial, "big")
    problems = [
        ("sha1", hashlib.sha1(real.der).digest() != real.sha1,
         f"the certificate's SHA-1 is {hashlib.sha1(real.der).hexdigest().upper()}"),
        ("serial", cert.serial_number != number, "the certificate has another serial number"),
        ("subject", cisco_name(cert.subject) != real.subject,
         f"the certificate's subject is {cisco_name(cert.subject)!r}"),
        ("issuer", cisco_name(cert.issuer) != real.issuer,
         f"the certificate's issuer is {cisco_name(cert.issuer)!r}"),
    ]
    public = cert.public_key()
    bits = public.key_size if isinstance(public, rsa.RSAPublicKey) else 0
    problems.append(("key_bits", bits != real.key_bits, f"the certificate's key has {bits} bits"))
    for key, wrong, message in problems:
        if wrong:
            raise source.error(at + (key,), f"does not match the certificate: {message}")
