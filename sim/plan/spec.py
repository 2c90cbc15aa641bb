"""Plan files: a base scenario, a goal, the choices open, constraints and the objective.

A plan file is TOML validated by ``sim.scenario.schema`` like scenario and sweep files, so
every mistake is one line ``plan.toml:12 [choices.batch_size]: ...`` with a did-you-mean::

    [plan]
    base = "base/rename_10_5.toml"    # the cluster and fleet, relative to this file
    replications = 10                 # the most runs per candidate (the race starts with
    first_replications = 3            #   first_replications and doubles, sim.plan.race)
    root_seed = 14                    # replication seeds, common to every candidate
    engine = "cohort"                 # the fleet engine of every run; --engine wins

    [goal]
    change = "rename publisher to cucm-new"

    [choices]                         # lists of values to try (sim.plan.choices)
    methods = ["localkey", "rollback"]
    keep_reset_itl = ["30min", "4h", "14h"]
    batch_size = [0, 500]

    [constraints]
    window = "16h"                    # every step within this time from the first
    max_phones_down = 2500            # down_peak of every replication at most this
    no_technician_visits = false

    [objective]                       # minimised in this order (sim.plan.objective)
    metrics = ["locked_final", "technician_hours", "locked_phone_hours",
               "procedure_duration_s"]
    tolerances = { locked_phone_hours = 5.0 }

A plan that cannot be carried out is refused before anything runs, one line each: a goal the
cluster's version cannot do (``sim.plan.goals``), a method it cannot use, an empty choice set,
a choice no chosen method uses, constraints that contradict the goal or each other.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.fleet.run import DEFAULT_ENGINE, ENGINES
from sim.plan.choices import CHOICE_ORDER, CHOICES, comparable, defaults
from sim.plan.goals import Base, Goal, check_base_events, parse_goal
from sim.plan.methods import METHODS, Method
from sim.plan.objective import DEFAULT_OBJECTIVE, OBJECTIVE_METRICS, Objective
from sim.plan.race import Schedule
from sim.scenario.durations import duration, human_duration, positive
from sim.scenario.events import CERTS, DISRUPTIVE_ACTIONS
from sim.scenario.names import folder_name
from sim.scenario.scenario import load_scenario, stem_name
from sim.scenario.schema import Table, Value, at_least, suggest, validate
from sim.scenario.tomlsource import KeyPath, TomlSource


def _metric_names(names: list) -> str | None:
    for name in names:
        if name not in OBJECTIVE_METRICS:
            return (f"unknown metric {name!r}{suggest(str(name), list(OBJECTIVE_METRICS))} "
                    f"(valid: {', '.join(OBJECTIVE_METRICS)})")
    if not names or len(set(names)) != len(names):
        return "expected a non-empty list of metrics without repeats"
    return None


PLAN = Table({
    "name": Value(str, None, check=folder_name, help="plan name (default: the file's stem); "
                  "results land in results/plans/<name>/"),
    "description": Value(str, "", help="the question the plan answers, in one line"),
    "base": Value(str, help="the base scenario, relative to this file (required)"),
    "root_seed": Value(int, 1, check=at_least(0), help="root of the replication seeds, common "
                                                       "to every candidate (default 1)"),
    "replications": Value(int, 10, check=at_least(2), help="the most runs per candidate: "
                          "finalists and references get this many (default 10)"),
    "first_replications": Value(int, 3, check=at_least(2), help="runs per candidate in the "
                                "race's first round (default 3)"),
    "finalists": Value(int, 4, check=at_least(1), help="candidates the race keeps without "
                       "halving (default 4)"),
    "begin": duration("10min", check=positive, help="time of the first step after the base "
                      "scenario's t = 0 (default 10min)"),
    "refine_depth": Value(int, 2, check=at_least(0), help="bisections per waiting time or "
                          "batch size around the best candidate (default 2; 0: none)"),
    "sensitivity": Value(bool, True, help="rerun the best candidates under each alternative "
                                          "assumption and share of offline phones (default "
                                          "true)"),
    "sensitivity_replications": Value(int, 4, check=at_least(2), help="runs per candidate and "
                                      "variant in that check, at most replications (default "
                                      "4: two rarely tell procedures apart)"),
    "engine": Value(str, None, choices=ENGINES, help=f"the fleet engine of every run (default "
                    f"{DEFAULT_ENGINE}; `itlsim plan --engine` overrides it)"),
})
CONSTRAINTS = Table({
    "window": duration(None, check=positive, help="maintenance window: every step within this "
                       "time from the first (default: none)"),
    "max_phones_down": Value(int, None, check=at_least(1), help="most phones on but not "
                             "working at once after the change (down_peak) in every "
                             "replication (default: no limit)"),
    "no_technician_visits": Value(bool, False, help="only procedures without a technician "
                                                    "visit in any replication (default false)"),
}, required=False)
OBJECTIVE = Table({
    "metrics": Value(list, list(DEFAULT_OBJECTIVE), check=_metric_names,
                     help="metrics minimised in lexicographic order"),
    "tolerances": Table({}, required=False, extra=Value(float, check=lambda x: None if x >= 0
                                                        else "must be >= 0"),
                        help="differences that do not matter, per metric"),
}, required=False)
PLAN_SCHEMA = Table({
    "plan": PLAN,
    "goal": Table({}, extra=Value(object), help="the change (sim.plan.goals)"),
    "choices": Table({name: Value((list, str) if c.kind == "order" else list, None,
                                  help=c.help) for name, c in CHOICES.items()},
                     required=False),
    "constraints": CONSTRAINTS,
    "objective": OBJECTIVE,
})


@dataclass(frozen=True)
class Constraints:
    window: float | None = None
    max_phones_down: int | None = None
    no_technician_visits: bool = False


@dataclass(frozen=True)
class PlanSpec:
    """A validated plan file."""

    name: str
    description: str
    question: str
    path: str
    source: TomlSource
    base: Base
    goal: Goal
    methods: tuple[Method, ...]
    choices: Mapping[str, tuple[Any, ...]]
    constraints: Constraints
    objective: Objective
    schedule: Schedule
    root_seed: int
    begin: float
    refine_depth: int
    sensitivity: bool
    sensitivity_replications: int = 4
    engine: str = DEFAULT_ENGINE  # the fleet engine of every run (``sim.fleet.run.ENGINES``)

    def values(self, name: str) -> tuple[Any, ...]:
        return self.choices[name]

    def first_step(self, start: dt.datetime | None) -> float:
        """When a procedure's first step falls, in seconds from the base's t = 0: at the
        chosen clock time ``start`` on the base's clock, else ``[plan] begin`` (I65)."""
        if start is None:
            return self.begin
        origin = self.base.scenario.start
        assert origin is not None  # _check_start refuses a start without one
        return (start - origin).total_seconds()


