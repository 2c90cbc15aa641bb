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
constraint).
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
    off = [(i, p.availability.offline_share) for i, p in enumerate(scenario.populations)
           if p.availability.offline_share > 0]
    if off:
        shares = ", ".join(f"{p.name} {p.availability.offline_share:.0%}"
                           for p in scenario.populations if p.availability.offline_share > 0)
        found.append(Variant("offline=0", f"no phones switched off (base: {shares})",
                             {_share(i): 0.0 for i, _ in off}))
        found.append(Variant("offline=x2", f"twice the phones switched off (base: {shares})",
                             {_share(i): min(1.0, 2 * s) for i, s in off}))
    return found


def _share(index: int) -> str:
    return f"phones.{index}.availability.offline_share"


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
