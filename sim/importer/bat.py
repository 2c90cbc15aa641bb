"""CUCM Bulk Administration phone exports (CSV) read into ``InventoryPhone``s.

Bulk Administration > Phones > Export Phones (Bulk Administration Guide for CUCM 14 and 15,
"Phone Exports" and appendix "Text-Based CSV Files"):

- **All Details**: one row per device, Title Case columns beginning ``Device Name,Description,
  Device Pool,...`` with ``Device Type``, ``Phone Load Name``, ``Device Security Profile``,
  ``Device Protocol``, ``Owner User ID`` and per line ``Directory Number 1``, ``Directory
  Number 2``, .... Column positions change between CUCM versions, so columns are found by name.
- **Specific Details**: the columns of the chosen file format, often UPPER CASE and keyed by
  ``MAC ADDRESS`` (12 hex digits, the device name being ``SEP`` + MAC); the file format must
  include Device Pool and Device Type for an import.

Column names match case-insensitively with whitespace collapsed, with the aliases older
releases and file formats use (``Security Profile``, ``Phone Load``). Everything else about real
files (BOM, CRLF, quotes, empty and trailing columns, ';' from spreadsheets) is
``csvtable``'s. The result is all the devices or one error line: file, line, column, what is
wrong and what would be valid.
"""

from __future__ import annotations

import re
from pathlib import Path

from sim.errors import ArtefactError
from sim.importer.csvtable import Row, Table, column_key, read_table
from sim.importer.devices import DeviceRules
from sim.importer.inventory import InventoryPhone, check_unique, make_phone

EXPECTED = ("a BAT phone export ('All Details', or 'Specific Details' with a file format that "
            "includes Device Pool and Device Type)")
# InventoryPhone field -> the column names that carry it, the first being Cisco's.
COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("Device Name",),
    "description": ("Description",),
    "device_pool": ("Device Pool",),
    "model": ("Device Type", "Phone Type", "Product"),
    "load": ("Phone Load Name", "Phone Load", "Load Name"),
    "security_profile": ("Device Security Profile", "Security Profile"),
    "protocol": ("Device Protocol", "Protocol"),
    "directory_number": ("Directory Number 1", "Directory Number"),
    "owner": ("Owner User ID", "Owner User Name"),
}
MAC_COLUMN = ("MAC Address",)
REQUIRED = ("device_pool", "model")
_MAC = re.compile(r"[0-9A-Fa-f]{12}")


def read_bat_export(path: str | Path, rules: DeviceRules | None = None
                    ) -> tuple[InventoryPhone, ...]:
    """Every device of a BAT phone export, in file order (``rules``: the device-pool map's
    overrides and device defaults; the built-in table without)."""
    table = read_table(path, what=EXPECTED)
    keys = _columns(table)
    rules = rules or DeviceRules()
    phones = tuple(_phone(row, keys, table, rules) for row in table.rows)
    if not phones:
        raise ArtefactError(f"no devices below the column names; expected {EXPECTED}",
                            path=table.path, line=2)
    line = {phone: row.line for phone, row in zip(phones, table.rows, strict=True)}
    check_unique(phones, lambda phone, message: ArtefactError(
        message, path=table.path, line=line[phone], key=table.spelled(keys["name"])))
    return phones


def _columns(table: Table) -> dict[str, str | None]:
    """Field -> column key; a file keyed by MAC ADDRESS gets the name from it."""
    keys = {field: table.find(names) for field, names in COLUMNS.items()}
    if keys["name"] is None:
        keys["name"] = table.find(MAC_COLUMN)
        if keys["name"] is None:
            table.require(COLUMNS["name"] + MAC_COLUMN, EXPECTED)
    for field in REQUIRED:
        keys[field] = table.require(COLUMNS[field], EXPECTED)
    return keys


def _phone(row: Row, keys: dict[str, str | None], table: Table, rules: DeviceRules
           ) -> InventoryPhone:
    values = {field: row.get(key) if key else "" for field, key in keys.items()}
    column = table.spelled(keys["name"])
    if column is not None and column_key(column) == column_key(MAC_COLUMN[0]):
        values["name"] = _device_name(row, column, values["name"])
    return make_phone(values, source=f"{row.path}:{row.line}", rules=rules,
                      error=lambda field, message: row.error(table.spelled(keys[field]),
                                                             message))


def _device_name(row: Row, column: str, mac: str) -> str:
    """``SEP`` + the MAC of a Specific Details row."""
    if not _MAC.fullmatch(mac):
        raise row.error(column, f"{mac!r} is not a MAC address; expected 12 hex digits "
                                "(the device name is SEP + MAC)")
    return "SEP" + mac.upper()
