"""The rows of ``show itl`` / ``show ctl`` output read into values (O1).

``sim.trust.showtext`` splits pasted text into ``Section``s of ``Row``s (``TAG LENGTH VALUE``,
with continuation lines and hex dumps); this module gives the values their meaning: names
(wrapped names rejoined so that LENGTH fits), colon-separated serials, functions by their
``show itl`` name, dotted IP addresses, hashes, HASH ALGORITHM names, the "last modified" time.
Every value whose byte count the text also prints is checked against it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field

from sim.errors import ShowTextError
from sim.trust.shown import DIGEST_NAMES, ShownRecord
from sim.trust.tlv import CONTAINER_TAGS
from sim.trust.tlv import HeaderTag as H
from sim.trust.tlv import RecordTag as R
from sim.trust.trustlist import FUNCTION_NAMES, Function

_RECORD_REQUIRED = (R.RECORDLENGTH, R.SUBJECTNAME, R.FUNCTION, R.ISSUERNAME, R.SERIALNUMBER,
                    R.PUBLICKEY, R.SIGNATURE)
_HEADER_REQUIRED = (H.SIGNERNAME, H.SERIALNUMBER, H.CANAME)
_FUNCTIONS = {name.upper(): code for code, name in FUNCTION_NAMES.items()}
_DIGESTS = {name: code for code, name in DIGEST_NAMES.items()}


@dataclass
class Row:
    """One ``TAG LENGTH VALUE`` row, with its continuation lines and hex dump."""

    line: int
    tag: int
    label: str
    length: int
    pieces: list[str]
    data: bytearray = field(default_factory=bytearray)
    target: int = 0  # bytes of hex expected (0: the row takes no hex)

    @property
    def value(self) -> str:
        return "".join(self.pieces)


@dataclass
class Section:
    """The header table, or one record with the etoken line after it."""

    line: int
    rows: list[Row] = field(default_factory=list)
    signer: bool | None = None


def _error(path: str, line: int, message: str) -> ShowTextError:
    return ShowTextError(message, path=path, line=line)


def rows_of(path: str, section: Section, where: str) -> dict[int, Row]:
    """The section's rows by tag; every row a header (``where`` "the header") or record must
    have is there."""
    rows = {row.tag: row for row in section.rows}
    header = where == "the header"
    required = _HEADER_REQUIRED if header else _RECORD_REQUIRED
    missing = [H(t).name if header else R(t).name for t in required if t not in rows]
    if missing:
        raise _error(path, section.line, f"{where} has no {', '.join(missing)} row; the paste "
                                         "lost lines")
    return rows


def size(path: str, row: Row) -> int:
    """LENGTH, or for a container (printed ``2 <size>``) its size."""
    if row.tag in CONTAINER_TAGS and row.value:
        return integer(path, row)
    return row.length


def integer(path: str, row: Row) -> int:
    if not row.value.isdigit():
        raise _error(path, row.line, f"{row.label} value {row.value!r} is not a number")
    return int(row.value)


def name(row: Row) -> str:
    """A name, its wrapped pieces joined without a space (the seed wraps after ';' and LENGTH
    counts no space there) unless only the spaced form fits LENGTH (the name's bytes + NUL)."""
    joined, spaced = "".join(row.pieces).strip(), " ".join(row.pieces).strip()
    squeezed = re.sub(r"([;,])\s+", r"\1", spaced)
    for candidate in (joined, spaced, squeezed):
        if len(candidate.encode("utf-8")) + 1 == row.length:
            return candidate
    return joined


def serial(path: str, row: Row) -> bytes:
    """``61:40:52:E9``; the byte count must be LENGTH."""
    return _hex_value(path, row, row.value.replace(":", " "), row.length)


def _hex_value(path: str, row: Row, text: str, size: int) -> bytes:
    try:
        data = bytes(int(token, 16) for token in text.split())
    except ValueError:
        raise _error(path, row.line, f"{row.label} value {row.value[:60]!r} is not hex "
                                    "bytes") from None
    if len(data) != size or any(len(t) > 2 for t in text.split()):
        raise _error(path, row.line, f"{row.label} value has {len(data)} bytes; LENGTH "
                                    f"says {size}")
    return data


def shown_record(path: str, section: Section, index: int) -> ShownRecord:
    rows = rows_of(path, section, f"record #{index}")
    certificate = rows.get(R.CERTIFICATE)
    whole = certificate is not None and len(certificate.data) == certificate.length
    public_key = rows[R.PUBLICKEY].data
    return ShownRecord(
        function=_function(path, rows[R.FUNCTION]),
        subject_name=name(rows[R.SUBJECTNAME]), issuer_name=name(rows[R.ISSUERNAME]),
        serial=serial(path, rows[R.SERIALNUMBER]),
        record_length=integer(path, rows[R.RECORDLENGTH]),
        elements=tuple((row.tag, row.length) for row in section.rows),
        dns_name=name(rows[R.DNSNAME]) if R.DNSNAME in rows else None,
        ip_address=_ip_address(path, rows.get(R.IPADDRESS)),
        certificate_sha1=None if certificate is None or not certificate.data
        else hashlib.sha1(certificate.data).digest() if whole else bytes(certificate.data),
        cert_hash=bytes(rows[R.CERTHASH].data) if R.CERTHASH in rows else None,
        hash_algorithm=_hash_algorithm(path, rows.get(R.HASH_ALGORITHM)),
        certificate=bytes(certificate.data) if certificate is not None and whole else None,
        public_key=bytes(public_key) if public_key else None,
        signer=section.signer,
    )


def _function(path: str, row: Row) -> Function | int:
    text = row.value.strip()
    if text.isdigit():
        number = int(text)
        return Function(number) if number in FUNCTION_NAMES else number
    code = _FUNCTIONS.get(" ".join(text.upper().split()))
    if code is None:
        valid = ", ".join(FUNCTION_NAMES.values())
        raise _error(path, row.line, f"FUNCTION {text!r} unknown; expected one of {valid} or "
                                    "a number")
    return Function(code)


def _ip_address(path: str, row: Row | None) -> bytes | None:
    if row is None or not row.value:
        return None
    parts = row.value.split(".")
    if len(parts) == 4 and all(p.isdigit() and int(p) < 256 for p in parts):
        return bytes(int(p) for p in parts)
    return _hex_value(path, row, row.value, row.length)


def _hash_algorithm(path: str, row: Row | None) -> int | None:
    if row is None:
        return None
    text = row.value.strip().upper()
    unknown = re.fullmatch(r"UNKNOWN \((\d+)\)", text)
    if unknown:
        return int(unknown.group(1))
    if text not in _DIGESTS:
        raise _error(path, row.line, f"HASH ALGORITHM {row.value!r} unknown; expected "
                                    f"{', '.join(_DIGESTS)}")
    return _DIGESTS[text]


def timestamp(modified: str | None) -> int | None:
    """``Wed Feb 26 18:21:07 UTC 2014`` -> Unix seconds; ``None`` for other zones (ambiguous
    abbreviations such as CST) or an unreadable date."""
    parts = (modified or "").split()
    if len(parts) != 6 or parts[4].upper() not in ("UTC", "GMT"):
        return None
    try:
        moment = dt.datetime.strptime(" ".join(parts[:4] + parts[5:]), "%a %b %d %H:%M:%S %Y")
    except ValueError:
        return None
    return int(moment.replace(tzinfo=dt.UTC).timestamp())