def load_plan(path: str | Path, *, root_seed: int | None = None,
              replications: int | None = None, engine: str | None = None) -> PlanSpec:
    """Read and check a plan file and its base scenario (module doc); ``root_seed``,
    ``replications`` and ``engine`` (the command line's) win over the file's keys."""
    source = TomlSource.load(path)
    data = validate(source, PLAN_SCHEMA)
    plan = data["plan"]
    base = _base(source, plan["base"])
    if plan["begin"] >= base.scenario.duration:
        raise source.error(("plan", "begin"), f"the first step at {human_duration(plan['begin'])}"
                                              f" is not within the base scenario's duration "
                                              f"({human_duration(base.scenario.duration)})")
    check_base_events(source, base, DISRUPTIVE_ACTIONS, ("plan", "base"))
    goal = parse_goal(source, base)
    methods = _methods(source, goal, base, data["choices"]["methods"])
    choices = _choices(source, data["choices"], goal, base, methods)
    constraints = _constraints(source, data["constraints"], methods)
    most = replications if replications is not None else plan["replications"]
    if plan["first_replications"] > most:
        raise source.error(("plan", "first_replications"),
                           f"first_replications {plan['first_replications']} is more than "
                           f"replications {most}")
    return PlanSpec(
        name=plan["name"] or stem_name(source, ("plan", "name")),
        description=plan["description"], question=question(source.path), path=source.path,
        source=source, base=base, goal=goal, methods=methods, choices=choices,
        constraints=constraints, objective=_objective(source, data["objective"]),
        schedule=Schedule(plan["first_replications"], most, plan["finalists"]),
        root_seed=plan["root_seed"] if root_seed is None else root_seed, begin=plan["begin"],
        refine_depth=plan["refine_depth"], sensitivity=plan["sensitivity"],
        sensitivity_replications=min(plan["sensitivity_replications"], most),
        engine=engine or plan["engine"] or DEFAULT_ENGINE)


