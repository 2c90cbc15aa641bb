"""Limits on names and text in input files, and why each limit is what it is.

Names travel: a population name is written into every event-log line and DeviceTLInfo row, a
node name into certificates and ITL records, a scenario or sweep name becomes a folder. A
200,000-character population name once made a 3.2 GB event log, and ``name = "../../x"``
put a sweep's results outside the results folder. Each check here is a schema ``Check``
(``sim.scenario.schema``): it returns ``None`` or one line saying what is wrong and what is valid.

- Population names: at most ``POPULATION_NAME_MAX`` = 50 characters, CUCM's limit for the
  common object names a population stands for (device pools; Cisco DevNet, Unified CCX
  configuration API, data type ``CCMCommonObjectName``: 1 to 50 characters).
- Node host names: a DNS label, at most 63 characters of letters, digits and hyphens, not
  starting or ending with a hyphen (RFC 1123, section 2.1; RFC 1035, section 2.3.4); domains:
  such labels joined by dots, at most 253 characters.
- Scenario and sweep names: one folder name (no ``/``, ``\\``, control characters, no leading
  dot, not ``..``), at most ``FOLDER_NAME_MAX`` = 100 characters, so that the run folder and its
  hidden staging sibling stay far below the 255-byte file-name limit of common file systems.
- Any other text (descriptions, notes, passwords, paths): at most ``TEXT_MAX`` characters
  (``sim.scenario.schema`` applies it to every string value).
"""

from __future__ import annotations

import re

POPULATION_NAME_MAX = 50
HOST_NAME_MAX = 63
DOMAIN_MAX = 253
FOLDER_NAME_MAX = 100
TEXT_MAX = 2000
_LABEL = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def too_long(text: str, limit: int, why: str) -> str | None:
    """``None``, or ``"200,000 characters; at most 50 (why)"``."""
    if len(text) <= limit:
        return None
    return f"{len(text):,} characters; at most {limit:,} ({why})"


def population_name(name: str) -> str | None:
    """A population name: 1-50 characters (CUCM's device pool name limit), no control
    characters (they would break a CSV row or a log line)."""
    if not name.strip():
        return "must not be empty"
    if _CONTROL.search(name):
        return f"{name!r} holds a control character; use printable text"
    return too_long(name, POPULATION_NAME_MAX, "a CUCM device pool name holds at most 50")


def host_name(name: str) -> str | None:
    """A node's host name: one DNS label (RFC 1123)."""
    return _dns(name, [name], HOST_NAME_MAX, "a DNS label holds at most 63, RFC 1035",
                "a host name: letters, digits and hyphens, not starting or ending with a "
                "hyphen (RFC 1123), e.g. 'cucm-pub1'")


def domain_name(name: str) -> str | None:
    """A DNS domain: labels joined by dots, at most 253 characters."""
    return _dns(name, name.split("."), DOMAIN_MAX, "a DNS name holds at most 253, RFC 1035",
                "a domain name: labels of letters, digits and hyphens joined by dots, e.g. "
                "'example.org'")


def _dns(name: str, labels: list[str], limit: int, why: str, valid: str) -> str | None:
    problem = too_long(name, limit, why)
    if problem:
        return problem
    if all(_LABEL.match(label) and len(label) <= HOST_NAME_MAX for label in labels):
        return None
    return f"{name!r} is not {valid}"


def folder_name(name: str) -> str | None:
    """A name that becomes one folder under the results folder and cannot leave it."""
    problem = too_long(name, FOLDER_NAME_MAX, "it names a results folder")
    if problem:
        return problem
    if not name or name in (".", "..") or name.startswith(".") or "/" in name \
            or "\\" in name or _CONTROL.search(name):
        return (f"{name!r} cannot name a results folder: one folder name without '/', '\\', "
                f"control characters or a leading '.', e.g. 'hostname-change'")
    return None
