"""Which devices take part in ITL trust and which report DeviceTLInfo: the one table, with sources.

Device names, as CUCM names device records:

- ``SEP`` + 12 hex digits (the MAC address): a hardware phone (IP Communicator takes the PC's
  MAC the same way).
- ``CSF``, ``BOT``, ``TCT``, ``TAB`` + up to 12 characters: Cisco Jabber for desktop, Android,
  iPhone and tablet.
- Anything else in CUCM's name syntax (CTI ports, ATA ports, third-party devices, ...):
  kept and classified ``other``; they do not boot from TFTP with an ITL.

ITL support (Security by Default; trust-model P8) follows ``MODEL_RULES``, first match by the
device type as CUCM writes it ("Cisco 7960"). The authoritative list for a cluster is its own
Cisco Unified Reporting > "Unified CM Phone Feature List", product "Security By Default" (TN
118893); a user overrides a model in the device-pool map (``[itl_support]``), so every rule here
is an assumption a user can see and change.

DeviceTLInfo: phones on firmware 9.4(1) or later report the SHA-1 of their ITL when they
register (seed, TN 117598 "ITL Enhancements in Version 10.0(1)"; trust-model O2). The firmware
comes from the Phone Load Name (``firmware_of``) or, when that is blank (the phone uses the
model's device default), from the device defaults the device-pool map lists; when neither is
known, a family whose every firmware release is newer than 9.4(1) still reports, others are
unknown (``None``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypeVar

from sim.cluster.versions import Firmware, parse_firmware, sends_devicetlinfo
from sim.scenario.inventory import DEVICE_NAME

T = TypeVar("T")


class DeviceClass(StrEnum):
    PHONE = "phone"
    JABBER_DESKTOP = "jabber-csf"
    JABBER_ANDROID = "jabber-bot"
    JABBER_IPHONE = "jabber-tct"
    JABBER_TABLET = "jabber-tab"
    OTHER = "other"


JABBER_PREFIXES: Mapping[str, DeviceClass] = {
    "CSF": DeviceClass.JABBER_DESKTOP, "BOT": DeviceClass.JABBER_ANDROID,
    "TCT": DeviceClass.JABBER_IPHONE, "TAB": DeviceClass.JABBER_TABLET,
}
JABBER_SOURCE = "TN 118893 note: Cisco Jabber does not support Security by Default (P8)"
_PHONE_NAME = re.compile(r"SEP[0-9A-F]{12}", re.IGNORECASE)
_JABBER_NAME = re.compile(r"(CSF|BOT|TCT|TAB)[A-Za-z0-9._-]{1,12}", re.IGNORECASE)


@dataclass(frozen=True)
class ModelRule:
    """Device types (a full, case-insensitive regex) and what they do with an ITL."""

    pattern: str
    itl_support: bool
    always_reports: bool  # every firmware of the family is 9.4(1) or later
    source: str


MODEL_RULES: tuple[ModelRule, ...] = (
    ModelRule(r"Cisco 79(40|60)", False, False,
              "TN 118893 note: Cisco 7940/7960 do not support Security by Default"),
    ModelRule(r"Cisco 79(05|12)", False, False,
              "I40: SCCP phones of the 7940/7960 generation without an ITL-capable firmware"),
    ModelRule(r"Cisco Unified Client Services Framework|Cisco Dual Mode for (Android|iPhone)"
              r"|Cisco Jabber for Tablet", False, False, JABBER_SOURCE),
    ModelRule(r".*(TelePresence|Webex Room|Webex Board|Webex Desk|Room Kit).*", False, False,
              "TN 118893 note: many Cisco TelePresence devices lack Security by Default (I41)"),
    ModelRule(r"Third-party .*", False, False,
              "I41: a third-party SIP device does not implement Cisco's ITL"),
    ModelRule(r"Cisco (78|88)\d\d.*", True, True,
              "Security by Default; I42: 7800/8800 firmware starts past 9.4(1)"),
    ModelRule(r"Cisco .*", True, False, "Security by Default on Cisco phones (TN 116232)"),
    ModelRule(r".*", False, False, "I41: not a Cisco phone type, no ITL"),
)

def firmware_of(load: str) -> Firmware | None:
    """The firmware version a Phone Load Name carries (I43; ``sim.cluster.versions``), or
    ``None`` if it shows none."""
    try:
        return parse_firmware(load)
    except ValueError:
        return None


def firmware_text(version: Firmware) -> str:
    """``(14, 2, 1)`` -> ``"14.2(1)"``: how scenarios and Cisco write firmware versions."""
    return f"{version[0]}.{version[1]}({version[2]})"


def device_class(name: str) -> DeviceClass | None:
    """The class a device name says, or ``None`` for a name CUCM would not accept."""
    if name[:3].upper() == "SEP":
        return DeviceClass.PHONE if _PHONE_NAME.fullmatch(name) else None
    if _JABBER_NAME.fullmatch(name):
        return JABBER_PREFIXES[name[:3].upper()]
    return DeviceClass.OTHER if DEVICE_NAME.fullmatch(name) else None


NAME_RULE = ("SEP + the 12-hex-digit MAC address for a phone, CSF/BOT/TCT/TAB + up to 12 "
             "letters or digits for Jabber, or up to 50 of A-Z a-z 0-9 . _ - for another device")


@dataclass(frozen=True)
class Classification:
    """What a device does with an ITL, and why (the rule's source)."""

    device_class: DeviceClass
    itl_support: bool
    firmware: str | None
    reports_devicetlinfo: bool | None
    reason: str


@dataclass(frozen=True)
class DeviceRules:
    """``MODEL_RULES`` plus a user's overrides: ITL support by device type and the device
    defaults (device type -> load) a blank Phone Load Name stands for."""

    itl_support: Mapping[str, bool] = field(default_factory=dict)
    device_defaults: Mapping[str, str] = field(default_factory=dict)

    def classify(self, name: str, model: str, load: str) -> Classification:
        """Classify one device; ``name`` must be valid (``device_class``), ``load`` "" means
        the model's device default."""
        kind = device_class(name)
        if kind is None:
            raise ValueError(f"invalid device name {name!r}; expected {NAME_RULE}")
        rule = next(r for r in MODEL_RULES if re.fullmatch(r.pattern, model, re.IGNORECASE))
        override = _lookup(self.itl_support, model)
        if override is not None:
            support, reason = override, "the device-pool map's [itl_support]"
        elif kind is DeviceClass.OTHER:
            support, reason = False, "I41: not a phone's device name, no ITL"
        elif kind is not DeviceClass.PHONE:
            support, reason = False, JABBER_SOURCE
        else:
            support, reason = rule.itl_support, rule.source
        version = firmware_of(load or _lookup(self.device_defaults, model) or "")
        return Classification(
            device_class=kind, itl_support=support,
            firmware=None if version is None else firmware_text(version),
            reports_devicetlinfo=_reports(support, version, rule.always_reports),
            reason=reason)


def _lookup(table: Mapping[str, T], model: str) -> T | None:
    """``table[model]`` with device types compared case-insensitively, spaces collapsed."""
    key = " ".join(model.split()).casefold()
    return next((v for k, v in table.items() if " ".join(k.split()).casefold() == key), None)


def _reports(support: bool, version: Firmware | None, always: bool) -> bool | None:
    """DeviceTLInfo: only with ITL support, from 9.4(1); unknown firmware -> the family's rule."""
    if not support:
        return False
    if version is None:
        return True if always else None
    return sends_devicetlinfo(version)
