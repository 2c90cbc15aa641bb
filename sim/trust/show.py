"""``show itl`` / ``show ctl`` output (rules O1, O1a), as text in CUCM's layout and as JSON.

The content follows the seed's ``show itl`` example line for line: checksums, length, the
parsed header as ``BYTEPOS TAG LENGTH VALUE`` rows (the first column is the tag number), every
record, the etoken line after each SAST record, and the verification result. CUCM's own
spelling (``DIGESTALGORTITHM``, ``SIGNATUREALGORTITHM``) and its habit of printing only the
length of some elements are kept. For a CTL every "ITL" reads "CTL".

The layout is the English CLI's (O1a), as TechNote 118893's ``show ctl`` keeps it: columns
separated by tabs (a tag name shorter than 8 characters is followed by two, so LENGTH lines up
at column 24 with 8-column tab stops), "Parse ITL File" underlined with 16 dashes, every
record's title with 4, the column headings with dashes as wide as each heading. The seed's
copy lost its tabs and dashes and wraps lines at 80 columns (its "(SHA1 Hash HEX)" and the
ITLRecovery subject's "ST=nc;C=US" continue on the next line); CUCM prints each on one line.

The "last modified" line is derived from the file's TIMESTAMP element, in the cluster's time
zone (UTC by default), not from the file system, so the same bytes always print the same text.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import zoneinfo
from collections.abc import Iterator

from sim.trust.tlv import HeaderTag as H
from sim.trust.tlv import RecordTag as R
from sim.trust.trustlist import (
    MODULUS_BITS,
    Function,
    Record,
    TrustList,
    encode_name,
    printable,
    record_elements,
    signer_record,
)

_HEADER_LABELS: dict[int, str] = {
    H.DIGESTALGORITHM: "DIGESTALGORTITHM", H.SIGNATUREALGORITHM: "SIGNATUREALGORTITHM",
}
_DIGEST_NAMES = {1: "SHA-1", 2: "SHA-256", 3: "SHA-512"}


def colon_hex(data: bytes) -> str:
    """``61:40:52:E9``: how CUCM prints serial numbers."""
    return data.hex(":").upper()


def spaced_hex(data: bytes) -> str:
    """``01 9C 4C``: how CUCM prints hashes."""
    return data.hex(" ").upper()


def signature_rows(signature: bytes) -> list[str]:
    """The header signature as CUCM prints it: 8 bytes a row, lower-case hex, no leading zero."""
    return [" ".join(f"{b:x}" for b in signature[i:i + 8]) for i in range(0, len(signature), 8)]


def last_modified(timestamp: int, timezone: str = "UTC") -> str:
    """TIMESTAMP as ``Wed Feb 26 10:24:27 PST 2014``: CUCM's date format in ``timezone`` (an
    IANA name; the seed's cluster printed PST)."""
    moment = dt.datetime.fromtimestamp(timestamp, zoneinfo.ZoneInfo(timezone))
    return moment.strftime("%a %b %d %H:%M:%S %Z %Y")


def row(*fields: str | int) -> str:
    """One table row as the CLI prints it: tab-separated, with a second tab after a tag name
    shorter than 8 characters (O1a)."""
    cells = [str(f) for f in fields]
    if len(cells) > 2 and len(cells[1]) < 8:
        cells[1] += "\t"
    return "\t".join(cells)


COLUMNS = (row("BYTEPOS", "TAG", "LENGTH", "VALUE"), row("-------", "---", "------", "-----"))


def _header_rows(tl: TrustList) -> Iterator[str]:
    """Rows for every header tag as found, VERSION/HEADERLENGTH/PADDING excepted."""
    # Keyed by int: ``tl.header_order`` holds the tags as plain ints, as read from the file.
    names: dict[int, str] = {H.SIGNERNAME: tl.signer_name, H.CANAME: tl.ca_name}
    container_sizes: dict[int, int] = {
        H.SIGNERID: 3 * 3 + len(encode_name(tl.signer_name)) + len(encode_name(tl.ca_name))
        + len(tl.signer_serial),
        H.SIGNATUREINFO: 15, H.SIGNATUREALGOINFO: 8,
    }
    fixed: dict[int, int] = {H.DIGESTALGORITHM: 1, H.SIGNATUREALGORITHM: 1, H.SIGNATUREMODULUS: 1,
             H.TIMESTAMP: 4, H.SIGNERVERSION: 2, H.FILENAME: len(encode_name(tl.filename))}
    for tag in tl.header_order:
        if tag in (H.VERSION, H.HEADERLENGTH):
            continue  # printed above the table as "Version:" and "HeaderLength:"
        label = (int(tag), _HEADER_LABELS.get(tag, H(tag).name))
        if tag in container_sizes:
            yield row(*label, 2, container_sizes[tag])
        elif tag in names:
            yield row(*label, len(encode_name(names[tag])), printable(names[tag]))
        elif tag == H.SERIALNUMBER:
            yield row(*label, len(tl.signer_serial), colon_hex(tl.signer_serial))
        elif tag == H.SIGNATURE:
            yield row(*label, len(tl.signature))
            yield from signature_rows(tl.signature)
        elif tag in fixed:
            yield row(*label, fixed[tag])


def _dns_text(value: bytes) -> str:
    return printable(value.rstrip(b"\x00").decode("utf-8", "surrogateescape"))


