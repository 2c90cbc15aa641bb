"""Sweep files: a base scenario, named parameters, and how their values combine into points.

A sweep file is TOML, validated by ``sim.scenario.schema`` like scenario files, so errors read
``sweep.toml:12 [parameters.gap.values]: ...``::

    [sweep]
    base = "base/regen.toml"          # the base scenario, relative to this file
    replications = 5                  # runs per point (seeds: sim.sweep.seeds)
    root_seed = 1
    constraint = "tvs_at >= cm_at + 300"   # drops points for which it is false
    metrics = ["locked_final"]        # what `itlsim plot` shows by default
    engine = "cohort"                 # the fleet engine (sim.fleet.run.ENGINES); --engine wins

    [parameters.cm_at]                # a grid axis
    path = "events.0.at"
    values = ["30min", "1h"]
    [parameters.tvs_at]
    path = "events.1.at"
    values = ["35min", "1h", "2h"]

A parameter takes its values from ``values`` (a grid axis; parameters with the same ``zip`` name
advance together instead), from ``expr`` (computed from the other parameters, e.g.
``"cm_at + gap"``), or from every ``[[points]]`` entry (explicit points). Points are the
cartesian product of the axes (grid parameters, zip groups, then the ``[[points]]`` list), in
file order, minus those the ``constraint`` rejects. A parameter without ``path`` sets nothing
in the scenario; expressions and the constraint use it (e.g. a gap between two event times).
Expressions are ``sim.sweep.safeexpr`` expressions; durations in them are seconds.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import keyword
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.errors import ConfigError
from sim.fleet.run import DEFAULT_ENGINE, ENGINES
from sim.scenario.durations import parse_duration
from sim.scenario.names import folder_name
from sim.scenario.overrides import key_path, set_key
from sim.scenario.scenario import Scenario, load_scenario, scenario_from_dict, stem_name
from sim.scenario.schema import ArrayOf, Table, Value, at_least, suggest, validate
from sim.scenario.tomlsource import KeyPath, TomlSource
from sim.sweep.safeexpr import Expression

DEFAULT_METRICS = ("locked_final", "ever_locked", "time_to_99pct_locked_recovered_s")
_PATH = re.compile(r"^[A-Za-z_][\w-]*(\.([A-Za-z_][\w-]*|\d+))*$")


def _path_syntax(text: str) -> str | None:
    if _PATH.match(text):
        return None
    return (f"{text!r} is not a dotted path; expected e.g. 'events.2.at', 'phones.0.count', "
            f"'recovery.technicians'")


def _nonempty(items: list) -> str | None:
    return None if items else "must not be empty"


def _names(items: list) -> str | None:
    if items and all(isinstance(item, str) for item in items):
        return None
    return "expected a non-empty list of summary metric names, e.g. ['locked_final']"


SWEEP = Table({
    "name": Value(str, None, check=folder_name, help="sweep name (default: the file's stem); "
                  "results land in results/sweeps/<name>/"),
    "description": Value(str, "", help="the question the sweep answers (shown on plots)"),
    "base": Value(str, help="the base scenario file, relative to this file (required)"),
    "replications": Value(int, 3, check=at_least(1), help="runs per point (default 3)"),
    "root_seed": Value(int, 1, check=at_least(0), help="root of every replication seed "
                                                       "(default 1, sim.sweep.seeds)"),
    "constraint": Value(str, None, help="expression over parameter names; points for which it "
                                        "is false are dropped, e.g. 'tvs_at >= cm_at + 300'"),
    "metrics": Value(list, list(DEFAULT_METRICS), check=_names,
                     help="summary metrics `itlsim plot` shows by default"),
    "engine": Value(str, None, choices=ENGINES, help=f"the fleet engine of every run (default "
                    f"{DEFAULT_ENGINE}; `itlsim sweep --engine` overrides it)"),
})
PARAMETER = Table({
    "path": Value(str, None, check=_path_syntax, help="dotted path into the base scenario, "
                                                      "e.g. 'events.2.at' (default: none)"),
    "values": Value(list, None, check=_nonempty, help="the values of a grid axis"),
    "zip": Value(str, None, help="zip group: parameters with the same name advance together"),
    "expr": Value(str, None, help="computed from other parameters, e.g. 'cm_at + gap'"),
    "label": Value(str, None, help="axis and legend text (default: the name and path)"),
    "unit": Value(str, "", help="shown on axes; for times one of s, min, h, d (values are "
                                "then shown in that unit); for counts a plural noun, e.g. "
                                "'technicians' (values then read '1 technician')"),
    "categorical": Value(bool, False, help="plot the values as categories in file order, "
                                           "evenly spaced, not on a number line (default "
                                           "false; true for values that name cases)"),
    "value_labels": Table({}, required=False, extra=Value(str),
                          help="text for particular values on axes and legends, e.g. "
                               "{ 0 = \"all at once\" }"),
})
SWEEP_SCHEMA = Table({
    "sweep": SWEEP,
    "parameters": Table({}, extra=Value(dict), help="[parameters.<name>] tables"),
    "points": ArrayOf(Table({}, extra=Value(object))),
})


@dataclass(frozen=True)
class Parameter:
    """One named parameter; exactly one of ``values``/``expr`` is set, or neither (points)."""

    name: str
    path: KeyPath | None
    values: tuple[Any, ...] | None
    zip: str | None
    expr: Expression | None
    label: str
    unit: str
    categorical: bool = False
    value_labels: Mapping[str, str] | None = None

    @property
    def dotted(self) -> str | None:
        return None if self.path is None else ".".join(map(str, self.path))


@dataclass(frozen=True)
class Point:
    """A combination of parameter values.

    ``raw`` holds what is written into the scenario (as given in the file, or computed);
    ``values`` the comparable form (durations in seconds) that expressions, the store and the
    plots use. ``key`` identifies the point by its values, so editing a sweep file keeps the
    stored runs of points that remain.
    """

    index: int
    key: str
    raw: Mapping[str, Any]
    values: Mapping[str, Any]

    def describe(self) -> str:
        return ", ".join(f"{name}={value!r}" for name, value in self.raw.items())


@dataclass(frozen=True)
class SweepSpec:
    """A validated sweep file, its base scenario data and its expanded points."""

    name: str
    description: str
    path: str
    base_path: str
    base_data: dict[str, Any]
    parameters: tuple[Parameter, ...]
    constraint: Expression | None
    replications: int
    root_seed: int
    metrics: tuple[str, ...]
    points: tuple[Point, ...]
    dropped: int
    source: TomlSource
    engine: str = DEFAULT_ENGINE  # the fleet engine of every run (``sim.fleet.run.ENGINES``)

    def scenario(self, point: Point) -> Scenario:
        """The point's scenario; a value the scenario rejects is reported at its parameter."""
        try:
            return scenario_from_dict(self.scenario_data(point), path=self.base_path)
        except ConfigError as error:
            raise self._point_error(point, error) from None

    def scenario_data(self, point: Point) -> dict[str, Any]:
        """The base scenario's raw data with the point's values set (plain, picklable)."""
        data = copy.deepcopy(self.base_data)
        for parameter in self.parameters:
            if parameter.path is not None:
                set_key(data, parameter.path, point.raw[parameter.name], self.path)
        return data

    def _point_error(self, point: Point, error: ConfigError) -> ConfigError:
        inside = error.key or ""
        culprit = next((p for p in self.parameters if p.dotted is not None and (
            inside == p.dotted or inside.startswith(p.dotted + ".")
            or p.dotted.startswith(inside + "."))), None)
        at = ("parameters", culprit.name) if culprit else ("sweep", "base")
        where = f"{inside}: " if inside else ""
        return self.source.error(at, f"point {point.index} ({point.describe()}) makes an "
                                     f"invalid scenario: {where}{error.reason}")


