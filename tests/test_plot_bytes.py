"""Plots are reproducible to the byte: rendering the same run again writes the same PNG and SVG.

Matplotlib's line simplification wrote a long step line's vertices differently from one
rendering to the next (``pre10-fleet-technicians``' recovery.svg differed in about one run of
three, within one process too); ``style.STYLE`` turns it off. The run is the shipped scenario
itself, at full size: its technicians' recovery staircase is the line that showed it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from sim.fleet.run import simulate
from sim.output.plots import recovery_plot
from sim.scenario.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]


def test_recovery_plot_bytes_are_the_same_at_every_rendering(tmp_path: Path) -> None:
    result = simulate(load_scenario(ROOT / "scenarios" / "pre10-fleet-technicians.toml"))
    seen = set()
    for attempt in range(8):  # each rendering had a one-in-three chance to differ
        png, svg = tmp_path / f"{attempt}.png", tmp_path / f"{attempt}.svg"
        recovery_plot(result, png, svg)
        seen.add((hashlib.sha256(png.read_bytes()).hexdigest(),
                  hashlib.sha256(svg.read_bytes()).hexdigest()))
    assert len(seen) == 1
