"""What phones hold today: a CSV of their reported ITL hash and ITL File Status (O2).

Phones on firmware 9.4(1)+ report the SHA-1 of their installed ITL in the DeviceTLInfo alarm
(seed, TN 117598; RTMT > Event Viewer - Application Log); CUCM 14 compares it with the hash of
the ITL each TFTP server serves and shows "ITL File Status" (Match, MisMatch, Not Installed,
Unknown) as a Find Phone criterion (Security Guide 14, "Obtain ITL File Status"). CUCM has no
export of either, so itlsim defines a minimal CSV that a Find Phone result, an RTMT alarm export
or a script can be turned into (I44):

    Device Name,ITL Hash,ITL TFTP Server,ITL File Status
    SEP0011AABBCC01,1B A1 C9 07 E9 9E 4D 3C 53 9D C8 14 24 AF 6C 9F 7D CE 4D 6D ,cucm-pub,MisMatch

- ``Device Name`` (also ``DeviceName``, ``Name``): the device, as in the inventory.
- ``ITL Hash`` (also ``ITL_Signature``, ``ITL Signature``, ``Reported ITL Hash``): the SHA-1
  the phone reported, in any of the ways Cisco prints one: DeviceTLInfo's upper-case pairs with
  a trailing space, ``show itl``'s 40 lower-case digits, with colons; ``Not Installed`` for a
  phone that reports no ITL; empty for none reported.
- ``ITL TFTP Server`` (also ``ITL_TFTP_Server``, ``TFTP Server``): the TFTP server the ITL came
  from, optional.
- ``ITL File Status`` (also ``ITL Status``, ``Status``): CUCM's status, optional;
  case and spaces do not matter ("mismatch").

A row needs a hash or a status. A device missing from the file has reported nothing (Unknown).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from sim.cluster.observe import MATCH, MISMATCH, NOT_INSTALLED, UNKNOWN
from sim.errors import ArtefactError
from sim.importer.csvtable import Row, Table, read_table
from sim.importer.devices import NAME_RULE, device_class
from sim.importer.inventory import InventoryPhone
from sim.scenario.schema import suggest

EXPECTED = ("an ITL status CSV with the columns Device Name, ITL Hash, ITL TFTP Server, "
            "ITL File Status (hash or status required)")
COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("Device Name", "DeviceName", "Name"),
    "hash": ("ITL Hash", "ITL_Signature", "ITL Signature", "Reported ITL Hash"),
    "tftp_server": ("ITL TFTP Server", "ITL_TFTP_Server", "TFTP Server"),
    "status": ("ITL File Status", "ITL Status", "Status"),
}
STATUSES: Mapping[str, str] = {s.replace(" ", "").casefold(): s
                               for s in (MATCH, MISMATCH, NOT_INSTALLED, UNKNOWN)}
_NO_HASH = frozenset({"", "notinstalled", "n/a", "none"})
_SHA1_HEX = re.compile(r"[0-9a-f]{40}")


@dataclass(frozen=True)
class ItlStatus:
    """One phone's report: the SHA-1 of its ITL (``None``: none reported, or Not Installed),
    the TFTP server it names, CUCM's status (``None`` where the file gives none)."""

    name: str
    itl_hash: bytes | None
    tftp_server: str | None
    status: str | None
    source: str


def read_itl_status(path: str | Path) -> tuple[ItlStatus, ...]:
    """Every row of an ITL status CSV, in file order."""
    table = read_table(path, what=EXPECTED)
    keys = {field: table.find(names) for field, names in COLUMNS.items()}
    keys["name"] = table.require(COLUMNS["name"], EXPECTED)
    if keys["hash"] is None and keys["status"] is None:
        table.require(COLUMNS["hash"] + COLUMNS["status"], EXPECTED)
    found = tuple(_status(row, keys, table) for row in table.rows)
    first: dict[str, ItlStatus] = {}
    for status, row in zip(found, table.rows, strict=True):
        seen = first.setdefault(status.name.upper(), status)
        if seen is not status:
            raise row.error(table.spelled(keys["name"]), f"{status.name} appears again "
                                                         f"(first at {seen.source})")
    return found


def _status(row: Row, keys: Mapping[str, str | None], table: Table) -> ItlStatus:
    name = row.get(keys["name"] or "")
    if device_class(name) is None:
        raise row.error(table.spelled(keys["name"]), f"{name!r} is not a device name; "
                                                     f"expected {NAME_RULE}")
    raw_hash, raw_status = row.get(keys["hash"] or ""), row.get(keys["status"] or "")
    itl_hash = _hash(row, table.spelled(keys["hash"]), raw_hash)
    status = _status_word(row, table.spelled(keys["status"]), raw_status)
    if status is None and _key(raw_hash) == "notinstalled":
        status = NOT_INSTALLED
    if itl_hash is None and status is None:
        raise row.error(table.spelled(keys["hash"] or keys["status"]),
                        f"{name} has neither an ITL hash nor a status; give one, or leave "
                        "the device out (it then counts as Unknown)")
    return ItlStatus(name, itl_hash, row.get(keys["tftp_server"] or "") or None, status,
                     f"{row.path}:{row.line}")


def _key(text: str) -> str:
    return re.sub(r"\s", "", text).casefold()


def _hash(row: Row, column: str | None, text: str) -> bytes | None:
    """A SHA-1 in any of Cisco's spellings: ``1B A1 C9 ... 6D `` (DeviceTLInfo), ``1ba1c9...``
    (``show itl``), ``1B:A1:...``; None for none reported."""
    if _key(text) in _NO_HASH:
        return None
    digits = re.sub(r"[\s:]", "", text).lower()
    if not _SHA1_HEX.fullmatch(digits):
        raise row.error(column, f"{text[:50]!r} is not a SHA-1 hash: 40 hex digits, as "
                                "DeviceTLInfo's ITL_Signature or show itl's '(SHA1)' line "
                                "print it, or 'Not Installed'")
    return bytes.fromhex(digits)


def _status_word(row: Row, column: str | None, text: str) -> str | None:
    if not text:
        return None
    status = STATUSES.get(_key(text))
    if status is None:
        raise row.error(column, f"status {text!r} unknown; expected one of "
                                f"{', '.join(STATUSES.values())}")
    return status


def check_names(statuses: Sequence[ItlStatus], phones: Sequence[InventoryPhone], *,
                inventory: str) -> None:
    """Every device of the status file must be in the inventory (``inventory`` names it):
    a name that matches nothing is a typo or an export from another day or cluster."""
    known = {p.name.upper() for p in phones}
    for status in statuses:
        if status.name.upper() not in known:
            path, _, line = status.source.rpartition(":")
            close = suggest(status.name, [p.name for p in phones])
            raise ArtefactError(f"{status.name} is not in the inventory {inventory}{close}; "
                                "export both on the same day from the same cluster",
                                path=path, line=int(line))
