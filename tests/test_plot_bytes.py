"""Plots are reproducible to the byte: rendering the same run again writes the same PNG and SVG.

Matplotlib's line simplification wrote a long step line's vertices differently from one
rendering to the next (``pre10-fleet-technicians``' recovery.svg differed in about one run of
three, within one process too); ``style.STYLE`` turns it off. The run is the shipped scenario
itself, at full size: its technicians' recovery staircase is the line that showed it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from matplotlib.layout_engine import ConstrainedLayoutEngine

from sim.fleet.run import simulate
from sim.output import style
from sim.output.plots import recovery_plot
from sim.output.sweepplots import curves_plot
from sim.output.sweepview import SweepView
from sim.scenario.scenario import load_scenario
from sim.sweep.executors import open_executor
from sim.sweep.runner import run_sweep
from sim.sweep.spec import load_sweep
from sim.sweep.store import SweepStore

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


def test_sweep_curves_bytes_are_the_same_at_every_rendering(tmp_path: Path) -> None:
    """Constrained layout's solver varied in the last digits (tick labels moved by 1e-6
    points in about one rendering of eight of the batch-size sweep's curves);
    ``style.settle_layout`` pins the positions it found."""
    spec = load_sweep(ROOT / "scenarios" / "sweeps" / "batch_size_vs_serving_count.toml",
                      replications=1)
    with open_executor(1, None) as (executor, slots):
        run_sweep(spec, executor, slots=slots, out=tmp_path / "store", progress=False)
    view = SweepView.of(SweepStore(tmp_path / "store"))
    seen = {tuple(hashlib.sha256(path.read_bytes()).hexdigest()
                  for path in curves_plot(view, tmp_path / f"curves{attempt}"))
            for attempt in range(6)}
    assert len(seen) == 1


def test_a_settled_layout_is_pinned_and_rounded() -> None:
    with style.style():
        fig = style.figure(4.0, 3.0)
        ax = fig.add_subplot()
        ax.set_ylabel("phones")
        ax.plot([0, 1], [0, 1_000])
        style.settle_layout(fig)
    assert not isinstance(fig.get_layout_engine(), ConstrainedLayoutEngine)
    bounds = ax.get_position().bounds
    assert all(abs(v * 1e5 - round(v * 1e5)) < 1e-6 for v in bounds)
    assert 0.05 < bounds[0] < 0.3  # room was made for the y label: the layout ran
