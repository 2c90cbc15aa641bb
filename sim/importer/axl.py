"""An AXL ``listPhone`` dump (JSON) read into ``InventoryPhone``s.

``listPhone`` (AXL schema, ``ListPhoneReq`` / ``LPhone``) returns per device ``name``,
``description``, ``product``, ``model``, ``protocol``, ``devicePoolName``, ``loadInformation``,
``securityProfileName``, ``ownerUserName`` and more, but no lines (those come from ``getPhone``).
A dump is what a script writes with ``json.dump``: zeep's ``serialize_object`` turns a reference
into ``{"_value_1": "DP_HQ", "uuid": "{...}"}``, an empty one into ``{"_value_1": null, ...}``
and ``loadInformation`` into ``{"_value_1": "<load>", "special": "false"}``; a tag not asked for
is ``null``; helper libraries may flatten references to plain strings. All of these are read.

Accepted top levels: the list of phones (``[{...}, ...]``), ``{"phone": [...]}`` (the
``return`` element) or ``{"return": {"phone": [...]}}`` (the whole response). Errors name the
file and the key path (``dump.json [56.devicePoolName]``), 0-based like the scenario files'.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sim.errors import ArtefactError
from sim.importer.devices import DeviceRules
from sim.importer.inventory import InventoryPhone, check_unique, make_phone
from sim.importer.source import decode_text, read_artefact

EXPECTED = 'an AXL listPhone dump: a JSON list of phones, [{"name": "SEP...", ...}, ...]'
# InventoryPhone field -> LPhone element(s), first found wins.
KEYS: dict[str, tuple[str, ...]] = {
    "name": ("name",),
    "description": ("description",),
    "device_pool": ("devicePoolName",),
    "model": ("product", "model"),
    "load": ("loadInformation",),
    "security_profile": ("securityProfileName",),
    "protocol": ("protocol",),
    "owner": ("ownerUserName",),
}


def read_listphone(path: str | Path, rules: DeviceRules | None = None
                   ) -> tuple[InventoryPhone, ...]:
    """Every device of a ``listPhone`` dump, in file order."""
    name = str(path)
    entries = _phones(_load(name), name)
    rules = rules or DeviceRules()
    phones = tuple(_phone(entry, index, name, rules) for index, entry in enumerate(entries))
    index = {phone: i for i, phone in enumerate(phones)}
    check_unique(phones, lambda phone, message: ArtefactError(
        message, path=name, key=f"{index[phone]}.name"))
    return phones


def _load(name: str) -> Any:
    text = decode_text(read_artefact(name, EXPECTED), name, EXPECTED)
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise ArtefactError(f"not JSON: {err.msg} (column {err.colno}); expected {EXPECTED}",
                            path=name, line=err.lineno) from None


def _phones(data: Any, name: str) -> list[Any]:
    """The list of phones inside any of the accepted top levels."""
    if isinstance(data, dict) and isinstance(data.get("return"), dict):
        data = data["return"]
    if isinstance(data, dict) and "phone" in data:
        data = data["phone"]
    if not isinstance(data, list):
        got = (f"an object with keys {', '.join(sorted(data)[:6])}" if isinstance(data, dict)
               else type(data).__name__)
        raise ArtefactError(f"expected a list of phones, got {got}; expected {EXPECTED}",
                            path=name)
    if not data:
        raise ArtefactError(f"the list of phones is empty; expected {EXPECTED}", path=name)
    return data


def _phone(entry: Any, index: int, name: str, rules: DeviceRules) -> InventoryPhone:
    def at(key: str, message: str) -> ArtefactError:
        return ArtefactError(message, path=name, key=f"{index}.{key}")

    if not isinstance(entry, dict):
        raise ArtefactError(f"expected a phone object, got {type(entry).__name__}", path=name,
                            key=str(index))
    values = {field: _value(entry, keys, at) for field, keys in KEYS.items()}
    values["directory_number"] = ""  # listPhone returns no lines
    return make_phone(values, source=f"{name} [{index}]", rules=rules,
                      error=lambda field, message: at(KEYS[field][0], message))


def _value(entry: dict[str, Any], keys: tuple[str, ...],
           at: Callable[[str, str], ArtefactError]) -> str:
    """A string, or a zeep reference's ``_value_1``; ``None`` and empty references are ""."""
    for key in keys:
        value = entry.get(key)
        if isinstance(value, dict):
            if "_value_1" not in value:
                raise at(key, f'expected a string or a reference {{"_value_1": ..., "uuid": '
                              f"...}}, got keys {', '.join(sorted(value))}")
            value = value["_value_1"]
        if isinstance(value, bool) or not isinstance(value, str | int | type(None)):
            raise at(key, f"expected a string, got {json.dumps(value)[:40]}")
        if value not in (None, ""):
            return str(value).strip()
    return ""
