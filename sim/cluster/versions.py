"""CUCM versions and their eras: which release does what (trust-model section 2).

Every rule that depends on the cluster's version asks one of these small functions, so the
version boundaries are cited in one place.
"""

from __future__ import annotations

import re

Version = tuple[int, int]
_VERSION = re.compile(r"^(\d+)(?:\.(\d+))?(?:\(\d+\))?(?:\S*)$")


def parse_version(text: str) -> Version:
    """``"10.5(2)"`` -> ``(10, 5)``; ``"14"`` -> ``(14, 0)``."""
    match = _VERSION.match(text.strip())
    if not match:
        raise ValueError(text)
    return int(match.group(1)), int(match.group(2) or 0)


def has_itl_recovery(version: Version) -> bool:
    """10.0(1)+ creates the ITLRecovery key and lists it in every ITL (section 2, F1/F2)."""
    return version >= (10, 0)


def itl_signed_by_recovery(version: Version) -> bool:
    """12.0+ signs the normal ITL with the ITLRecovery key; earlier with CallManager (K4, K5)."""
    return version >= (12, 0)


def has_phone_interaction_parameter(version: Version) -> bool:
    """14+ has "Phone Interaction on Certificate Update" (A1b, K8)."""
    return version >= (14, 0)


def rollback_resets_phones(version: Version) -> bool:
    """10.5+ resets phones by itself when the rollback parameter is set (A9, K1)."""
    return version >= (10, 5)
