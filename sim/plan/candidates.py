"""Candidate procedures: every combination of a method's choices as a concrete timeline.

A ``Candidate`` is one procedure: its method, one value per choice it uses, its scheduled steps
(``sim.plan.steps``) and what it sets in the base scenario: the ``[[events]]`` (the base's own
events, then the steps) and the technicians on call. A ``start`` choice moves the procedure on
the base's clock (its first step at that clock time), never the base: its phones go off and come
back and its technicians work at the same clock times for every candidate (I65).
``generate`` expands the plan's choices per method (the cartesian product, in the plan's
order), adds the two references (``sim.plan.methods``), drops
duplicate timelines and what cannot fit before anything runs: a procedure that does not end
within the base scenario's duration, one longer than the maintenance window, one that resets
more phones at once than ``max_phones_down``. If the constraints leave no procedure, that is one
line naming the constraint and the shortest or smallest procedure there was.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import itertools
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sim.plan.choices import CHOICE_ORDER, Choices, shown
from sim.plan.goals import Regenerate
from sim.plan.methods import REFERENCES, Method, orders
from sim.plan.spec import PlanSpec
from sim.plan.steps import BATCHED, Timed, events, phones_in, schedule
from sim.scenario.durations import human_duration

GENERATED, NAIVE, CISCO = "", "naive", "cisco"


@dataclass(frozen=True)
class Candidate:
    """One procedure (module doc); ``role`` is ``naive`` or ``cisco`` for the references."""

    key: str
    method: str
    role: str
    choices: Mapping[str, Any]
    timed: tuple[Timed, ...]
    begin: float
    varying: tuple[str, ...] = ()
    """The choices the plan gives several values for: the ones a label shows."""

    @property
    def label(self) -> str:
        """``localkey, keep_reset_itl 14h, batch_size 500``; the references by their role."""
        parts = [f"{name} {shown(name, value)}" for name, value in self.choices.items()
                 if name in self.varying]
        if self.role:
            return {NAIVE: "naive procedure", CISCO: "Cisco's default guidance"}[self.role] + \
                (f" (= {', '.join([self.method, *parts])})" if self.method != self.role else "")
        return ", ".join([self.method, *parts])

    @property
    def end(self) -> float:
        """When the last step ends (seconds from t = 0)."""
        return max(t.end for t in self.timed)

    @property
    def length(self) -> float:
        return self.end - self.begin

    def overrides(self, base_events: list[dict[str, Any]]) -> dict[str, Any]:
        """What the candidate sets in the base scenario, by dotted path."""
        result: dict[str, Any] = {"events": copy.deepcopy(base_events) + events(self.timed)}
        technicians = self.choices.get("technicians")
        if technicians is not None:
            result["recovery.technicians"] = technicians
            result["recovery.start"] = self.begin
        return result

    def batches(self) -> Iterable[tuple[Timed, int]]:
        """Every batched step with its phones per batch (0: all at once)."""
        return ((t, int(t.step.args.get("batch_size", 0))) for t in self.timed
                if t.step.action in BATCHED)


@dataclass
class Generated:
    """What ``generate`` produced and what it dropped before running, with why."""

    candidates: list[Candidate]
    dropped: dict[str, list[Candidate]] = field(default_factory=dict)
    duplicates: int = 0


def identity(method: str, role: str, choices: Mapping[str, Any]) -> str:
    """A candidate's key: a short digest of its method and choices."""
    text = json.dumps({"method": method, "role": role, "choices": dict(choices)},
                      sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def build(spec: PlanSpec, method: Method, choices: Choices, role: str = GENERATED
          ) -> Candidate:
    """The candidate of ``method`` with ``choices`` (one value per choice it uses)."""
    return _candidate(spec, method.build(spec.goal, spec.base, choices), method.name, choices,
                      role)


def _candidate(spec: PlanSpec, steps: list, method: str, choices: Choices, role: str
               ) -> Candidate:
    begin = spec.first_step(choices.get("start"))
    timed = schedule(steps, begin, spec.base.phones)
    varying = tuple(name for name, values in spec.choices.items()
                    if len(values) > 1 or values == ("all",))
    return Candidate(identity(method, role, choices), method, role, dict(choices), timed,
                     begin, varying)


def combinations(spec: PlanSpec, method: Method) -> Iterable[dict[str, Any]]:
    """One value per choice ``method`` uses, every combination in the plan's order."""
    names = [n for n in CHOICE_ORDER if n in method.uses]
    for combo in itertools.product(*(_axis(spec, n) for n in names)):
        yield dict(zip(names, combo, strict=True))


def _axis(spec: PlanSpec, name: str) -> list[Any]:
    values = list(spec.values(name))
    if name == "order" and values == ["all"]:
        assert isinstance(spec.goal, Regenerate)
        return list(orders(spec.goal, "all"))
    return values


def references(spec: PlanSpec) -> list[Candidate]:
    """The naive procedure and Cisco's default guidance, at the plan's first start and
    technician count."""
    common = {n: spec.values(n)[0] for n in ("start", "technicians") if n in spec.choices}
    found = []
    for role, (_, follow) in REFERENCES.items():
        method, steps = follow(spec.goal, spec.base, common)
        found.append(_candidate(spec, steps, method, common, role))
    return found


def generate(spec: PlanSpec) -> Generated:
    """Every candidate of the plan (module doc); references last, or in the place of the
    generated candidate with the same timeline."""
    result = Generated([])
    seen: dict[str, int] = {}
    pool = [build(spec, m, c) for m in spec.methods for c in combinations(spec, m)]
    for candidate in pool + references(spec):
        timeline = json.dumps(candidate.overrides([]), sort_keys=True, default=str)
        if timeline in seen:
            if candidate.role and seen[timeline] >= 0:
                twin = result.candidates[seen[timeline]]
                result.candidates[seen[timeline]] = dataclasses.replace(twin,
                                                                        role=candidate.role)
            result.duplicates += not candidate.role
            continue
        reason = unfit(spec, candidate)
        seen[timeline] = len(result.candidates) if reason is None else -1
        if reason is None:
            result.candidates.append(candidate)
        else:
            result.dropped.setdefault(reason, []).append(candidate)
    _refuse_if_empty(spec, result)
    return result


def unfit(spec: PlanSpec, candidate: Candidate) -> str | None:
    """Why a candidate cannot run or breaks a constraint before it runs, or None."""
    if candidate.end > spec.base.scenario.duration:
        return "duration"
    window = spec.constraints.window
    if window is not None and candidate.length > window:
        return "window"
    limit = spec.constraints.max_phones_down
    if limit is not None and any(_at_once(spec, t, size) > limit
                                 for t, size in candidate.batches()):
        return "max_phones_down"
    return None


def _at_once(spec: PlanSpec, timed: Timed, size: int) -> int:
    phones = phones_in(timed.step.args.get("population", "all"), spec.base.phones)
    return phones if size == 0 else min(size, phones)


def _refuse_if_empty(spec: PlanSpec, result: Generated) -> None:
    if any(not c.role for c in result.candidates):
        return
    dropped = {reason: [c for c in candidates if not c.role]
               for reason, candidates in result.dropped.items()}
    dropped = {reason: candidates for reason, candidates in dropped.items() if candidates}
    if "window" in dropped:
        shortest = min(c.length for c in dropped["window"])
        raise spec.source.error(("constraints", "window"), (
            f"no procedure fits the {human_duration(spec.constraints.window or 0)} window: the "
            f"shortest of the {len(dropped['window'])} that would run takes "
            f"{human_duration(shortest)}"))
    if "max_phones_down" in dropped:
        least = min(max(_at_once(spec, t, s) for t, s in c.batches())
                    for c in dropped["max_phones_down"])
        raise spec.source.error(("constraints", "max_phones_down"), (
            f"every procedure resets more than {spec.constraints.max_phones_down} phones at "
            f"once (the fewest is {least}); add smaller batch_size values"))
    earliest = min(c.end for c in dropped.get("duration", []))
    raise spec.source.error(("plan", "base"), (
        f"no procedure ends within the base scenario's duration "
        f"({human_duration(spec.base.scenario.duration)}); the shortest ends at "
        f"{human_duration(earliest)}: lengthen [simulation] duration"))