def _record_value(record: Record, tag: int, value: bytes) -> str:
    """The VALUE column of one record element ("" where CUCM prints the length only)."""
    if tag == R.RECORDLENGTH:
        return str(int.from_bytes(value, "big"))
    if tag == R.DNSNAME:
        return _dns_text(value)
    if tag in (R.SUBJECTNAME, R.ISSUERNAME):
        return printable(record.subject_name if tag == R.SUBJECTNAME else record.issuer_name)
    if tag == R.FUNCTION:
        return record.function_name
    if tag == R.SERIALNUMBER:
        return colon_hex(value)
    if tag == R.CERTIFICATE:
        return spaced_hex(hashlib.sha1(value).digest())
    if tag == R.IPADDRESS:
        return ".".join(map(str, value)) if len(value) == 4 else spaced_hex(value)
    if tag == R.CERTHASH:
        return spaced_hex(value)
    if tag == R.HASH_ALGORITHM:
        return _DIGEST_NAMES.get(value[0], f"unknown ({value[0]})")
    return ""


def _record_rows(record: Record) -> Iterator[str]:
    for tag, value in record_elements(record):
        text = _record_value(record, tag, value)
        if tag == R.CERTIFICATE:
            text += " (SHA1 Hash HEX)"
        yield row(tag, R(tag).name.replace("_", " "), len(value), *([text] if text else []))


def render(tl: TrustList, *, path: str, verified: bool, reason: str | None,
           timezone: str = "UTC") -> str:
    """The ``show itl`` (or ``show ctl``) text for ``tl`` (O1, O1a), times in ``timezone``.

    ``verified``/``reason`` come from ``trustlist.check``; the last line says either "The ITL
    file was verified successfully." or that ``path`` was not verified, and why.
    """
    kind, data = tl.kind, tl.raw
    lines = [
        f"The checksum value of the {kind} file:",
        f"{hashlib.md5(data).hexdigest()}(MD5)",
        f"{hashlib.sha1(data).hexdigest()}(SHA1)",
        "",
        f"Length of {kind} file: {len(data)}",
        f"The {kind} File was last modified on {last_modified(tl.timestamp, timezone)}",
        "",
        f"Parse {kind} File",
        "-" * 16,
        "",
        f"Version:\t{tl.version}",
        f"HeaderLength:\t{tl.header_length} (BYTES)",
        "",
        *COLUMNS,
        *_header_rows(tl),
    ]
    signer = signer_record(tl)
    for index, record in enumerate(tl.records, 1):
        lines += ["", f"{kind} Record #:{index}", "-" * 4, *COLUMNS, *_record_rows(record)]
        if record.function == Function.SAST:
            used = "was" if record is signer else "was not"
            lines += ["", f"This etoken {used} used to sign the {kind} file."]
    lines.append("")
    if verified:
        lines.append(f"The {kind} file was verified successfully.")
    else:
        lines.append(f"The {kind} file {path} was not verified: {reason}")
    return "\n".join(lines)


def _record_json(record: Record, index: int, signer: Record | None) -> dict[str, object]:
    certificate = record.certificate
    return {
        "index": index,
        "record_length": int.from_bytes(record_elements(record)[0][1], "big"),
        "function": int(record.function),
        "function_name": record.function_name,
        "subject_name": printable(record.subject_name),
        "issuer_name": printable(record.issuer_name),
        "serial": colon_hex(record.serial),
        "dns_name": None if record.dns_name is None else _dns_text(record.dns_name),
        "ip_address": None if record.ip_address is None
        else _record_value(record, R.IPADDRESS, record.ip_address),
        "public_key_length": len(record.public_key),
        "signature_length": len(record.signature),
        "certificate_length": None if certificate is None else len(certificate),
        "certificate_sha1": None if certificate is None else hashlib.sha1(certificate).hexdigest(),
        "cert_hash": None if record.cert_hash is None else record.cert_hash.hex(),
        "hash_algorithm": None if record.hash_algorithm is None
        else _DIGEST_NAMES.get(record.hash_algorithm, str(record.hash_algorithm)),
        "element_order": [tag for tag, _ in record_elements(record)],
        "signer": record is signer,
    }


def to_json(tl: TrustList, *, path: str, verified: bool, reason: str | None,
            timezone: str = "UTC") -> dict[str, object]:
    """The same information as ``render`` as a JSON-ready dict (hex strings, no bytes)."""
    signer = signer_record(tl)
    return {
        "path": path,
        "kind": tl.kind,
        "md5": hashlib.md5(tl.raw).hexdigest(),
        "sha1": hashlib.sha1(tl.raw).hexdigest(),
        "length": len(tl.raw),
        "version": tl.version,
        "header_length": tl.header_length,
        "signer_version": tl.signer_version,
        "signer_name": printable(tl.signer_name),
        "signer_serial": colon_hex(tl.signer_serial),
        "ca_name": printable(tl.ca_name),
        "digest_algorithm": _DIGEST_NAMES[tl.digest_algorithm],
        "signature_algorithm": "RSA",
        "signature_modulus_bits": MODULUS_BITS[tl.signature_modulus],
        "signature": tl.signature.hex(),
        "filename": printable(tl.filename),
        "timestamp": tl.timestamp,
        "last_modified": last_modified(tl.timestamp, timezone),
        "header_order": [int(tag) for tag in tl.header_order],
        "records": [_record_json(r, i, signer) for i, r in enumerate(tl.records, 1)],
        "signer_record": next((i for i, r in enumerate(tl.records, 1) if r is signer), None),
        "verified": verified,
        "reason": reason,
    }
