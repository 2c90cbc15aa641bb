"""Plots of a sweep, from its store: recovery curves, metric against a parameter, heatmaps.

Every figure reads on its own: the title names the sweep and the question (its description),
axes carry the parameters' labels and units (from the sweep file) and the metrics' meanings
and units (``sim.output.sweepview.METRICS``), and a footer says what the error bars or bands
are (95 % Student-t confidence intervals across replications, ``sim.sweep.stats``). Parameters
marked ``categorical`` (or with values that are not numbers) get evenly spaced categories in
file order; metric axes start at zero; more than ``MAX_SERIES`` lines are split into panels.
Files are PNG and/or SVG with deterministic bytes; the look is ``sim.output.style``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import Normalize
from matplotlib.figure import Figure

from sim.errors import ItlsimError
from sim.fleet.timeline import Marker
from sim.output import style
from sim.output.formats import number
from sim.output.plots import STATES_LOOK
from sim.output.sweepview import (
    TIME,
    SweepView,
    check_metric,
    finite,
    is_count,
    metric_label,
    with_unit,
)
from sim.sweep.stats import CONFIDENCE, curve_stats, point_stats
from sim.sweep.store import SweepStore

FORMATS = ("png", "svg")
MAX_CURVES = 6  # points shown in the curves plot
MAX_SERIES = 6  # lines in one panel of a metric plot; more are split into panels
COLUMNS = 3
PANEL_WIDTH = 4.6  # inches per panel of the curves grid


def _metric_axis(name: str, values: Any) -> tuple[float, str, bool]:
    """Divisor, label and whether it is a count, for metric ``name`` with ``values``."""
    label, unit = metric_label(name)
    if unit != TIME:
        return 1.0, with_unit(label, unit), is_count(unit)
    axis = style.TimeAxis.for_span(max(finite(values), default=3600.0))
    return axis.scale, f"{label} ({axis.unit})", False


def _grid(count: int, width: float, height: float, footer: str
          ) -> tuple[Figure, Any, list[Axes]]:
    """A figure with ``count`` panels, at most ``COLUMNS`` a row, y axes shared, and the
    ``footer`` text below; returns the figure, the part holding the panels, the panels."""
    columns = min(count, COLUMNS)
    rows = math.ceil(count / columns)
    fig, main = style.with_footer(width * columns + 0.8, height * rows + 1.6, footer)
    axes = main.subplots(rows, columns, sharey=True, squeeze=False).flatten().tolist()
    for ax in axes[count:]:
        ax.remove()
    return fig, main, axes[:count]


Line = tuple[int, str, pd.DataFrame]  # (index: colour and style, legend label, points)


def _panels(view: SweepView, table: pd.DataFrame, others: list[str]
            ) -> list[tuple[str, list[Line]]]:
    """Panels of (title, lines): a line per value of the first other parameter, a panel per
    combination of the rest, and at most ``MAX_SERIES`` lines a panel (a line keeps its colour
    and style in every panel)."""
    if not others:
        return [("", [(0, "", table)])]
    series, facets = others[0], others[1:]
    panels = []
    keys = table.groupby(facets, sort=True) if facets else [((), table)]
    for key, frame in keys:
        title = ", ".join(view.show(n, v) for n, v in zip(facets, _tuple(key), strict=True))
        values = view.order(series, table[series])
        lines = [(i, view.show(series, v), frame[frame[series] == v])
                 for i, v in enumerate(values) if (frame[series] == v).any()]
        parts = math.ceil(len(lines) / MAX_SERIES)
        size = math.ceil(len(lines) / parts)  # balanced: 7 lines as 4 + 3, not 6 + 1
        for part in range(parts):
            name = f"{title} ({part + 1} of {parts})" if parts > 1 else title
            panels.append((name.strip(), lines[part * size:(part + 1) * size]))
    return panels


def metric_plot(view: SweepView, metric: str, x: str, stem: Path,
                formats: Sequence[str] = FORMATS) -> list[Path]:
    """``metric`` (mean, 95 % CI error bars) against parameter ``x`` (``metric_figure``)."""
    with style.style():
        return _save(metric_figure(view, metric, x), stem, formats)


def metric_figure(view: SweepView, metric: str, x: str) -> Figure:
    """``metric`` against ``x``: a line per value of the next varying parameter, a panel per
    combination of the others; call inside ``style.style()``."""
    table = _stats(view, metric)
    others = [p for p in view.varying() if p != x]
    yscale, ylabel, counts = _metric_axis(metric, table["mean"])
    panels = _panels(view, table, others)
    width = 4.6 if len(panels) > 1 else 8.4
    note = style.list_text([_ci_note(view, "bars") + _small_n_note(table, view)],
                           width * min(len(panels), COLUMNS))
    fig, main, axes = _grid(len(panels), width, 4.2, note)
    for ax, (title, lines) in zip(axes, panels, strict=True):
        _metric_panel(ax, view, x, lines, yscale)
        ax.set_title(title, fontsize=9)
        (style.count_axis if counts else style.number_axis)(ax.yaxis)
    axes[0].set_ylim(bottom=0)  # after every panel's data: shared, never truncated
    for ax in axes[::COLUMNS]:
        ax.set_ylabel(ylabel)
    if others:
        shown = {label: handle for ax in axes
                 for handle, label in zip(*ax.get_legend_handles_labels(), strict=True)}
        labels = [label for _, lines in panels for _, label, _ in lines]
        labels = list(dict.fromkeys(label for label in labels if label in shown))
        main.legend([shown[label] for label in labels], labels, loc="outside lower center",
                    ncols=style.legend_columns(labels, fig.get_figwidth() - 0.4))
    main.suptitle(style.fit(view.title(f"{metric_label(metric)[0]} vs "
                                       f"{view.parameters[x]['label']}"),
                            fig.get_figwidth() - 0.4), fontsize=10)
    return fig


def _metric_panel(ax: Axes, view: SweepView, x: str, lines: list[Line], yscale: float
                  ) -> None:
    xscale, xlabel = view.axis(x)
    categories = view.order(x, view.points[x]) if view.categorical(x) else None
    for i, label, group in lines:
        group = group.set_index(x).reindex(view.order(x, group[x])).reset_index()
        xs = (np.array([categories.index(v) for v in group[x]]) if categories is not None
              else group[x].to_numpy(dtype=float) / xscale)
        ax.errorbar(xs, group["mean"] / yscale, yerr=group["half_width"].fillna(0) / yscale,
                    color=style.CYCLE[i % len(style.CYCLE)],
                    linestyle=style.DASHES[i % len(style.DASHES)],
                    marker=style.MARKERS[i % len(style.MARKERS)], capsize=3, linewidth=1.6,
                    markersize=5, label=label or None)
    if categories is not None:
        ax.set_xticks(range(len(categories)), [view.value_text(x, v) for v in categories])
        ax.set_xlim(-0.5, len(categories) - 0.5)
    elif is_count(view.parameters[x].get("unit") or "") and xscale == 1.0:
        style.count_axis(ax.xaxis)  # no "1.5 technicians"
    else:
        style.number_axis(ax.xaxis)
    ax.set_xlabel(xlabel)


def heatmap_plot(view: SweepView, metric: str, x: str, y: str, stem: Path,
                 formats: Sequence[str] = FORMATS) -> list[Path]:
    """Mean ``metric`` over a grid of parameters ``x`` and ``y`` (``heatmap_figure``)."""
    with style.style():
        return _save(heatmap_figure(view, metric, x, y), stem, formats)


def heatmap_figure(view: SweepView, metric: str, x: str, y: str) -> Figure:
    """Mean ``metric`` over a grid of parameters ``x`` and ``y``, each cell annotated; call
    inside ``style.style()``."""
    table = _stats(view, metric)
    if table.duplicated([x, y]).any():
        rest = [p for p in view.varying() if p not in (x, y)]
        example = f" e.g. --where \"{rest[0]} == {table[rest[0]].iloc[0]!r}\"" if rest else ""
        raise ItlsimError(f"heatmap: several points fall into one cell of {x} x {y}; fix the "
                          f"other parameters ({', '.join(rest)}) with --where{example}")
    columns, rows = view.order(x, table[x]), view.order(y, table[y])
    grid = table.pivot(index=y, columns=x, values="mean").reindex(index=rows, columns=columns)
    half = table.pivot(index=y, columns=x, values="half_width").reindex_like(grid)
    scale, label, counts = _metric_axis(metric, table["mean"])
    fig, main = style.with_footer(9, 6.2, style.list_text(
        [_ci_note(view, "±") + "; 'none': no replication has a value"], 8.8))
    ax = main.subplots()
    ax.grid(False)
    cells = grid.to_numpy(dtype=float) / scale
    image = ax.imshow(cells, origin="lower", aspect="auto",
                      cmap=matplotlib.colormaps["viridis"].with_extremes(bad="#d9d9d9"))
    bar = main.colorbar(image, ax=ax, label=label)
    (style.count_axis if counts else style.number_axis)(bar.ax.yaxis)
    _annotate_cells(ax, cells, half.to_numpy(dtype=float) / scale, image.norm)
    ax.set_xticks(range(len(columns)), [view.value_text(x, v) for v in columns])
    ax.set_yticks(range(len(rows)), [view.value_text(y, v) for v in rows])
    ax.set_xlabel(view.parameters[x]["label"])
    ax.set_ylabel(view.parameters[y]["label"])
    main.suptitle(style.fit(view.title(f"{metric_label(metric)[0]} (mean over "
                                       f"replications)"), 8.6), fontsize=10)
    return fig


def _annotate_cells(ax: Axes, cells: np.ndarray, half: np.ndarray, norm: Any) -> None:
    assert isinstance(norm, Normalize)  # imshow's default; maps a float to a float
    for (row, col), cell in np.ndenumerate(cells):
        value, width = float(cell), float(half[row, col])
        text = "none" if math.isnan(value) else number(value) + (
            f"\n±{number(width, 2)}" if math.isfinite(width) and width > 0 else "")
        bright = math.isnan(value) or norm(value) > 0.6
        ax.text(col, row, text, ha="center", va="center", fontsize=7,
                color="black" if bright else "white")


def curves_plot(view: SweepView, stem: Path, formats: Sequence[str] = FORMATS) -> list[Path]:
    """Phones per state over time for a few points (``curves_figure``)."""
    with style.style():
        return _save(curves_figure(view), stem, formats)


def curves_figure(view: SweepView) -> Figure:
    """Phones per state over time for up to ``MAX_CURVES`` points (spread over the sweep):
    the mean across replications as a step line, the 95 % CI as a band, the events numbered
    (the same event has the same number in every panel; the list is below); call inside
    ``style.style()``."""
    points = _curve_points(view)
    curves = curve_stats(view.store, points.point_key)
    duration = float(curves["time_s"].max()) if len(curves) else 3600.0
    axis = style.TimeAxis.for_span(duration)
    markers = {key: _markers(view.store, key) for key in points.point_key}
    labels = list(dict.fromkeys(m.label for ms in markers.values() for m in ms))
    events = [f"{i:>2}  {label}" for i, label in enumerate(labels, start=1)]
    columns = min(len(points), COLUMNS)
    footer = style.list_text(events + [_ci_note(view, "bands")], PANEL_WIDTH * columns + 0.6)
    fig, main, axes = _grid(len(points), PANEL_WIDTH, 3.3, footer)
    for ax, point in zip(axes, points.to_dict("records"), strict=True):
        _curve_panel(ax, view, point, curves[curves.point_key == point["point_key"]], axis)
        axis.apply(ax, duration)
        style.count_axis(ax.yaxis)
        style.draw_marks(ax, [style.Mark(m.at, labels.index(m.label) + 1,
                                         m.status == "refused")
                              for m in markers[point["point_key"]]], axis, badges=True)
    axes[0].set_ylim(bottom=0)
    for ax in axes[::COLUMNS]:
        ax.set_ylabel("phones")
    handles = {h.get_label(): h for ax in axes for h in ax.get_lines()}
    shown = [look["label"] for look in STATES_LOOK.values() if look["label"] in handles]
    main.legend([handles[label] for label in shown], shown, loc="outside lower center",
                ncols=style.legend_columns(shown, fig.get_figwidth() - 0.4))
    main.suptitle(style.fit(view.title("phones by state over time (mean of the "
                                       "replications, 95 % CI band)"),
                            fig.get_figwidth() - 0.4), fontsize=10)
    return fig


def _curve_points(view: SweepView) -> pd.DataFrame:
    """Points along the first varying parameter, the others at their largest value (where
    effects show most); at most ``MAX_CURVES``, spread evenly."""
    points = view.points
    varying = view.varying()
    for name in varying[1:]:
        points = points[points[name] == points[name].max()]
    if varying:
        order = view.order(varying[0], points[varying[0]])
        points = points.assign(_rank=[order.index(v) for v in points[varying[0]]]) \
            .sort_values("_rank").drop(columns="_rank")
    picks = np.unique(np.linspace(0, len(points) - 1, MAX_CURVES).round().astype(int))
    return points.iloc[picks]


def _curve_panel(ax: Axes, view: SweepView, point: dict[str, Any], curves: pd.DataFrame,
                 axis: style.TimeAxis) -> None:
    for state, rows in curves.groupby("state", sort=False):
        if not rows["mean"].any():
            continue
        look = {k: v for k, v in STATES_LOOK.get(state, {"label": state}).items()
                if k != "fill"}
        t = axis.x(rows["time_s"].to_numpy(dtype=float))
        ax.plot(t, rows["mean"], drawstyle="steps-post", **look)
        ax.fill_between(t, rows["ci_low"].fillna(rows["mean"]),
                        rows["ci_high"].fillna(rows["mean"]), step="post",
                        color=look.get("color"), alpha=0.2, linewidth=0)
    shown = [view.show(n, point[n]) for n in view.varying()]
    ax.set_title("\n".join(shown) or style.fit(view.point_label(point), PANEL_WIDTH - 0.2, 8),
                 fontsize=8, pad=16)


def _markers(store: SweepStore, point_key: str) -> list[Marker]:
    """The events of the point's first successful run (older stores: ``[at, label]``)."""
    rows = store.sql("SELECT markers FROM runs WHERE point_key = ? AND status = 'ok' "
                     "ORDER BY replication LIMIT 1", [point_key])
    if rows.empty:
        return []
    return [Marker(float(row[0]), str(row[1]), *row[2:]) for row in
            json.loads(rows.markers.iloc[0])]


