"""A scenario's phone inventory: real device names by population (``[inventory] file``).

``itlsim import`` writes the phones of a real cluster into a CSV file beside the scenario, one
row per device, so 40,000 named phones do not bloat the TOML; the ``[[phones]]`` entries stay
the populations (groups of phones that behave alike), and each row names the population its
device belongs to. The simulation gives a population's phones the row's device names in file
order, so the event log, ``devicetlinfo.csv`` and the report name the real devices.

Only ``device_name`` and ``population`` are read here; the other columns (device pool, model,
load, description, ...) are for people and for ``itlsim report``'s work list. A ``[[phones]]``
entry without ``count`` takes its count from the rows naming it; with ``count`` the two must
agree. Populations without rows keep invented names (``SEP001122000000`` ...).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.errors import ConfigError
from sim.scenario.schema import Table, Value, suggest
from sim.scenario.tomlsource import TomlSource
from sim.trust.files import FileProblem, read_regular

COLUMNS = ("device_name", "population")
MAX_INVENTORY_BYTES = 256 * 1024 * 1024
DEVICE_NAME = re.compile(r"[A-Za-z0-9._-]{1,50}")
"""CUCM's device name syntax: up to 50 of A-Z a-z 0-9 . _ - (SEP + MAC for a phone)."""
INVENTORY = Table({
    "file": Value(str, None, help="CSV of the phones by device name and population, relative "
                                  "to this file (itlsim import writes it; default: none, "
                                  "phones get invented names)"),
}, required=False)


@dataclass(frozen=True)
class Inventory:
    """The inventory file: its SHA-256 (part of the scenario's identity) and the device names
    of each population in file order."""

    path: str
    sha256: str
    names: Mapping[str, tuple[str, ...]]
    size: int = 0
    """Bytes of the file (a run folder keeps a copy)."""

    @property
    def devices(self) -> int:
        return sum(len(names) for names in self.names.values())


def load_inventory(source: TomlSource, data: dict[str, Any], populations: list[str]
                   ) -> Inventory | None:
    """The inventory ``[inventory] file`` names (``None`` without one), every row checked:
    known population (did-you-mean), valid and unique device names."""
    if data["file"] is None:
        return None
    path = str(Path(source.path).parent / data["file"])
    raw = _read(source, path)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ConfigError(f"not UTF-8 text (byte {err.start})", path=path) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or ())]
    if missing:
        raise ConfigError(f"no column {missing[0]!r}; an inventory needs the columns "
                          f"{', '.join(COLUMNS)} (found: {', '.join(reader.fieldnames or ())})",
                          path=path, line=1)
    names: dict[str, list[str]] = {}
    seen: dict[str, int] = {}
    line = reader.line_num + 1  # where the next row starts (quoted line breaks counted)
    for row in reader:
        name, population = row["device_name"] or "", row["population"] or ""
        _check_row(path, line, name, population, populations, seen)
        names.setdefault(population, []).append(name)
        line = reader.line_num + 1
    return Inventory(path, hashlib.sha256(raw).hexdigest(),
                     {pop: tuple(found) for pop, found in names.items()}, len(raw))


def _read(source: TomlSource, path: str) -> bytes:
    """The inventory's bytes: a regular file of at most ``MAX_INVENTORY_BYTES`` (a FIFO or
    ``/dev/zero`` is refused before it is read, ``sim.trust.files``)."""
    try:
        return read_regular(path, MAX_INVENTORY_BYTES)
    except FileProblem as problem:
        why = (" (a row per phone: 80,000 phones, a megacluster's most, take a few megabytes)"
               if problem.too_large else "")
        raise source.error(("inventory", "file"), f"cannot read {path}: {problem}{why}; "
                                                  "expected a CSV file") from None


def _check_row(path: str, line: int, name: str, population: str, populations: list[str],
               seen: dict[str, int]) -> None:
    if not DEVICE_NAME.fullmatch(name):
        raise ConfigError(f"{name!r} is not a device name (up to 50 of A-Z a-z 0-9 . _ -)",
                          path=path, line=line, key="device_name")
    if name.upper() in seen:
        raise ConfigError(f"{name} appears again (first on line {seen[name.upper()]})",
                          path=path, line=line, key="device_name")
    seen[name.upper()] = line
    if population not in populations:
        raise ConfigError(f"no [[phones]] entry named {population!r}"
                          f"{suggest(population, populations)} (populations: "
                          f"{', '.join(populations)})", path=path, line=line, key="population")


def fill_counts(source: TomlSource, phones: list[dict[str, Any]],
                inventory: Inventory | None) -> None:
    """Set each ``[[phones]]`` entry's missing ``count`` from the inventory; a given count must
    equal the population's rows."""
    for index, entry in enumerate(phones):
        rows = len(inventory.names.get(entry["name"], ())) if inventory else 0
        at = ("phones", index, "count")
        if entry["count"] is None:
            if not rows:
                why = (f"the inventory {inventory.path} lists no devices of {entry['name']!r}"
                       if inventory else "without an [inventory] a population needs one")
                raise source.error(at[:-1], f"missing required key 'count' ({why})")
            entry["count"] = rows
        elif rows and entry["count"] != rows:
            assert inventory is not None
            raise source.error(at, f"count {entry['count']:,} but the inventory "
                                   f"{inventory.path} lists {rows:,} devices of "
                                   f"{entry['name']!r}; remove count to take the inventory's")