def load_sweep(path: str | Path, *, replications: int | None = None,
               root_seed: int | None = None, engine: str | None = None) -> SweepSpec:
    """Read and validate a sweep file and its base scenario, and expand the points.

    ``replications``, ``root_seed`` and ``engine`` (the command line's) win over the file's
    keys; without either, the engine is ``DEFAULT_ENGINE``."""
    source = TomlSource.load(path)
    data = validate(source, SWEEP_SCHEMA)
    sweep = data["sweep"]
    base_path = Path(source.path).parent / sweep["base"]
    if not base_path.is_file():
        raise source.error(("sweep", "base"), f"base scenario {str(base_path)!r} not found "
                                              f"(paths are relative to the sweep file)")
    load_scenario(base_path)  # the base file's own errors, with its line numbers
    base_data = TomlSource.load(base_path).data
    parameters = _parameters(source, data["parameters"], base_data)
    constraint = _expression(source, sweep["constraint"], ("sweep", "constraint"),
                             [p.name for p in parameters])
    _check_used(source, parameters, constraint)
    points, dropped = _expand(source, parameters, data["points"], constraint)
    return SweepSpec(
        name=sweep["name"] or stem_name(source, ("sweep", "name")),
        description=sweep["description"],
        path=source.path, base_path=str(base_path), base_data=base_data,
        parameters=parameters, constraint=constraint,
        replications=replications if replications is not None else sweep["replications"],
        root_seed=root_seed if root_seed is not None else sweep["root_seed"],
        metrics=tuple(sweep["metrics"]), points=points, dropped=dropped, source=source,
        engine=engine or sweep["engine"] or DEFAULT_ENGINE)


