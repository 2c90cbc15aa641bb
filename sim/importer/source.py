"""Reading an exported artefact: a regular file of bounded size, as UTF-8 text when it is text.

Every reader of the import (BAT and ITL-status CSV, AXL ``listPhone`` JSON, ITL/CTL files or
pasted ``show`` text, the plan) opens its path through ``sim.trust.files.read_regular``, so a
FIFO, a device such as ``/dev/zero`` or a runaway file is refused before it is read whole, and
every failure is one ``ArtefactError`` line naming the file and what was expected.

``MAX_EXPORT_BYTES`` bounds CSV and JSON exports: a megacluster holds at most 80,000 phones
(Cisco Collaboration SRND, "Megacluster"), and a BAT export row with every column of a phone
with many lines stays under a few kilobytes, so real exports are a few hundred megabytes at
most. Text exports may start with a UTF-8 byte-order mark (Excel's "CSV UTF-8" writes one).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from sim.errors import ArtefactError
from sim.trust.files import FileProblem, read_regular

MAX_EXPORT_BYTES = 1 << 30
"""The largest CSV or JSON export read (1 GiB): several times any real cluster's export."""

_WHY_EXPORT = "(an export of 80,000 phones, a megacluster's most, is far smaller)"


_DIGESTS: ContextVar[dict[str, str] | None] = ContextVar("artefact_digests", default=None)


@contextmanager
def digests() -> Iterator[dict[str, str]]:
    """While the block runs, the SHA-256 (hex) of every artefact ``read_artefact`` returns, by
    the name it was read by (the last read of a name wins: the one its reader parsed). An
    import lists its inputs with these digests, so a file is hashed as it was read, not read
    again (it may have changed in between, or be a file that cannot be read twice)."""
    found: dict[str, str] = {}
    token = _DIGESTS.set(found)
    try:
        yield found
    finally:
        _DIGESTS.reset(token)


def read_artefact(name: str, expected: str, *, limit: int = MAX_EXPORT_BYTES,
                  why: str = _WHY_EXPORT) -> bytes:
    """The bytes of ``name``; ``expected`` says in errors what kind of file was wanted and
    ``why`` why ``limit`` is the cap. Inside ``digests()`` their SHA-256 is recorded."""
    try:
        data = read_regular(name, limit)
    except FileProblem as problem:
        detail = f" {why}" if problem.too_large else ""
        raise ArtefactError(f"{problem}{detail}; expected {expected}", path=name) from None
    recording = _DIGESTS.get()
    if recording is not None:
        recording[name] = hashlib.sha256(data).hexdigest()
    return data


def decode_text(data: bytes, name: str, expected: str, *, hint: str = "") -> str:
    """``data`` as UTF-8 text (a leading byte-order mark dropped); an error names the line
    and byte, what was expected and, when given, how to save the file as UTF-8."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[:err.start].count(b"\n") + 1
        advice = hint or f"expected {expected} as UTF-8 text"
        raise ArtefactError(f"not UTF-8 text (byte 0x{data[err.start]:02X}); {advice}",
                            path=name, line=line) from None