def _base(source: TomlSource, relative: str) -> Base:
    path = Path(source.path).parent / relative
    if not path.is_file():
        raise source.error(("plan", "base"), f"base scenario {str(path)!r} not found (paths are "
                                             f"relative to the plan file)")
    scenario = load_scenario(path)  # the base file's own errors, with its line numbers
    return Base(str(path), TomlSource.load(path).data, scenario, written=relative)


def question(path: str) -> str:
    """The first paragraph of the comment block at the top of the plan file: its question
    (the examples start with it). What follows it, such as an example's answer as measured when
    it was written, stays in the file: the report states the answer it computed."""
    lines: list[str] = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        text = line[1:].strip() if line.startswith("#") else None
        if text is None or (not text and lines):
            break
        if text:
            lines.append(text)
    return "\n".join(lines)


def _methods(source: TomlSource, goal: Goal, base: Base, given: list[Any] | None
             ) -> tuple[Method, ...]:
    at: KeyPath = ("choices", "methods")
    known = METHODS[goal.kind]
    if given is None:
        usable = tuple(m for m in known.values() if m.unavailable(goal, base) is None)
        if not usable:
            raise source.error(("goal",), f"no method can carry out {goal.describe()} on this "
                                          f"cluster: " + "; ".join(
                f"{m.name}: {m.unavailable(goal, base)}" for m in known.values()))
        return usable
    _nonempty(source, given, at)
    chosen = []
    for i, name in enumerate(given):
        if name not in known:
            raise source.error(at + (i,), f"no method {name!r} for a {goal.kind} goal"
                                          f"{suggest(str(name), list(known))} (valid: "
                                          f"{', '.join(known)})")
        if why := known[name].unavailable(goal, base):
            raise source.error(at + (i,), f"method {name!r} cannot be used here: {why}")
        chosen.append(known[name])
    _unique(source, given, at)
    return tuple(chosen)


def _nonempty(source: TomlSource, values: list[Any], at: KeyPath) -> None:
    if not values:
        raise source.error(at, "an empty choice set: give at least one value, or leave the "
                               "key out for its default")


def _unique(source: TomlSource, values: list[Any], at: KeyPath) -> None:
    for i, value in enumerate(values):
        if value in values[:i]:
            raise source.error(at + (i,), f"{value!r} appears twice")


def _choices(source: TomlSource, given: Mapping[str, Any], goal: Goal, base: Base,
             methods: tuple[Method, ...]) -> dict[str, tuple[Any, ...]]:
    """Every choice the methods use: the given values (checked) or the default."""
    used = {name for m in methods for name in m.uses}
    every = {name for m in METHODS[goal.kind].values() for name in m.uses}
    fallback = defaults(base.scenario.recovery.technicians, base.sftp_host is not None)
    result: dict[str, tuple[Any, ...]] = {}
    for name in CHOICE_ORDER[1:]:
        at: KeyPath = ("choices", name)
        if given[name] is not None and name not in used:
            where = "the goal's methods" if name not in every else "the chosen methods"
            users = sorted(m.name for m in METHODS[goal.kind].values() if name in m.uses)
            raise source.error(at, f"{name} is not a choice of {where} ("
                                   f"{', '.join(m.name for m in methods)})" + (
                f"; it is used by {', '.join(users)}" if users else ""))
        if name in used:
            values = fallback[name] if given[name] is None else \
                _values(source, name, given[name], at)
            result[name] = tuple(values)
    _check_choices(source, result, goal, base)
    return result


def _values(source: TomlSource, name: str, values: list[Any] | str, at: KeyPath) -> list[Any]:
    kind = CHOICES[name].kind
    if isinstance(values, str) or values == ["all"]:
        if values not in ("all", ["all"]):
            raise source.error(at, f"{values!r} is not valid: give \"all\" (every order) or "
                                   f"a list of orders, e.g. [[\"TVS\", \"CallManager\"]]")
        return ["all"]
    _nonempty(source, values, at)
    checked = [_value(source, name, kind, v, at + (i,)) for i, v in enumerate(values)]
    _unique(source, checked, at)
    return checked


