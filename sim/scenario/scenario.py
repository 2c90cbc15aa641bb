"""Scenario files, the input of ``itlsim run``: schema, validation, overrides and identity.

A scenario is a TOML file with the sections ``[simulation]``, ``[cluster]`` (the schema of
``sim.scenario.clusterfile``) or ``[[clusters]]`` (``sim.scenario.clusters``), ``[tftp]``,
``[tvs]``, ``[phone_boot]``, ``[[sftp]]`` and ``[recovery]`` (``sim.scenario.sections``),
``[[phones]]`` (populations), ``[[events]]`` (``sim.scenario.events.ACTIONS``), ``[assumptions]``
(``sim.scenario.assumptions.ASSUMPTIONS``) and ``[inventory]`` (``sim.scenario.inventory``).
Every key, its type and its default is declared once in ``SCENARIO_SCHEMA`` (help strings give
defaults and the trust-model rules behind them); times are durations (``sim.scenario.durations``)
and random times are distributions (``sim.scenario.distributions``). An invalid file raises
``ConfigError`` naming file, line and key; it never yields a ``Scenario``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from sim.cluster.spec import ClusterSpec
from sim.scenario.actions import Event, EventContext, SftpServer
from sim.scenario.assumptions import ASSUMPTIONS_SCHEMA, recorded
from sim.scenario.clusterfile import CLUSTER_SCHEMA
from sim.scenario.clusters import clusters_from, describe_clusters, scenario_schema
from sim.scenario.distributions import Distribution
from sim.scenario.durations import DAY, human_duration
from sim.scenario.events import build_events, parse_event
from sim.scenario.inventory import INVENTORY, Inventory, fill_counts, load_inventory
from sim.scenario.names import folder_name
from sim.scenario.overrides import apply_overrides, set_key
from sim.scenario.populations import POPULATION, Population, population_from
from sim.scenario.schema import ArrayOf, Table, Value, suggest, validate
from sim.scenario.sections import (
    PHONE_BOOT,
    RECOVERY,
    SFTP,
    SIMULATION,
    TFTP,
    TVS,
    PhoneBootSpec,
    RecoverySpec,
    TftpSpec,
    TvsSpec,
)
from sim.scenario.tomlsource import KeyPath, TomlSource

SCENARIO_SCHEMA = Table({
    "simulation": SIMULATION,
    "cluster": CLUSTER_SCHEMA,
    "tftp": TFTP,
    "tvs": TVS,
    "phone_boot": PHONE_BOOT,
    "phones": ArrayOf(POPULATION, min_items=1),
    "events": ArrayOf(Table({}, extra=Value(object),
                            help="arguments: sim.scenario.events.ACTIONS")),
    "sftp": ArrayOf(SFTP),
    "recovery": RECOVERY,
    "assumptions": ASSUMPTIONS_SCHEMA,
    "inventory": INVENTORY,
})


@dataclass(frozen=True)
class Scenario:
    """A validated scenario; ``events`` are sorted by time, file order breaking ties."""

    name: str
    path: str
    description: str
    duration: float
    seed: int
    resolution: float
    cluster: ClusterSpec
    """The only cluster, or the first of ``[[clusters]]``."""
    tftp: TftpSpec
    tvs: TvsSpec
    phone_boot: PhoneBootSpec
    populations: tuple[Population, ...]
    events: tuple[Event, ...]
    sftp: tuple[SftpServer, ...]
    recovery: RecoverySpec
    assumptions: Mapping[str, Any]
    """``[assumptions]`` with every default filled (``sim.scenario.assumptions.ASSUMPTIONS``)."""
    start: dt.datetime | None = None
    warnings: tuple[str, ...] = ()
    """Events CUCM will refuse (``sim.scenario.events``): valid, but worth a look."""
    inventory: Inventory | None = None
    """Real device names by population (``[inventory]``, ``sim.scenario.inventory``)."""
    clusters: tuple[ClusterSpec, ...] = ()
    """Every cluster in file order (``sim.scenario.clusters``); ``(cluster,)`` for one."""

    @property
    def several_clusters(self) -> bool:
        return len(self.clusters) > 1

    @property
    def self_contained(self) -> bool:
        """Built from its data alone: it read no inventory or certificates file, whose content
        could differ at the next load (``sim.sweep.task`` reuses only such scenarios)."""
        return self.inventory is None and not any(
            node.certificates for spec in self.clusters for node in spec.nodes)

    @property
    def phone_count(self) -> int:
        return sum(p.count for p in self.populations)

    @property
    def week_offset(self) -> float:
        """Seconds from the Monday 00:00 before t = 0 to t = 0: the weekday and time of day of
        ``start``, or 0 (t = 0 is a Monday 00:00, I18)."""
        if self.start is None:
            return 0.0
        midnight = self.start.replace(hour=0, minute=0, second=0, microsecond=0)
        return self.start.weekday() * DAY + (self.start - midnight).total_seconds()


def load_scenario(path: str | Path, *, seed: int | None = None,
                  overrides: Iterable[str] = ()) -> Scenario:
    """Read, override (``dotted.key=value``; ``seed`` sets simulation.seed) and validate."""
    source = TomlSource.load(path)
    data, origins = apply_overrides(source.data, overrides)
    if seed is not None:
        set_key(data, ("simulation", "seed"), seed, f"--seed {seed}")
        origins[("simulation", "seed")] = f"--seed {seed}"
    return _build(TomlSource(source.path, data, source.lines, origins))


def scenario_from_dict(data: Mapping[str, Any], *, path: str = "<dict>",
                       overrides: Iterable[str] = ()) -> Scenario:
    """Validate scenario data built in code (e.g. a sweep's modified copy); no line numbers."""
    changed, origins = apply_overrides(dict(data), overrides)
    return _build(TomlSource(path, changed, origins=origins))


def validate_file(path: str | Path) -> str:
    """A one-line summary of a valid scenario file; raises ``ConfigError`` otherwise."""
    return describe(load_scenario(path))


def describe(scenario: Scenario) -> str:
    """One line: the cluster(s), the fleet and the timeline of ``scenario``."""
    clusters = describe_clusters(scenario.clusters)
    return (f"scenario '{scenario.name}': {clusters}, "
            f"{_count(len(scenario.populations), 'population')} / "
            f"{_count(scenario.phone_count, 'phone')}, {_count(len(scenario.events), 'event')} "
            f"over {human_duration(scenario.duration)}")


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _build(source: TomlSource) -> Scenario:
    """Validate ``source.data`` section by section, then the references between sections."""
    data = validate(source, scenario_schema(source, SCENARIO_SCHEMA))
    simulation = data["simulation"]
    clusters = clusters_from(source, data)
    cluster = clusters.first
    inventory = load_inventory(source, data["inventory"], [p["name"] for p in data["phones"]])
    fill_counts(source, data["phones"], inventory)
    populations = tuple(population_from(source, p, clusters, ("phones", i))
                        for i, p in enumerate(data["phones"]))
    _unique(source, [p.name for p in populations], ("phones",), "name")
    sftp = tuple(SftpServer(**entry) for entry in data["sftp"])
    _unique(source, [s.host for s in sftp], ("sftp",), "host")
    recovery = _recovery(source, data["recovery"], simulation["duration"])
    _known_nodes(source, data["tftp"]["serving_count"], clusters.node_names(),
                 ("tftp", "serving_count"))
    parsed = [parse_event(source, e, ("events", i)) for i, e in enumerate(data["events"])]
    context = EventContext.start(clusters, populations, {s.host: s for s in sftp})
    events = build_events(source, parsed, context, simulation["duration"])
    return Scenario(
        name=simulation["name"] or stem_name(source, ("simulation", "name")), path=source.path,
        description=simulation["description"], duration=simulation["duration"],
        seed=simulation["seed"], resolution=simulation["resolution"], cluster=cluster,
        tftp=TftpSpec(**data["tftp"]), tvs=TvsSpec(**data["tvs"]),
        phone_boot=PhoneBootSpec(**data["phone_boot"]), populations=populations,
        events=events, sftp=sftp, recovery=recovery,
        assumptions=MappingProxyType(data["assumptions"]), start=simulation["start"],
        warnings=tuple(context.warnings), inventory=inventory, clusters=clusters.specs)


def stem_name(source: TomlSource, key: KeyPath) -> str:
    """The file's stem as the default name; one that cannot name a folder asks for ``key``."""
    stem = Path(source.path).stem
    problem = folder_name(stem)
    if problem:
        raise source.error(key, f"the file name {problem}; set {'.'.join(map(str, key))}")
    return stem


def _known_nodes(source: TomlSource, table: Mapping[str, Any], names: list[str],
                 at: KeyPath) -> None:
    for name in table:
        if name not in names:
            raise source.error(at + (name,), f"no node {name!r}{suggest(name, names)} "
                                             f"(nodes: {', '.join(names)})")


def _unique(source: TomlSource, names: list[str], at: KeyPath, key: str) -> None:
    for i, name in enumerate(names):
        if name in names[:i]:
            raise source.error(at + (i, key), f"{key} {name!r} appears twice")


def _recovery(source: TomlSource, data: dict[str, Any], end: float) -> RecoverySpec:
    at = ("recovery",)
    if data["start"] is not None and data["start"] > end:
        raise source.error(at + ("start",), f"start {human_duration(data['start'])} is after "
                                            f"the end of the simulation ({human_duration(end)})")
    hours = data["working_hours"]
    return RecoverySpec(**{**data, "methods": tuple(data["methods"]),
                           "working_hours": tuple(hours) if hours else None})


def resolved_dict(scenario: Scenario) -> dict[str, Any]:
    """The scenario in file layout with every default filled, as plain JSON-able data.

    Times are seconds, distributions inline tables, events in file order, bytes (imported
    certificates) hex; ``None`` values ("never", "not used") are left out and ``path`` is not
    part of it (it is not identity): the inventory counts by its SHA-256 and size, imported
    certificates by their content (``imported_certificates``, which a scenario file does not
    read back: it names the certificates file).
    """
    several = scenario.several_clusters
    clusters = [_resolved_cluster(spec) for spec in scenario.clusters]
    return {
        "simulation": _plain({"name": scenario.name, "description": scenario.description,
                              "duration": scenario.duration, "seed": scenario.seed,
                              "resolution": scenario.resolution, "start": scenario.start}),
        **({"clusters": clusters} if several else {"cluster": clusters[0]}),
        "tftp": _plain(scenario.tftp), "tvs": _plain(scenario.tvs),
        "phone_boot": _plain(scenario.phone_boot),
        "phones": [_one_cluster(_plain(p), several) for p in scenario.populations],
        "events": [_plain({"at": e.at, "action": e.action, **e.args, "note": e.note,
                           "cluster": (e.cluster or None) if several else None})
                   for e in sorted(scenario.events, key=lambda e: e.index)],
        "sftp": _plain(scenario.sftp),
        "recovery": _plain(scenario.recovery),
        "assumptions": resolved_assumptions(scenario),
        **({"inventory": {"sha256": scenario.inventory.sha256,
                          "devices": scenario.inventory.devices}} if scenario.inventory else {}),
    }


def resolved_assumptions(scenario: Scenario) -> dict[str, Any]:
    """``resolved_dict(scenario)["assumptions"]`` without resolving the rest (the summary
    records them on every run)."""
    return _plain(recorded(scenario.assumptions, scenario.several_clusters))


def _resolved_cluster(spec: ClusterSpec) -> dict[str, Any]:
    """One cluster in file layout; imported certificates by content (``resolved_dict``)."""
    cluster = _plain(spec)
    cluster["version"] = "{}.{}".format(*spec.version)
    imported = {node["name"]: node.pop("certificates") for node in cluster["nodes"]}
    if any(imported.values()):  # by content: the file's name is not identity, its bytes are
        cluster["imported_certificates"] = {n: c for n, c in imported.items() if c}
    return cluster


def _one_cluster(population: dict[str, Any], several: bool) -> dict[str, Any]:
    """A population as a one-cluster scenario resolves it: without ``cluster``, so a scenario
    keeps the identity (``scenario_hash``) it had before ``[[clusters]]`` existed."""
    if not several:
        population.pop("cluster", None)
    return population


def scenario_hash(scenario: Scenario) -> str:
    """SHA-256 of the canonical JSON of ``resolved_dict``: equal for equal scenarios."""
    return resolved_hash(resolved_dict(scenario))


def resolved_hash(resolved: Mapping[str, Any]) -> str:
    """``scenario_hash`` of a scenario whose ``resolved_dict`` is ``resolved``."""
    text = json.dumps(resolved, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def reseeded(resolved: Mapping[str, Any], seed: int) -> dict[str, Any]:
    """``resolved_dict`` of the same scenario with ``seed`` (the replications of a sweep point
    resolve it once)."""
    return {**resolved, "simulation": {**resolved["simulation"], "seed": seed}}


def _plain(value: Any) -> Any:
    """Dataclasses, mappings, sets and tuples as dicts and lists; ``None`` entries dropped."""
    if isinstance(value, Distribution):
        return value.to_dict()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, frozenset | set):
        return sorted(_plain(v) for v in value)
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return value
