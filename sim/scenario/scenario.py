"""Scenario files, the input of ``itlsim run``: schema, validation, overrides and identity.

A scenario is a TOML file with the sections ``[simulation]``, ``[cluster]`` (the schema of
``sim.scenario.clusterfile``), ``[tftp]``, ``[tvs]``, ``[phone_boot]``, ``[[phones]]``
(populations), ``[[events]]`` (``sim.scenario.events.ACTIONS``), ``[[sftp]]``, ``[recovery]`` and
``[assumptions]`` (``sim.scenario.assumptions.ASSUMPTIONS``).
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
from sim.scenario.distributions import Distribution, distribution
from sim.scenario.durations import DAY, duration, human_duration, positive
from sim.scenario.events import build_events, parse_event
from sim.scenario.inventory import INVENTORY, Inventory, fill_counts, load_inventory
from sim.scenario.names import folder_name
from sim.scenario.overrides import apply_overrides, set_key
from sim.scenario.populations import POPULATION, Population, population_from
from sim.scenario.schema import ArrayOf, Table, Value, at_least, suggest, validate
from sim.scenario.tomlsource import KeyPath, TomlSource

RECOVERY_METHODS = ("remote", "menu", "factory")


def _hours(hours: list) -> str | None:
    ok = (len(hours) == 2 and all(isinstance(h, int) and not isinstance(h, bool) for h in hours)
          and 0 <= hours[0] < hours[1] <= 24)
    if ok:
        return None
    return (f"expected [start_hour, end_hour] with 0 <= start < end <= 24, e.g. [8, 17]; "
            f"got {hours!r}")


def _methods(methods: list) -> str | None:
    bad = [m for m in methods if m not in RECOVERY_METHODS]
    if bad:
        return (f"unknown method {bad[0]!r}{suggest(str(bad[0]), list(RECOVERY_METHODS))} "
                f"(valid: {', '.join(RECOVERY_METHODS)})")
    if not methods or len(set(methods)) != len(methods):
        return "expected a non-empty list without repeats"
    return None


def _uniform(low: str, high: str) -> dict[str, str]:
    return {"dist": "uniform", "low": low, "high": high}


def _datetime(_source: TomlSource, value: Any, _at: KeyPath) -> dt.datetime:
    """A TOML date-time as is; ISO text (a resolved scenario in JSON) parsed."""
    if not isinstance(value, str):
        return value
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a date-time; expected e.g. 2025-03-07T20:00:00 "
                         f"(TOML, no quotes)") from None


SIMULATION = Table({
    "name": Value(str, None, check=folder_name, help="run name, the results folder's name "
                  "(default: the file's stem)"),
    "description": Value(str, "", help="free text (default empty)"),
    "duration": duration(help="simulated time (required), e.g. '2h', '3d'", check=positive),
    "seed": Value(int, 1, check=at_least(0), help="random seed of the run (default 1)"),
    "resolution": duration("1min", check=positive, help="time-series step (default 1min)"),
    "start": Value((dt.datetime, str), None, convert=_datetime,
                   expect="a date-time, e.g. 2025-03-07T20:00:00",
                   help="the wall-clock date and time of t = 0: plots show clock time and "
                        "working_hours/working_days follow its weekday (default: none; t = 0 "
                        "is then a Monday 00:00, I18)"),
})
TFTP = Table({
    "max_serving_count": Value(
        int, 500, check=at_least(1),
        help="concurrent transfers per TFTP node (default 500: co-resident with CallManager; "
             "1500-3500 on dedicated TFTP nodes, trust-model 9)"),
    "ctl_transfer": distribution(_uniform("0.2s", "0.4s"), help="CTL download in mixed mode "
                                 "(default uniform 0.2-0.4 s)"),
    "itl_transfer": distribution(_uniform("0.3s", "0.7s"), help="ITL download (default uniform "
                                 "0.3-0.7 s: ITL ~0.7 s after the CTL request, trust-model 4)"),
    "config_transfer": distribution(
        _uniform("2.5s", "3.7s"), help="signed config download and check (default uniform "
                                       "2.5-3.7 s: config at ~3.8 s, trust-model 4)"),
    "file_not_found": distribution("0.2s", help="CTL request answered 'file not found' in a "
                                   "non-mixed cluster (default 0.2s, trust-model 4)"),
    "restart": distribution("30s", help="TFTP service restart; the ITL is rebuilt then "
                            "(default 30s, T4)"),
    "serving_count": Table({}, required=False, extra=Value(int, check=at_least(1)),
                           help="per-node Maximum Serving Count overriding max_serving_count, "
                                "e.g. { cucm-tftp1 = 1500 } for a dedicated TFTP node"),
}, required=False)
TVS = Table({
    "cache_hours": Value(float, 24.0, check=lambda h: None if h > 0 else "must be > 0",
                         help="how long a phone caches a verified certificate (default 24, P5)"),
}, required=False, moved={"capacity": "assumptions.tvs_capacity",
                          "latency": "assumptions.tvs_latency"})
PHONE_BOOT = Table({
    "hardware": distribution(
        _uniform("30s", "90s"), help="power-on to DHCP done (default uniform 30-90 s); no Cisco "
        "figure exists: a parameter, not a constant (trust-model 4)"),
    "register": distribution(_uniform("3.5s", "4.5s"), help="config to REGISTER (default "
                             "uniform 3.5-4.5 s: REGISTER at ~7.9 s, trust-model 4)"),
    "retry": distribution("30s", help="wait before retrying an unreachable TFTP server "
                          "(default 30s)"),
}, required=False)
SFTP = Table({
    "host": Value(str, help="host name, referred to by events (required)"),
    "user": Value(str, help="required"),
    "password": Value(str, help="required"),
    "reachable": Value(bool, True, help="reachable at t=0 (default true)"),
    "has_p12_backup": Value(bool, False, help="an ITLRecovery.p12 saved earlier with the current "
                            "security password is at path (default false, A7, A10)"),
    "path": Value(str, "/ITLRecovery.p12", help="default /ITLRecovery.p12"),
})
RECOVERY = Table({
    "technicians": Value(int, 0, check=at_least(0), help="people recovering locked phones "
                         "(default 0: no manual recovery)"),
    "start": duration(None, help="when recovery starts (default: never, unless a "
                      "start_recovery event)"),
    "visit": distribution(_uniform("10min", "20min"), help="walk to a phone and fix it "
                          "(default uniform 10-20 min, section 7)"),
    "remote": distribution("20s", help="reset through the web interface (default 20s)"),
    "working_hours": Value(list, None, check=_hours, help="[start_hour, end_hour] "
                           "technicians work, e.g. [8, 17] (default: around the clock)"),
    "working_days": Value(int, 7, choices=(5, 6, 7), help="days a week technicians work "
                          "(default 7; 5 = Monday to Friday, 6 = to Saturday, by the weekday "
                          "of simulation.start, else t = 0 is a Monday 00:00, I18)"),
    "methods": Value(list, list(RECOVERY_METHODS), check=_methods, help=(
        "in preference order (default remote, menu, factory): remote needs web_access, menu "
        "needs settings_access, factory always works (section 7)")),
    "factory_reprovision": distribution("10min", help="extra time of a factory reset "
                                        "(default 10min)"),
}, required=False)
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
class TftpSpec:
    max_serving_count: int
    ctl_transfer: Distribution
    itl_transfer: Distribution
    config_transfer: Distribution
    file_not_found: Distribution
    restart: Distribution
    serving_count: Mapping[str, int]

    def serving_count_of(self, node: str) -> int:
        """The node's Maximum Serving Count (trust-model 9)."""
        return self.serving_count.get(node, self.max_serving_count)


@dataclass(frozen=True)
class TvsSpec:
    cache_hours: float


@dataclass(frozen=True)
class PhoneBootSpec:
    hardware: Distribution
    register: Distribution
    retry: Distribution


@dataclass(frozen=True)
class RecoverySpec:
    technicians: int
    start: float | None
    visit: Distribution
    remote: Distribution
    working_hours: tuple[int, int] | None
    working_days: int
    methods: tuple[str, ...]
    factory_reprovision: Distribution


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
    clusters = describe_clusters(scenario.clusters or (scenario.cluster,))
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
    clusters = [_resolved_cluster(spec) for spec in scenario.clusters or (scenario.cluster,)]
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
        "assumptions": _plain(recorded(scenario.assumptions, several)),
        **({"inventory": {"sha256": scenario.inventory.sha256,
                          "devices": scenario.inventory.devices}} if scenario.inventory else {}),
    }


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
    text = json.dumps(resolved_dict(scenario), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


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
