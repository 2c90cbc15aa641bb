"""The DeviceTLInfo report of a run: per phone, its ITL against the database's, as CUCM 14
shows it (O2, O2a), whether a bulk reset would recover it (A4), its state and registration.

Phones of one population that used the same TFTP server, hold the same files and ended in the
same state have the same row but for their name, so the report keeps each distinct row once
(``kinds``) and per phone the number of its kind (``kind_of``): a million phones cost a byte
array and a few hundred tuples, not a million tuples, and the hashes, the status and A4's
verdict are computed once per kind. Iterating gives the full rows, in phone order.
"""

from __future__ import annotations

import hashlib
from array import array
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sim.cluster.observe import itl_file_status, recoverable_by_bulk_reset
from sim.cluster.phone import PhoneTrust
from sim.fleet.memo import PerObject
from sim.fleet.phones import Phone

if TYPE_CHECKING:
    from sim.fleet.model import FleetModel

Row = tuple[str | bool, ...]
STATUS, RECOVERABLE = 4, 5  # the ITL File Status and "recoverable by bulk reset" of a kind


@dataclass(frozen=True)
class DeviceTLInfo:
    """Rows ``(name, *kinds[kind_of[i]])`` for each phone ``i``; a kind is (population, TFTP
    server, the phone's ITL SHA-1, the database's, ITL File Status, recoverable by bulk reset,
    state, registered)."""

    names: list[str]
    kinds: list[Row]
    kind_of: array

    def __iter__(self) -> Iterator[Row]:
        kinds = self.kinds
        return ((name, *kinds[kind]) for name, kind in zip(self.names, self.kind_of,
                                                            strict=True))

    def __len__(self) -> int:
        return len(self.kind_of)

    def phones_per_kind(self) -> list[int]:
        """How many phones have each kind's row."""
        counts = Counter(self.kind_of)
        return [counts[kind] for kind in range(len(self.kinds))]

    def statuses(self) -> Counter[str]:
        """Phones per ITL File Status."""
        found: Counter[str] = Counter()
        for kind, phones in zip(self.kinds, self.phones_per_kind(), strict=True):
            found[str(kind[STATUS])] += phones
        return found

    def not_recoverable(self) -> int:
        """Phones a bulk reset would not recover (A4)."""
        return sum(phones for kind, phones in zip(self.kinds, self.phones_per_kind(),
                                                  strict=True) if kind[RECOVERABLE] is False)


def _hashed(digest: bytes | None) -> tuple[bytes | None, str]:
    return digest, digest.hex() if digest else ""


def devicetlinfo(model: FleetModel, names: list[str]) -> DeviceTLInfo:
    """The report of ``model``'s phones at the end of the run, ``names`` their device names.
    Per phone: its ITL hash against the hash the database keeps for the TFTP server it used
    last, CUCM 14's status (O2, O2a: reported at registration by firmware 9.4(1)+), whether a
    bulk reset would recover it (A4) and whether it is registered (P9)."""
    estate = model.estate
    mine_of = PerObject(lambda tl: _hashed(hashlib.sha1(tl.raw).digest() if tl else None))
    theirs_of = {name: _hashed(digest) for cluster in estate.clusters.values()
                 for name, digest in cluster.itl_hashes.items()}
    index: dict[tuple, int] = {}
    kinds: list[Row] = []
    kind_of = array("i")
    for phone in model.phones:
        trust = phone.trust
        key = (phone.group.index, phone.tftp_used, id(trust.itl), id(trust.ctl),
               trust.itl_support, phone.state, phone.registered)
        kind = index.get(key)
        if kind is None:
            kind = index[key] = len(kinds)
            kinds.append(_kind(model, phone, trust, mine_of, theirs_of))
        kind_of.append(kind)
    return DeviceTLInfo(names, kinds, kind_of)


def _kind(model: FleetModel, phone: Phone, trust: PhoneTrust, mine_of: PerObject,
          theirs_of: dict[str, tuple[bytes | None, str]]) -> Row:
    node = phone.tftp_used
    (mine, mine_hex), (theirs, theirs_hex) = mine_of(trust.itl), theirs_of.get(node, (None, ""))
    reported = phone.registered is True and phone.group.reports_devicetlinfo
    estate = model.estate
    return (phone.group.name, node, mine_hex, theirs_hex,
            itl_file_status(mine, theirs, reported=reported),
            recoverable_by_bulk_reset(trust, estate.cluster_of(node), estate.nodes[node]),
            phone.state, phone.registered is True)
