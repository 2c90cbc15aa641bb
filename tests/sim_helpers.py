"""Running a scenario in tests while keeping the model the summary was made from."""

from __future__ import annotations

from typing import Any

import sim.run
from sim.run import RunResult, simulate


def simulate_keeping_model(scenario: Any) -> tuple[RunResult, Any]:
    """``simulate(scenario)`` plus the ``FleetModel`` behind it, for checks a summary cannot
    make (installed files of every phone, the cluster at the end)."""
    captured: list[Any] = []
    real = sim.run.summarise

    def spy(model: Any, *args: Any) -> dict[str, Any]:
        captured.append(model)
        return real(model, *args)

    sim.run.summarise = spy
    try:
        result = simulate(scenario)
    finally:
        sim.run.summarise = real
    return result, captured[0]