def _value(source: TomlSource, name: str, kind: str, value: Any, at: KeyPath) -> Any:
    expected = {"duration": "a duration, e.g. '30min'", "count": "a whole number >= 0",
                "bool": "true or false", "datetime": "a date-time, e.g. 2024-03-05T20:00:00",
                "text": "a string", "order": "a list of certificate types"}[kind]
    try:
        if kind == "duration":
            return comparable(name, value)
        ok = {"count": isinstance(value, int) and not isinstance(value, bool) and value >= 0,
              "bool": isinstance(value, bool), "datetime": isinstance(value, dt.datetime),
              "text": isinstance(value, str),
              "order": isinstance(value, list) and all(c in CERTS for c in value)}[kind]
    except ValueError as exc:
        raise source.error(at, str(exc)) from None
    if not ok:
        raise source.error(at, f"expected {expected}, got {value!r}")
    return tuple(value) if kind == "order" else value


def _check_choices(source: TomlSource, choices: dict[str, tuple[Any, ...]], goal: Goal,
                   base: Base) -> None:
    """Values that cannot work with this goal or base."""
    if "order" in choices and choices["order"] != ("all",):
        certs = getattr(goal, "certs", ())
        for i, order in enumerate(choices["order"]):
            if sorted(order) != sorted(certs):
                raise source.error(("choices", "order", i),
                                   f"an order lists each certificate type of the goal once "
                                   f"({', '.join(certs)}); got {list(order)}")
    for i, side in enumerate(choices.get("node_order", ())):
        if side not in ("publisher-first", "publisher-last"):
            raise source.error(("choices", "node_order", i),
                               f"{side!r} is not valid{suggest(side, ['publisher-first'])} "
                               f"(expected publisher-first or publisher-last)")
    for i, start in enumerate(choices.get("start", ())):
        if start is not None:
            _check_start(source, start, base, ("choices", "start", i))
    if True in choices.get("backup_itlrecovery", ()) and base.sftp_host is None:
        raise source.error(("choices", "backup_itlrecovery"),
                           "backing up ITLRecovery.p12 needs an [[sftp]] server in the base "
                           "scenario (A7)")


def _check_start(source: TomlSource, start: dt.datetime, base: Base, at: KeyPath) -> None:
    """A start is a clock time within the base scenario, on its clock (I65): the base's
    ``[simulation] start`` says when its phones are off and its technicians at work."""
    origin = base.scenario.start
    if origin is None:
        raise source.error(at, "a start needs [simulation] start in the base scenario: the clock "
                               "on which its phones go off and come back and its technicians "
                               "work (I65)")
    if (start.tzinfo is None) != (origin.tzinfo is None):
        raise source.error(at, f"give start as {'a local' if origin.tzinfo is None else 'an'} "
                               f"date-time like the base's [simulation] start "
                               f"({origin.isoformat()})")
    end = origin + dt.timedelta(seconds=base.scenario.duration)
    if not origin <= start < end:
        raise source.error(at, f"start {start.isoformat()} is outside the base scenario "
                               f"({origin.isoformat()} to {end.isoformat()}, its [simulation] "
                               f"start and duration)")


def _constraints(source: TomlSource, data: Mapping[str, Any], methods: tuple[Method, ...]
                 ) -> Constraints:
    if data["no_technician_visits"] and [m.name for m in methods] == ["by-hand"]:
        raise source.error(("constraints", "no_technician_visits"),
                           "the only method chosen is by-hand, whose technicians visit the "
                           "phones: it contradicts no_technician_visits = true")
    return Constraints(data["window"], data["max_phones_down"], data["no_technician_visits"])


def _objective(source: TomlSource, data: Mapping[str, Any]) -> Objective:
    metrics = tuple(data["metrics"])
    for name in data["tolerances"]:
        if name not in metrics:
            raise source.error(("objective", "tolerances", name),
                               f"{name!r} is not one of the objective's metrics"
                               f"{suggest(name, list(metrics))} ({', '.join(metrics)})")
    return Objective(metrics, dict(data["tolerances"]))
