"""The CUCM release a cluster's ITL and CTL files point to: who signs, and what they list.

Trust-model section 2: 8.x-9.x ITLs have no ITLRecovery record; from 10.0 every ITL lists the
ITLRecovery certificate; 10.x-11.x sign the ITL with the node's CallManager key, 12.0 and later
with the ITLRecovery key (K4, K5). The tokenless CTL (10.0 and later) lists ITLRecovery from
11.0 (T7, I7a: TechNote 118893's 10.5(1) CTL has none). The files fix the era, not the release:
``era`` gives the range and a release to simulate (I47), which ``--version`` may replace with
any release inside the range; outside it is refused, as the simulation would contradict the
files.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sim.cluster.versions import Version, parse_version
from sim.errors import ArtefactError
from sim.importer.certificates import role_of
from sim.importer.trustfiles import TrustFile
from sim.trust.certificates import Role


@dataclass(frozen=True)
class Era:
    """A range of releases (``low`` <= version < ``high``), the release simulated by default
    and why (naming the file that decided it)."""

    low: Version
    high: Version
    default: str
    why: str

    def check(self, text: str) -> str:
        """``--version``: a release inside the era, or one error line."""
        try:
            version = parse_version(text)
        except ValueError:
            raise ArtefactError(f"{text!r} is not a CUCM version; expected e.g. '12.5(1)'",
                                path="--version") from None
        if not self.low <= version < self.high:
            raise ArtefactError(f"{text} contradicts the imported files: {self.why}",
                                path="--version")
        return text


def _signed_by_recovery(file: TrustFile) -> bool:
    assert file.shown is not None
    signer = file.shown.signer
    return signer is not None and role_of(signer) is Role.ITLRECOVERY


def _lists_recovery(file: TrustFile) -> bool:
    assert file.shown is not None
    return any(role_of(r) is Role.ITLRECOVERY for r in file.shown.records)


def era(itls: Sequence[TrustFile], ctl: TrustFile | None) -> Era:
    """The era of the files (module docstring): ITLs decide, a CTL narrows 10.x-11.x."""
    ctl = ctl if ctl is not None and ctl.shown is not None else None
    files = [*itls, *([ctl] if ctl else [])]
    recovery = [f for f in files if _lists_recovery(f)]
    signed = [f for f in files if _signed_by_recovery(f)]
    if signed:
        return Era((12, 0), (99, 0), "12.5(1)", f"{signed[0].name} is signed by the ITLRecovery "
                                                "key: 12.0 or later (K5)")
    if not recovery and itls:
        return Era((8, 0), (10, 0), "9.1(2)", f"{itls[0].name} has no ITLRecovery record: "
                                              "8.x-9.x (trust-model section 2)")
    if ctl is not None and not _lists_recovery(ctl):
        return Era((10, 0), (11, 0), "10.5(2)", f"{ctl.name} is a tokenless CTL without an "
                                                "ITLRecovery record: 10.x (T7, I7a)")
    if ctl is not None:
        return Era((11, 0), (12, 0), "11.5(1)", f"{ctl.name} is signed by a CallManager key and "
                                                "lists ITLRecovery: 11.x (K4, T7)")
    return Era((10, 0), (12, 0), "11.5(1)", f"{itls[0].name} lists ITLRecovery and is signed by "
                                            "a CallManager key: 10.x-11.x (K4)")