def _parameters(source: TomlSource, tables: dict[str, Any], base: dict[str, Any]
                ) -> tuple[Parameter, ...]:
    if not tables:
        raise source.error(("parameters",), "a sweep needs at least one [parameters.<name>] "
                                            "table with a path and values")
    names = list(tables)
    plain = [n for n in names if "expr" not in tables[n]]
    result = []
    for name, table in tables.items():
        at = ("parameters", name)
        if not name.isidentifier() or keyword.iskeyword(name):
            raise source.error(at, f"parameter names are used in expressions; {name!r} is not "
                                   f"a valid name (letters, digits, _)")
        fields = validate(source, PARAMETER, table, at)
        if fields["values"] is not None and fields["expr"] is not None:
            raise source.error(at + ("expr",), "a parameter has values or expr, not both")
        if fields["zip"] is not None and fields["values"] is None:
            raise source.error(at + ("zip",), "zip needs values (the list to zip)")
        path = key_path(fields["path"]) if fields["path"] else None
        if path is not None:  # indexing errors (there is no events.7) at the path's line
            try:
                set_key(copy.deepcopy(base), path, 0, source.path)
            except ConfigError as error:
                raise source.error(at + ("path",), error.reason) from None
        expr = _expression(source, fields["expr"], at + ("expr",),
                           [n for n in plain if n != name])
        label = fields["label"] or (f"{name} ({fields['path']})" if path else name)
        result.append(Parameter(name, path, None if fields["values"] is None
                                else tuple(fields["values"]), fields["zip"], expr, label,
                                fields["unit"], fields["categorical"],
                                dict(fields["value_labels"])))
    return tuple(result)


def _expression(source: TomlSource, text: str | None, at: KeyPath, names: list[str]
                ) -> Expression | None:
    if text is None:
        return None
    try:
        return Expression.parse(text, names)
    except ValueError as exc:
        raise source.error(at, str(exc)) from None


def _check_used(source: TomlSource, parameters: tuple[Parameter, ...],
                constraint: Expression | None) -> None:
    """A parameter without a path changes nothing unless an expression uses it."""
    used = set(constraint.names if constraint else ())
    for parameter in parameters:
        used.update(parameter.expr.names if parameter.expr else ())
    for parameter in parameters:
        if parameter.path is None and parameter.name not in used:
            raise source.error(("parameters", parameter.name),
                               "has no path and no expr or constraint uses it, so it would "
                               "change nothing; add path = \"dotted.key\"")


