"""Procedure steps and their times: a procedure is an ordered list of steps, each an event of the
scenario (``sim.scenario.events.ACTIONS``) carried out some time after the previous step ended.

``schedule`` turns steps into times the way an engineer would carry them out:

- a step starts ``after`` seconds after the previous step *ended*; a reset in batches ends when
  its last batch is sent (``(batches - 1) x batch_pause``, A11), every other step at once (what
  CUCM does next on its own, such as restarting TFTP, is the engine's and takes simulated time);
- a step that regenerates certificates on a node (``set cert regen``, a hostname change) waits
  until CUCM's 5-minute hold timer on that node has run out (A1, ``HOLD_SECONDS`` of the
  engine), so a generated procedure is never refused by the hold timer.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sim.cluster.operations import HOLD_SECONDS

REGENERATING = frozenset({"regen_cert", "change_hostname"})
"""Actions that regenerate certificates on their ``node`` and so start its hold timer (A1, A3)."""
BATCHED = frozenset({"reset_phones", "move_phones"})


@dataclass(frozen=True)
class Step:
    """One step: the scenario event's action and arguments, the wait before it (seconds after
    the previous step ended), a short label and why it is there (rule ids)."""

    action: str
    args: Mapping[str, Any] = field(default_factory=dict)
    after: float = 0.0
    label: str = ""
    why: str = ""


@dataclass(frozen=True)
class Timed:
    """A step at its time (seconds from t = 0) and how long the step itself lasts."""

    at: float
    step: Step
    length: float

    @property
    def end(self) -> float:
        return self.at + self.length


def step_length(step: Step, phones: Mapping[str, int]) -> float:
    """How long a step lasts: a batched reset or move until its last batch is sent."""
    if step.action not in BATCHED:
        return 0.0
    size, pause = int(step.args.get("batch_size", 0)), float(step.args.get("batch_pause", 0))
    count = phones_in(step.args.get("population", "all"), phones)
    if size <= 0 or count <= size:
        return 0.0
    return (math.ceil(count / size) - 1) * pause


def phones_in(population: str, phones: Mapping[str, int]) -> int:
    """How many phones a step on ``population`` touches (``all``: every population)."""
    return sum(phones.values()) if population == "all" else phones.get(population, 0)


def schedule(steps: Sequence[Step], begin: float, phones: Mapping[str, int]) -> tuple[Timed, ...]:
    """The steps at their times from ``begin`` (module doc); ``phones`` per population."""
    timed: list[Timed] = []
    last_regen: dict[str, float] = {}
    clock = begin
    for step in steps:
        at = clock + step.after if timed else begin + step.after
        node = step.args.get("node")
        if step.action in REGENERATING and node in last_regen:
            at = max(at, last_regen[node] + HOLD_SECONDS)
        if step.action in REGENERATING and node is not None:
            last_regen[node] = at
        length = step_length(step, phones)
        timed.append(Timed(at, step, length))
        clock = at + length
    return tuple(timed)


def events(timed: Sequence[Timed]) -> list[dict[str, Any]]:
    """The scenario ``[[events]]`` entries of scheduled steps (times in whole seconds where
    they are whole)."""
    return [{"at": _number(t.at), "action": t.step.action, **dict(t.step.args),
             "note": t.step.label} for t in timed]


def _number(seconds: float) -> int | float:
    return int(seconds) if float(seconds).is_integer() else seconds
