"""A cluster's ITL and CTL as the import gets them: fetched files or pasted ``show`` text.

Administrators bring either the files a TFTP node serves (``ITLFile.tlv``, ``CTLFile.tlv``,
fetched over TFTP or HTTP port 6970) or the text of ``show itl`` / ``show ctl`` copied from the
CLI (``sim.trust.showtext``). ``read_trust_file`` tells them apart by their first bytes (a TLV
file starts with the VERSION element ``01 00 02``), reads either into the same
``ShownTrustList`` (what ``show itl`` prints, O1) and keeps the parsed records of a file, which
add the DER certificates, public keys and signatures text does not print.

A file's signature must verify (P2, ``trustlist.check``) and text must carry CUCM's "verified
successfully" verdict: the import refuses a list CUCM itself would not trust, with one line.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from sim.errors import ArtefactError, SignatureError
from sim.importer.source import read_artefact
from sim.trust import showtext, trustlist
from sim.trust.shown import ShownRecord, ShownTrustList, shown
from sim.trust.trustlist import Record, TrustList

_TLV_START = b"\x01\x00\x02"  # VERSION, length 2 (tlv-format.md)
_MAX_TRUST_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class TrustFile:
    """One imported ITL or CTL: ``name`` is the file name (provenance never holds paths),
    ``shown`` what ``show itl`` prints of it (``None``: CUCM said there is no CTL),
    ``parsed`` the file itself when a ``.tlv`` was given."""

    path: str
    name: str
    sha256: str
    kind: str
    shown: ShownTrustList | None
    parsed: TrustList | None

    @property
    def form(self) -> str:
        return "file" if self.parsed is not None else "show text"

    def records(self) -> list[tuple[int, ShownRecord, Record | None]]:
        """(1-based record number, what text shows, the parsed record of a file)."""
        if self.shown is None:
            return []
        parsed = self.parsed.records if self.parsed is not None else [None] * len(
            self.shown.records)
        return [(i, r, p) for i, (r, p) in enumerate(zip(self.shown.records, parsed,
                                                         strict=True), 1)]

    @property
    def sha1(self) -> bytes | None:
        """The SHA-1 of the file as served: what phones report in DeviceTLInfo (O2)."""
        return None if self.shown is None else self.shown.sha1


def read_trust_file(path: str | Path, kind: str) -> TrustFile:
    """Read an ITL (``kind`` "ITL") or CTL ("CTL") given as a file or as ``show`` text; one
    ``ArtefactError`` line for a wrong kind, a signature that does not verify or text CUCM
    marked unverified (TLV and text errors are their own one-line errors)."""
    name = str(path)
    data = _read(name)
    if data.startswith(_TLV_START):
        parsed = trustlist.parse(data, path=name)
        try:
            trustlist.check(parsed)
        except SignatureError as err:
            raise ArtefactError(f"{err}; import only files as the cluster serves them",
                                path=name) from None
        found: ShownTrustList | None = shown(parsed, verified=True)
        got = parsed.kind
    else:
        parsed = None
        found = showtext.parse(_text(name, data), path=name)
        got = found.kind if found is not None else "CTL"
        if found is not None and not found.verified:
            raise ArtefactError(f"CUCM printed '{found.verdict}': the {got} does not verify; "
                                "fix the cluster before importing it", path=name)
    if got != kind:
        option = "--ctl" if got == "CTL" else "--itl"
        raise ArtefactError(f"this is a {got}, not an {kind}; give it with {option}", path=name)
    return TrustFile(name, Path(name).name, hashlib.sha256(data).hexdigest(), kind, found,
                     parsed)


def _read(name: str) -> bytes:
    """The file's bytes; a CTL (the larger kind, 256 KB, T5) printed by ``show ctl`` takes a
    few times its size as text, so ``_MAX_TRUST_BYTES`` leaves room for either."""
    return read_artefact(name, "an ITL/CTL file or show itl/ctl text", limit=_MAX_TRUST_BYTES,
                         why="(an ITL or CTL file, or show itl/ctl text of one, is far "
                             "smaller)")


def _text(name: str, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ArtefactError(f"neither an ITL/CTL file (it would start with bytes 01 00 02) nor "
                            f"UTF-8 show itl/ctl text (byte {err.start})", path=name) from None
