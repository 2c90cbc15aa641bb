"""The look test (issue 10, item 5): every plot of the shipped scenarios and example sweeps,
checked for what a reader notices at a glance and a program can measure on the rendered
figure (renderer window extents):

- no empty axes: every panel shows data;
- count axes have whole-number tick labels with thousands separators ("1,500", never "1.5");
- no legend covers a plotted line;
- no two text labels overlap, and none runs off the figure.

Scenarios run scaled down as in ``tests/test_scenarios.py`` (the same cached runs); sweeps run
with 2 replications. Importing and plotting leaves matplotlib's global state alone.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.cbook import pts_to_poststep
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.path import Path as MplPath
from matplotlib.text import Text
from matplotlib.transforms import Bbox
from test_scenarios import CHECKS, cached_run

from sim.output import style
from sim.output.plots import recovery_figure
from sim.output.sweepplots import curves_figure, heatmap_figure, metric_figure
from sim.output.sweepview import SweepView, is_count, metric_label
from sim.sweep.executors import open_executor
from sim.sweep.runner import run_sweep
from sim.sweep.spec import load_sweep
from sim.sweep.store import SweepStore

ROOT = Path(__file__).resolve().parents[1]
SWEEPS = sorted((ROOT / "scenarios" / "sweeps").glob("*.toml"))
COUNT = re.compile(r"\d{1,3}(,\d{3})*")


# -- what a reader would notice ---------------------------------------------------------------

def panels(fig: Figure) -> list[Axes]:
    return [ax for ax in fig.get_axes() if ax.get_visible() and ax.axison]


def has_data(ax: Axes) -> bool:
    lines = any(len(line.get_xdata()) for line in ax.get_lines()
                if line.get_transform().contains_branch(ax.transData))
    return lines or any(len(c.get_paths()) for c in ax.collections) or bool(ax.images)


def shown_ticks(axis: Axis) -> Iterator[Text]:
    """The tick labels drawn: ticks inside the view interval, with text."""
    low, high = sorted(axis.get_view_interval())
    span = high - low
    for tick in axis.get_major_ticks():
        if low - 1e-9 * span <= tick.get_loc() <= high + 1e-9 * span and tick.label1.get_text():
            yield tick.label1


def check_counts(axis: Axis, where: str) -> None:
    labels = [t.get_text() for t in shown_ticks(axis)]
    assert labels, f"{where}: no tick labels"
    bad = [label for label in labels if not COUNT.fullmatch(label)]
    assert not bad, f"{where}: count ticks must be whole numbers with separators: {bad}"


def drawn_lines(fig: Figure) -> Iterator[tuple[str, MplPath]]:
    """Every plotted line as drawn, in display coordinates (steps expanded)."""
    for ax in panels(fig):
        for line in ax.get_lines():
            xy = line.get_xydata()
            if not line.get_visible() or len(xy) == 0:
                continue
            if line.get_drawstyle() == "steps-post":
                xy = np.column_stack(pts_to_poststep(xy[:, 0], xy[:, 1]))
            yield line.get_label(), MplPath(line.get_transform().transform(xy))
        for collection in ax.collections:
            if isinstance(collection, LineCollection):
                for path in collection.get_paths():
                    yield "error bar", collection.get_transform().transform_path(path)


def hidden_ticks(fig: Figure) -> set[int]:
    hidden = set()
    for ax in fig.get_axes():
        for axis in (ax.xaxis, ax.yaxis):
            shown = {id(t) for t in shown_ticks(axis)}
            hidden |= {id(tick.label1) for tick in axis.get_major_ticks()
                       if id(tick.label1) not in shown}
            hidden |= {id(tick.label2) for tick in axis.get_major_ticks()}
    return hidden


def texts(fig: Figure) -> list[tuple[str, Bbox]]:
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    hidden = hidden_ticks(fig)
    found = []
    for text in fig.findobj(Text):
        if id(text) in hidden or not text.get_visible() or not text.get_text().strip():
            continue
        box = text.get_window_extent(renderer)
        if box.width > 0 and box.height > 0:
            found.append((text.get_text(), box))
    return found


def overlap(a: Bbox, b: Bbox, slack: float = 1.0) -> bool:
    return (min(a.x1, b.x1) - max(a.x0, b.x0) > slack
            and min(a.y1, b.y1) - max(a.y0, b.y0) > slack)


def look(fig: Figure, name: str, *, count_y: bool = True) -> None:
    """Every check of the module doc on ``fig`` (``count_y``: its y axes count things)."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    for i, ax in enumerate(panels(fig)):
        assert has_data(ax), f"{name}: panel {i} ({ax.get_ylabel()!r}) is empty"
        if count_y and ax.get_label() != "<colorbar>":
            check_counts(ax.yaxis, f"{name}: panel {i} y axis")
    for legend in fig.findobj(Legend):
        box = legend.get_window_extent(renderer)
        for label, path in drawn_lines(fig):
            assert not path.intersects_bbox(box, filled=False), \
                f"{name}: the legend covers the line {label!r}"
    boxes = texts(fig)
    page = fig.bbox
    for i, (text, box) in enumerate(boxes):
        assert page.x0 - 1 <= box.x0 and box.x1 <= page.x1 + 1 and \
            page.y0 - 1 <= box.y0 and box.y1 <= page.y1 + 1, \
            f"{name}: {text[:60]!r} runs off the figure"
        for other, other_box in boxes[i + 1:]:
            assert not overlap(box, other_box), \
                f"{name}: {text[:40]!r} overlaps {other[:40]!r}"


