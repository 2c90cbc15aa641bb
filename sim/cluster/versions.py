"""CUCM versions and their eras: which release does what (trust-model section 2).

Every rule that depends on the cluster's version asks one of these small functions, so the
version boundaries are cited in one place.
"""

from __future__ import annotations

import re

Version = tuple[int, int]
Firmware = tuple[int, int, int]  # major, minor, maintenance: 9.4(2) -> (9, 4, 2)
_VERSION = re.compile(r"^(\d+)(?:\.(\d+))?(?:\(\d+\))?(?:\S*)$")
# DeviceTLInfo: phone firmware 9.4(1) and later reports its ITL hash at registration (O2, seed)
DEVICETLINFO_FIRMWARE: Firmware = (9, 4, 1)


def parse_version(text: str) -> Version:
    """``"10.5(2)"`` -> ``(10, 5)``; ``"14"`` -> ``(14, 0)``."""
    match = _VERSION.match(text.strip())
    if not match:
        raise ValueError(text)
    return int(match.group(1)), int(match.group(2) or 0)


def has_itl_recovery(version: Version) -> bool:
    """10.0(1)+ creates the ITLRecovery key and lists it in every ITL (section 2, F1/F2)."""
    return version >= (10, 0)


def single_itl_recovery(version: Version) -> bool:
    """12.5+: one ITLRecovery certificate per cluster, made on the publisher and distributed to
    the subscribers; before, one per node with only the publisher's used (T8, TechNote
    214231)."""
    return version >= (12, 5)


def itl_recovery_years(version: Version) -> int:
    """Validity of a new (fresh or regenerated) ITLRecovery certificate: 20 years from 12.5,
    5 before; an upgrade keeps the old certificate (T8, Security Guide 12.5(1) "Certificate
    Management Changes for ITLRecovery Certificate")."""
    return 20 if version >= (12, 5) else 5


def ctl_lists_itl_recovery(version: Version) -> bool:
    """The tokenless CTL holds an ITLRecovery record from 11.0: the 10.5(1) CTL of TechNote
    118893 has none, the Security Guide 11.5(1) lists one (T7; the 11.0 boundary is I7a)."""
    return version >= (11, 0)


def itl_signed_by_recovery(version: Version) -> bool:
    """12.0+ signs the normal ITL with the ITLRecovery key; earlier with CallManager (K4, K5)."""
    return version >= (12, 0)


def has_phone_interaction_parameter(version: Version) -> bool:
    """14+ has "Phone Interaction on Certificate Update" (A1b, K8)."""
    return version >= (14, 0)


def has_ctl_reset_localkey(version: Version) -> bool:
    """``utils ctl reset localkey`` exists from 12.0 (A12, CLI Reference 12.5(1))."""
    return version >= (12, 0)


def rollback_resets_phones(version: Version) -> bool:
    """10.5+ resets phones by itself when the rollback parameter is set (A9, K1)."""
    return version >= (10, 5)


# 12.8(1), 9.4(2)SR3, 14.1; load names: sip78xx.14-2-1-0001-14, SCCP45.9-4-2SR4-3S,
# P0S3-08-12-00, and the 7940/7960 SCCP form P00308010200 (P00 + protocol + major, minor, maint.)
_FIRMWARE_FORMS = (re.compile(r"^(\d+)\.(\d+)(?:\((\d+)\))?(?:\S*)$"),
                   re.compile(r"[.-](\d{1,2})-(\d{1,2})-(\d{1,2})"),
                   re.compile(r"^P00\d(\d{2})(\d{2})(\d{2})"))


def parse_firmware(text: str) -> Firmware:
    """A phone's firmware, written as Cisco writes versions (``"9.4(2)SR3"`` -> ``(9, 4, 2)``)
    or as a Phone Load Name (``"sip88xx.14-2-1-0001-14"`` -> ``(14, 2, 1)``, I43); ValueError
    if it shows no version."""
    text = text.strip()
    for form in _FIRMWARE_FORMS:
        match = form.search(text)
        if match:
            return int(match[1]), int(match[2]), int(match[3] or 0)
    raise ValueError(text)


def sends_devicetlinfo(firmware: Firmware) -> bool:
    """Does phone firmware ``firmware`` send the DeviceTLInfo alarm at registration? (O2: 9.4(1)
    and later, seed)."""
    return firmware >= DEVICETLINFO_FIRMWARE
