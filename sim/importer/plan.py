"""The plan an import adds to a scenario: the change to simulate (``itlsim import --plan``).

The artefacts describe the cluster and the fleet as they are; what the administrator will do
(rename the publisher, renew certificates, reset the phones) is the plan: a small TOML file
with the scenario sections that are not imported (``PLAN_SECTIONS``: ``[simulation]``,
``[[events]]``, ``[recovery]``, ``[assumptions]``, ...). The import copies it into the scenario
verbatim, comments included, so the scenario reads as the user wrote the plan; only ``[simulation]``
gets the imported name when the plan gives none. ``lines`` keeps, per copied line, the plan's
line, so an error the scenario check finds in the plan names the plan's own line.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from sim.errors import ArtefactError, ConfigError
from sim.importer.source import read_artefact
from sim.scenario.tomlsource import MAX_TOML_BYTES, TomlSource

PLAN_SECTIONS = ("simulation", "tftp", "tvs", "phone_boot", "events", "sftp", "recovery",
                 "assumptions")
IMPORTED = ("cluster", "phones", "inventory")
_HEADER = re.compile(r"^\s*\[\[?\s*([A-Za-z0-9_\-]+)")


@dataclass(frozen=True)
class Plan:
    """A plan file split for the scenario: the ``[simulation]`` section's lines and the rest,
    each line with its line number in the plan."""

    path: str
    name: str
    sha256: str
    simulation: tuple[tuple[int, str], ...]
    rest: tuple[tuple[int, str], ...]
    keys: frozenset[str]
    """The keys the plan's ``[simulation]`` sets."""


def read_plan(path: str | Path) -> Plan:
    """Read and check a plan: TOML, only ``PLAN_SECTIONS`` at the top level (one line each
    for anything else)."""
    name = str(path)
    raw = read_artefact(name, "a plan: a TOML file of scenario sections", limit=MAX_TOML_BYTES,
                        why="(a plan is a few kilobytes of TOML)")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ArtefactError(f"not UTF-8 text (byte {err.start})", path=name) from None
    try:
        source = TomlSource.parse(text, name)
    except ConfigError as err:
        raise ArtefactError(err.reason, path=name, line=err.line) from None
    for key in source.data:
        if key not in PLAN_SECTIONS:
            why = ("it is imported from the artefacts" if key in IMPORTED
                   else f"a plan holds {', '.join(PLAN_SECTIONS)}")
            raise ArtefactError(f"[{key}] cannot be in a plan: {why}", path=name,
                                line=source.line_of((key,)), key=key)
    simulation, rest = _split(text.splitlines())
    return Plan(name, Path(name).name, hashlib.sha256(raw).hexdigest(), simulation, rest,
                frozenset(source.data.get("simulation", {})))


def _split(lines: list[str]) -> tuple[tuple[tuple[int, str], ...], tuple[tuple[int, str], ...]]:
    """The ``[simulation]`` section (from its header to the next header) and the other lines,
    numbered from 1; blank lines at their ends dropped."""
    simulation: list[tuple[int, str]] = []
    rest: list[tuple[int, str]] = []
    current = rest
    for number, line in enumerate(lines, 1):
        header = _HEADER.match(line)
        if header:
            current = simulation if header.group(1) == "simulation" else rest
        current.append((number, line.rstrip()))
    for part in (simulation, rest):
        while part and not part[-1][1]:
            part.pop()
    while rest and not rest[0][1]:
        rest.pop(0)
    return tuple(simulation), tuple(rest)