# -- the shipped scenarios ----------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(CHECKS))
def test_recovery_png_of_every_scenario_reads_at_a_glance(name: str) -> None:
    result = cached_run(name, CHECKS[name].overrides).result
    with style.style():
        look(recovery_figure(result), name)


# -- the example sweeps -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sweeps(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every example sweep, 2 replications (CI bands need two), on two worker processes."""
    stores = {}
    with open_executor(2, None) as (executor, slots):
        for path in SWEEPS:
            spec = load_sweep(path, replications=2)
            out = tmp_path_factory.mktemp(path.stem)
            run_sweep(spec, executor, slots=slots, out=out, progress=False)
            stores[path.stem] = out
    return stores


@pytest.mark.parametrize("sweep", [p.stem for p in SWEEPS])
def test_every_sweep_plot_reads_at_a_glance(sweeps: dict[str, Path], sweep: str) -> None:
    with SweepStore.open(sweeps[sweep], read_only=True) as store, style.style():
        view = SweepView.of(store)
        varying = view.varying()
        look(curves_figure(view), f"{sweep} curves")
        for metric in view.metrics():
            counts = is_count(metric_label(metric)[1])
            look(metric_figure(view, metric, varying[0]), f"{sweep} {metric}", count_y=counts)
            if len(varying) >= 2:
                heatmap = heatmap_figure(view, metric, varying[0], varying[1])
                look(heatmap, f"{sweep} heatmap {metric}", count_y=False)
                colorbar = heatmap.get_axes()[-1]
                if counts:
                    check_counts(colorbar.yaxis, f"{sweep} heatmap {metric} colour bar")


# -- the checks catch what they are for ---------------------------------------------------------

def _figure() -> tuple[Figure, Axes]:
    fig = style.figure(4, 3)
    return fig, fig.subplots()


def test_the_look_checks_fail_on_the_defects_they_name() -> None:
    with style.style():
        fig, ax = _figure()
        ax.plot([0, 1], [0, 1.5])
        with pytest.raises(AssertionError, match="whole numbers"):
            look(fig, "halves")  # default ticks: 0.0, 0.2, ...
        fig, ax = _figure()
        ax.plot([0, 10], [0, 10], label="data")
        ax.legend(loc="center")
        with pytest.raises(AssertionError, match="legend covers"):
            look(fig, "legend", count_y=False)
        fig, ax = _figure()
        ax.plot([0, 10], [0, 10])
        ax.text(5, 5, "first label")
        ax.text(5.2, 5.1, "second label")
        with pytest.raises(AssertionError, match="overlaps"):
            look(fig, "labels", count_y=False)
        fig = style.figure(4, 3)
        fig.subplots(1, 2)[0].plot([0, 1], [0, 1])  # the second panel stays empty
        with pytest.raises(AssertionError, match="empty"):
            look(fig, "empty", count_y=False)


def test_itlsim_leaves_matplotlib_global_state_alone(tmp_path: Path) -> None:
    """Importing and plotting never selects a backend, imports pyplot or changes rcParams:
    a notebook's own plt.show() keeps working."""
    code = f"""
import sys, matplotlib
raw = dict.__getitem__  # reading rcParams["backend"] the normal way would resolve it
before = {{key: raw(matplotlib.rcParams, key) for key in matplotlib.rcParams}}
from sim.fleet import simulate
from sim.scenario.scenario import load_scenario
from sim.output.plots import recovery_plot
import sim.output.sweepplots
result = simulate(load_scenario({str(ROOT / 'tests/data/scenarios/fixed_times.toml')!r}))
recovery_plot(result, __import__('pathlib').Path(sys.argv[1]))
changed = [key for key in before if raw(matplotlib.rcParams, key) != before[key]]
assert not changed, f"rcParams changed: {{changed}}"
assert "matplotlib.pyplot" not in sys.modules, "pyplot imported"
"""
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path / "recovery.png")],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "recovery.png").read_bytes().startswith(b"\x89PNG")
