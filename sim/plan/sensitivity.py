"""What makes a recommendation fragile: the same comparison under other assumptions and shares
of phones switched off.

The recommendation rests on the engine's documented assumptions (``[assumptions]``, README
table) and on the base scenario's share of offline phones. ``variants`` lists one change at a
time: every alternative value of each assumption with choices (the other choice, the other
boolean, half the TVS capacity), and the offline phones of the base taken away or doubled.
``check`` reruns the recommended candidate, its closest rival and the references under each
variant (common random numbers again) and says whether the recommendation still wins there
(``objective.compare`` on paired replications): it "holds" unless a rival beats it, or it
"loses" (to a rival on a metric, or by a problem of its own such as a refused step or a broken
constraint). Where it loses with no phones or twice the phones off, ``boundaries`` bisects the
share of phones off between that variant and the base: the answer to "which share of offline
phones would change the answer" (e.g. it holds from 4 % of the phones off; at 2 % the shorter
procedure is as safe).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.plan.evaluate import Evaluator, Variant
from sim.plan.objective import Objective, Verdict, compare
from sim.scenario.assumptions import ASSUMPTIONS
from sim.scenario.scenario import Scenario


@dataclass(frozen=True)
class Fragility:
    """The recommendation under one variant."""

    variant: Variant
    verdict: str  # "holds" or "loses"
    rival: str | None
    metric: str | None
    means: Mapping[str, Mapping[str, float]]
    """Per candidate evaluated, the objective's means under the variant."""
    note: str = ""
    """Why it loses without a rival: a problem of its own (a refused step, a constraint)."""
    unsure: str | None = None
    """A candidate it holds against but cannot be told apart from on the replications run
    (``metric`` says on which metric); the document names it by its label."""
    replications: int = 0


def _alternatives(key: str, value: Any) -> list[Any]:
    spec = ASSUMPTIONS[key].value
    if spec.choices:
        return [c for c in spec.choices if c != value]
    if spec.types is bool:
        return [not value]
    if spec.types is int:
        return [max(1, int(value) // 2)]
    return []  # distributions: their shape is not one value to flip


def variants(scenario: Scenario) -> list[Variant]:
    """One change to the base at a time (module doc), in a fixed order."""
    found = [Variant(f"assumptions.{key}={_text(alt)}", f"assumption {key} = {_text(alt)} "
                     f"(instead of {_text(value)}; {ASSUMPTIONS[key].replaces})",
                     {f"assumptions.{key}": alt})
             for key, value in scenario.assumptions.items() if key in ASSUMPTIONS
             for alt in _alternatives(key, value)]
    if offline_share(scenario) > 0:
        found += [offline(scenario, 0.0), offline(scenario, 2.0)]
    return found


def offline_share(scenario: Scenario, factor: float = 1.0) -> float:
    """The share of all phones switched off when each population's ``offline_share`` is
    multiplied by ``factor`` (capped where a population has no more phones to switch off)."""
    phones = sum(p.count for p in scenario.populations)
    off = sum(p.count * _scaled(p.availability.offline_share, p.availability.always_off_share,
                                factor) for p in scenario.populations)
    return off / phones if phones else 0.0


def _scaled(share: float, always_off: float, factor: float) -> float:
    return min(1.0 - always_off, share * factor)


def offline(scenario: Scenario, factor: float) -> Variant:
    """The base with every population's offline share times ``factor``: ``offline=0`` (none
    off), ``offline=x2`` (twice), ``offline=x0.25`` ..."""
    name = "offline=0" if factor == 0 else f"offline=x{factor:g}"
    base = f"{offline_share(scenario):.1%}"
    label = (f"no phones switched off (base {base})" if factor == 0 else
             f"{offline_share(scenario, factor):.1%} of the phones switched off ("
             + ("twice" if factor == 2 else f"{factor:g} times") + f" the base's {base})")
    return Variant(name, label,
                   {f"phones.{i}.availability.offline_share":
                    _scaled(p.availability.offline_share, p.availability.always_off_share, factor)
                    for i, p in enumerate(scenario.populations)
                    if p.availability.offline_share > 0})


def _text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def check(evaluator: Evaluator, recommended: str, others: Sequence[str], objective: Objective,
          n: int, variant: Variant) -> Fragility:
    """The recommendation against ``others`` under ``variant`` (module doc)."""
    keys = [recommended, *[k for k in others if k != recommended]]
    values = evaluator.values(keys, n, variant)
    means = {k: {m: float(np.mean(values[k][m])) for m in objective.metrics} for k in keys}
    broken = evaluator.problem(recommended, n, variant)
    if broken:
        return Fragility(variant, "loses", None, None, means, broken, replications=n)
    unsure: tuple[str, str | None] | None = None
    for other in keys[1:]:
        if evaluator.problem(other, n, variant):
            continue
        result = compare(values[recommended], values[other], objective)
        if result.verdict is Verdict.WORSE:
            return Fragility(variant, "loses", other, result.metric, means, replications=n)
        if result.verdict is Verdict.UNDECIDED and unsure is None:
            unsure = (other, result.metric)
    if unsure is None:
        return Fragility(variant, "holds", None, None, means, replications=n)
    return Fragility(variant, "holds", None, unsure[1], means, unsure=unsure[0],
                     replications=n)


@dataclass(frozen=True)
class Boundary:
    """Where the share of phones switched off changes the answer: the recommendation holds at
    ``holds`` (a share of all phones) and loses at ``loses``, between the base and the variant
    that lost; ``at`` is the variant at ``loses`` (its rival and metric say to whom)."""

    base: float
    holds: float
    loses: float
    at: Fragility


def boundaries(evaluator: Evaluator, recommended: str, others: Sequence[str],
               objective: Objective, n: int, scenario: Scenario, found: Sequence[Fragility],
               depth: int) -> list[Boundary]:
    """Per offline variant the recommendation lost (none off, twice as many), the share where
    the answer changes: the offline factor bisected ``depth`` times between that variant and
    the base (factor 1, where the recommendation won)."""
    result = []
    for lost in (f for f in found if f.verdict == "loses"):
        bad = {"offline=0": 0.0, "offline=x2": 2.0}.get(lost.variant.name)
        if bad is None:
            continue
        good, losing = 1.0, lost
        for _ in range(depth):
            middle = (bad + good) / 2
            trial = check(evaluator, recommended, others, objective, n,
                          offline(scenario, middle))
            if trial.verdict == "loses":
                bad, losing = middle, trial
            else:
                good = middle
        result.append(Boundary(offline_share(scenario), offline_share(scenario, good),
                               offline_share(scenario, bad), losing))
    return result