def _expand(source: TomlSource, parameters: tuple[Parameter, ...], entries: list[dict],
            constraint: Expression | None) -> tuple[tuple[Point, ...], int]:
    """Cartesian product of the axes, derived values filled in, constraint applied."""
    axes = _axes(source, parameters, entries)
    points: list[Point] = []
    seen: dict[str, int] = {}
    combos = 0
    for combo in itertools.product(*axes):
        combos += 1
        given = {name: value for part in combo for name, value in part.items()}
        values = {name: comparable(value) for name, value in given.items()}
        for parameter in parameters:
            if parameter.expr is not None:
                given[parameter.name] = values[parameter.name] = comparable(_compute(
                    source, parameter.expr, values, ("parameters", parameter.name, "expr")))
        raw = {p.name: given[p.name] for p in parameters}
        values = {p.name: values[p.name] for p in parameters}
        if constraint is not None and not _compute(source, constraint, values,
                                                   ("sweep", "constraint")):
            continue
        key = point_key(values)
        if key in seen:
            raise source.error(("points", 0), f"point {raw} appears twice (as point "
                                              f"{seen[key]} and point {len(points)})")
        seen[key] = len(points)
        points.append(Point(len(points), key, raw, values))
    if not points:
        raise source.error(("sweep", "constraint"), f"the constraint drops all {combos} points")
    return tuple(points), combos - len(points)


def _axes(source: TomlSource, parameters: tuple[Parameter, ...], entries: list[dict]
          ) -> list[list[dict[str, Any]]]:
    """One list of partial assignments per axis: a grid parameter, a zip group, the points."""
    axes: list[list[dict[str, Any]]] = []
    groups: dict[str, list[Parameter]] = {}
    for parameter in parameters:
        if parameter.values is None:
            continue
        if parameter.zip is None:
            axes.append([{parameter.name: v} for v in parameter.values])
        elif parameter.zip not in groups:
            groups[parameter.zip] = [parameter]
            axes.append([])  # filled below, keeping the group's place in file order
        else:
            groups[parameter.zip].append(parameter)
    zipped = iter(_zip(source, members) for members in groups.values())
    axes = [axis or next(zipped) for axis in axes]
    from_points = [p for p in parameters if p.values is None and p.expr is None]
    if from_points or entries:
        axes.append(_points(source, from_points, parameters, entries))
    return axes


def _zip(source: TomlSource, members: list[Parameter]) -> list[dict[str, Any]]:
    lengths = {len(p.values or ()) for p in members}
    if len(lengths) > 1:
        shown = ", ".join(f"{p.name} has {len(p.values or ())}" for p in members)
        raise source.error(("parameters", members[-1].name, "values"),
                           f"zip group '{members[0].zip}' needs lists of one length: {shown}")
    return [dict(zip([p.name for p in members], combo, strict=True))
            for combo in zip(*(p.values or () for p in members), strict=True)]


def _points(source: TomlSource, wanted: list[Parameter], parameters: tuple[Parameter, ...],
            entries: list[dict]) -> list[dict[str, Any]]:
    """The ``[[points]]`` axis: every entry sets exactly the parameters without values/expr."""
    names = [p.name for p in wanted]
    if not entries:
        raise source.error(("parameters", names[0]), "needs values = [...], expr = \"...\" "
                                                     "or a value in every [[points]] entry")
    if not names:
        raise source.error(("points", 0), "every parameter has values or expr, so [[points]] "
                                          "entries have nothing to set")
    known = [p.name for p in parameters]
    for i, entry in enumerate(entries):
        for name in entry:
            if name not in known:
                raise source.error(("points", i, name), f"unknown parameter '{name}'"
                                   f"{suggest(name, known)} (declared: {', '.join(known)})")
            if name not in names:
                raise source.error(("points", i, name), f"{name} takes its values from its "
                                                        f"values or expr, not from [[points]]")
        missing = [n for n in names if n not in entry]
        if missing:
            raise source.error(("points", i), f"missing {', '.join(missing)} (every [[points]] "
                                              f"entry sets: {', '.join(names)})")
    return [{name: entry[name] for name in names} for entry in entries]


def _compute(source: TomlSource, expr: Expression, values: Mapping[str, Any], at: KeyPath
             ) -> Any:
    try:
        return expr.evaluate(values)
    except ValueError as exc:
        raise source.error(at, str(exc)) from None


def comparable(value: Any) -> Any:
    """The form values are compared, stored and plotted in: durations as seconds, whole
    numbers as ``int`` (so ``"1h"``, ``3600`` and ``3600.0`` are one value); others as given."""
    if isinstance(value, str):
        try:
            value = parse_duration(value)
        except ValueError:
            return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def point_key(values: Mapping[str, Any]) -> str:
    """A short stable digest of a point's values (its identity in the store)."""
    text = json.dumps(dict(values), sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]

