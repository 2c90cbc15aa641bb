"""The certificates an imported cluster's ITL and CTL files name, by node and role.

Each record of an ITL or CTL is a certificate of one node in one role (tlv-format.md, T1, T2,
T7): the node is the first label of the certificate's common name (``CN=cucm-pub.acme.example``
-> ``cucm-pub``, the rest is the domain), or the CTL record's DNSNAME; the role follows from the
record's function and name:

- SAST, TFTP, CCM+TFTP and CCM records hold a node's CallManager certificate, except a SAST
  named ``CN=ITLRECOVERY_<publisher FQDN>``: the cluster's ITLRecovery certificate (T6, T8);
- TVS records a node's TVS certificate; CAPF records the publisher's CAPF certificate.

The same certificate appears in several files (every ITL lists every TVS node; the CTL repeats
the CallManager certificates); ``collect`` merges what each file adds (the DER from one, the
public key from another) and refuses files that disagree about a certificate: they come from
two clusters, or from before and after a change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from sim.errors import ArtefactError
from sim.importer.trustfiles import TrustFile
from sim.trust.certificates import Role
from sim.trust.keys import SUPPORTED_BITS
from sim.trust.realcerts import RealCertificate
from sim.trust.shown import ShownRecord
from sim.trust.trustlist import FUNCTION_NAMES, Function, Record

RECOVERY_PREFIX = "ITLRECOVERY_"
CALLMANAGER_FUNCTIONS = (Function.SAST, Function.TFTP, Function.CCM_TFTP, Function.CCM)
TFTP_FUNCTIONS = (Function.TFTP, Function.CCM_TFTP)
CHECKED_ROLES: Mapping[int, Role] = {Function.TVS: Role.TVS, Function.CAPF: Role.CAPF}


@dataclass(frozen=True)
class Found:
    """One certificate as one record shows it: ``node`` is ``None`` for CAPF in an ITL (the
    publisher's, not named there); ``ip`` from a CTL record."""

    node: str | None
    domain: str
    cert: RealCertificate
    ip: str = ""


def common_name(subject: str) -> str:
    """``CN=cucm-pub.acme.example;OU=..`` -> ``cucm-pub.acme.example``."""
    for part in subject.replace(",", ";").split(";"):
        key, _, value = part.strip().partition("=")
        if key.upper() == "CN":
            return value
    return ""


def host_and_domain(fqdn: str) -> tuple[str, str]:
    """``cucm-pub.acme.example`` -> (``cucm-pub``, ``acme.example``)."""
    host, _, domain = fqdn.partition(".")
    return host, domain


def role_of(record: ShownRecord) -> Role | None:
    """The role of the certificate a record holds (module docstring); ``None`` for functions
    CUCM does not use for its own nodes (APP-SERVER)."""
    if record.function in CALLMANAGER_FUNCTIONS:
        if common_name(record.subject_name).upper().startswith(RECOVERY_PREFIX):
            return Role.ITLRECOVERY
        return Role.CALLMANAGER
    return CHECKED_ROLES.get(int(record.function))


def found_in(file: TrustFile) -> list[Found]:
    """Every certificate ``file`` names, in record order."""
    found = []
    for index, record, parsed in file.records():
        role = role_of(record)
        if role is None:
            continue
        function = "SAST" if record.function == Function.SAST else FUNCTION_NAMES.get(
            record.function, str(record.function))
        source = f"{file.name} record #{index} ({function})"
        cert = _certificate(file, record, parsed, role, source)
        fqdn = common_name(record.subject_name)
        if role is Role.ITLRECOVERY:
            fqdn = fqdn[len(RECOVERY_PREFIX):]
        host, domain = host_and_domain(fqdn)
        if record.dns_name:  # a CTL record names its node (the publisher for CAPF, ITLRecovery)
            host = record.dns_name
        elif role is Role.CAPF:
            host = ""
        ip = ".".join(map(str, record.ip_address)) if record.ip_address else ""
        found.append(Found(host or None, domain, cert, ip))
    return found


def _certificate(file: TrustFile, record: ShownRecord, parsed: Record | None, role: Role,
                 source: str) -> RealCertificate:
    bits, sha1 = record.key_bits, record.identity
    if bits not in SUPPORTED_BITS:
        raise ArtefactError(f"{source}: a key of {record.length(7)} bytes; itlsim simulates "
                            f"{' and '.join(map(str, SUPPORTED_BITS))}-bit keys", path=file.path)
    if sha1 is None:
        raise ArtefactError(f"{source}: no certificate hash; a CUCM record has a CERTIFICATE "
                            "or a CERTHASH", path=file.path)
    assert bits is not None
    return RealCertificate(
        role=role.value, subject=record.subject_name, issuer=record.issuer_name,
        serial=record.serial, key_bits=bits, sha1=sha1, source=source,
        der=parsed.certificate if parsed else None,
        public_key=parsed.public_key if parsed else None,
        signature=parsed.signature if parsed else None)


def merge(a: RealCertificate, b: RealCertificate, where: str) -> RealCertificate:
    """One certificate from two records of it: the first one's source, each file's extra
    bytes; two different certificates for one node and role are an error."""
    if (a.sha1, a.serial, a.issuer) != (b.sha1, b.serial, b.issuer):
        raise ArtefactError(f"{a.source} and {b.source} name different {a.role} certificates "
                            f"for {where} (serial {a.serial.hex(':').upper()} and "
                            f"{b.serial.hex(':').upper()}); import files exported together "
                            "from one cluster", path=b.source.split(" record")[0])
    return replace(a, der=a.der or b.der,
                   public_key=a.public_key or b.public_key,
                   signature=a.signature or b.signature)


def collect(files: Iterable[TrustFile]) -> list[Found]:
    """Every certificate of ``files`` once, merged (``merge``), CAPF and ITLRecovery keyed by
    role alone (one per cluster in the files, T8), in order of first appearance."""
    merged: dict[tuple[str | None, Role], Found] = {}
    for file in files:
        for found in found_in(file):
            role = Role(found.cert.role)
            key = (None if role in (Role.CAPF, Role.ITLRECOVERY) else found.node, role)
            seen = merged.get(key)
            if seen is None:
                merged[key] = found
            else:
                merged[key] = replace(seen, node=seen.node or found.node, ip=seen.ip or found.ip,
                                      cert=merge(seen.cert, found.cert,
                                                 key[0] or "the cluster"))
    return list(merged.values())
