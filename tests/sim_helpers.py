"""Running a scenario in tests while keeping the model the summary was made from."""

from __future__ import annotations

from typing import Any

import sim.fleet.run
from sim.fleet.run import RunResult, simulate


def simulate_keeping_model(scenario: Any) -> tuple[RunResult, Any]:
    """``simulate(scenario)`` plus the ``FleetModel`` behind it, for checks a summary cannot
    make (installed files of every phone, the cluster at the end)."""
    captured: list[Any] = []
    real = sim.fleet.run.summarise

    def spy(model: Any, *args: Any) -> dict[str, Any]:
        captured.append(model)
        return real(model, *args)

    sim.fleet.run.summarise = spy
    try:
        result = simulate(scenario)
    finally:
        sim.fleet.run.summarise = real
    return result, captured[0]