def default_plots(view: SweepView, folder: Path, formats: Sequence[str] = FORMATS,
                  metrics: Sequence[str] | None = None) -> list[Path]:
    """The useful set: curves, then for each metric (default: the sweep file's) the metric
    against the first varying parameter and, with two, a heatmap over both."""
    written = curves_plot(view, folder / "curves", formats)
    varying = view.varying()
    for metric in metrics or view.metrics():
        if varying:
            written += metric_plot(view, metric, varying[0], folder / f"metric_{metric}",
                                   formats)
        if len(varying) >= 2:
            written += heatmap_plot(view, metric, varying[0], varying[1],
                                    folder / f"heatmap_{metric}", formats)
    return written


def _stats(view: SweepView, metric: str) -> pd.DataFrame:
    table = point_stats(view.store, [check_metric(view.store, metric)])
    return table[table.point_key.isin(view.points.point_key)]


def _tuple(key: Any) -> tuple:
    return key if isinstance(key, tuple) else (key,)


def _small_n_note(table: pd.DataFrame, view: SweepView) -> str:
    """Name the points where fewer replications than planned have a value (a run that never
    reaches it has none), so a mean over fewer runs is not read as one over all."""
    short = table[table["n"] < view.replications()]
    if short.empty:
        return ""
    named = ["; ".join(view.show(p, row[p]) for p in view.varying()) + f" (n = {row['n']})"
             for row in short.head(4).to_dict("records")]
    more = f" and {len(short) - 4} more" if len(short) > 4 else ""
    return f". Fewer replications have a value at: {' | '.join(named)}{more}"


def _ci_note(view: SweepView, marks: str) -> str:
    return (f"{view.replications()} replications per point (common random numbers); "
            f"{marks}: {CONFIDENCE:.0%} Student-t confidence interval of the mean")


def _save(fig: Figure, stem: Path, formats: Sequence[str]) -> list[Path]:
    return [style.save(fig, stem.with_suffix(f".{fmt}")) for fmt in formats]


def render(target: str | Path, *, kind: str | None = None, metric: str | None = None,
           x: str | None = None, y: str | None = None, where: str | None = None,
           formats: Sequence[str] = FORMATS, out: str | Path | None = None) -> list[Path]:
    """``itlsim plot``: the default set, or one ``kind`` of plot, into a folder or one file."""
    with SweepStore.open(target, read_only=True) as store:
        view = SweepView.of(store, where)
        path = Path(out) if out is not None else store.path.parent / "plots"
        one_file = path.suffix in (".png", ".svg")
        if kind is None:
            if one_file:
                raise ItlsimError(f"--out {path}: one file holds one plot; choose it with "
                                  f"--kind, or give a folder")
            return default_plots(view, path, formats, [metric] if metric else None)
        if one_file:
            formats = (path.suffix[1:],)

        def stem(name: str) -> Path:
            return path.with_suffix("") if one_file else path / name

        if kind == "curves":
            return curves_plot(view, stem("curves"), formats)
        xname, yname = view.axes(x, y, need_y=kind == "heatmap")
        written: list[Path] = []
        for name in [metric] if metric else view.metrics()[:1 if one_file else None]:
            if kind == "metric":
                written += metric_plot(view, name, xname, stem(f"metric_{name}"), formats)
            else:
                assert yname is not None  # a heatmap asked axes() for a y (need_y)
                written += heatmap_plot(view, name, xname, yname, stem(f"heatmap_{name}"),
                                        formats)
        return written
