"""Plots of a sweep, from its store: recovery curves, metric against a parameter, heatmaps.

Every figure reads on its own: the title names the sweep and the question (its description),
axes carry the parameters' labels and units (from the sweep file) and the metrics' meanings
and units (``METRICS``), and the subtitle says what the error bars or bands are (95 % Student-t
confidence intervals across replications, ``sim.sweep.stats``). Times are shown in minutes, hours or
days (``sim.output.plots.time_axis``); parameters given as times in the unit their ``unit`` names.
Files are written as PNG and/or SVG with deterministic bytes.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import Normalize

from sim.errors import ItlsimError
from sim.output.plots import COLOURS, LABELS, mark_events, time_axis
from sim.scenario.durations import UNITS, human_duration
from sim.scenario.schema import suggest
from sim.sweep.safeexpr import Expression
from sim.sweep.stats import CONFIDENCE, curve_stats, point_stats
from sim.sweep.store import SweepStore

plt.rcParams["svg.hashsalt"] = "itlsim"  # stable SVG ids
FORMATS = ("png", "svg")
MAX_CURVES = 6
TIME = "s"  # the unit of metrics that are durations in seconds
METRICS: dict[str, tuple[str, str]] = {
    "locked_peak": ("most phones locked at once", "phones"),
    "locked_final": ("phones still locked at the end", "phones"),
    "ever_locked": ("phones locked at some time", "phones"),
    "recovered_bulk": ("locked phones recovered without a technician", "phones"),
    "recovered_manual": ("locked phones recovered by a technician", "phones"),
    "not_recovered": ("locked phones never recovered", "phones"),
    "time_to_99pct_trusted_s": ("time until 99 % of phones trust the cluster again", TIME),
    "manual_visits": ("technician visits at phones", "visits"),
    "remote_fixes": ("phones fixed remotely", "phones"),
    "phone_boots": ("phone boots", "boots"),
    "simulated_events": ("simulated events", "events"),
    "rsa_verifications": ("RSA signature checks", "checks"),
    "tftp_peak_in_use": ("most TFTP transfers at once", "transfers"),
    "tftp_peak_queue": ("most phones waiting for TFTP at once", "phones"),
    "tvs_peak_in_use": ("most TVS sessions at once", "sessions"),
    "tvs_peak_queue": ("most phones waiting for TVS at once", "phones"),
    "phones_total": ("phones", "phones"),
    "duration_s": ("simulated time", TIME),
}
_NESTED = {"final_states": "phones {} at the end", "lock_reasons": "phones locked because {}",
           "itl_file_status": "phones with ITL File Status {} at the end",
           "operations": "administrator operations {}"}


@dataclass(frozen=True)
class SweepView:
    """What the plots need from a store: its description and the current points."""

    store: SweepStore
    info: dict[str, Any]
    parameters: dict[str, dict[str, Any]]
    points: pd.DataFrame

    @classmethod
    def of(cls, store: SweepStore, where: str | None = None) -> SweepView:
        info = store.sweep_info()
        parameters = {p["name"]: p for p in info.get("parameters", [])}
        points = store.points()
        if where:
            try:
                expr = Expression.parse(where, list(parameters))
                points = points[[bool(expr.evaluate(row)) for row in
                                 points.to_dict("records")]]
            except ValueError as exc:
                raise ItlsimError(f"--where: {exc}") from None
        if points.empty:
            raise ItlsimError(f"{store.path}: no points to plot"
                              + (f" (--where {where!r} matches none)" if where else ""))
        return cls(store, info, parameters, points)

    def varying(self) -> list[str]:
        """Parameters given in the file (not computed) whose value differs between points."""
        return [name for name, p in self.parameters.items() if not p.get("expr")
                and self.points[name].nunique() > 1]

    def axes(self, x: str | None, y: str | None, *, need_y: bool) -> tuple[str, str | None]:
        """The x (default: the first varying parameter) and y (default: the next) parameters,
        checked against the sweep's (did-you-mean)."""
        varying = self.varying()
        xname = self._parameter(x or next(iter(varying), None), "--x")
        if not need_y:
            return xname, None
        return xname, self._parameter(y or next((p for p in varying if p != xname), None),
                                      "--y")

    def _parameter(self, name: str | None, option: str) -> str:
        if name not in self.parameters:
            names = list(self.parameters)
            raise ItlsimError(f"{option}: unknown parameter {name!r}{suggest(str(name), names)} "
                              f"(parameters: {', '.join(names)})")
        return name

    def metrics(self) -> list[str]:
        """The sweep file's metrics, each checked against the store (did-you-mean)."""
        return [check_metric(self.store, m) for m in self.info.get("metrics") or []]

    def axis(self, name: str) -> tuple[float, str]:
        """Divisor and axis label of parameter ``name``."""
        p = self.parameters[name]
        unit = p.get("unit") or ""
        scale = UNITS.get(unit, 1.0)
        return scale, f"{p['label']} ({unit})" if unit else p["label"]

    def value_text(self, name: str, value: Any) -> str:
        """A value with its unit: times as e.g. ``5 min``, numbers to 3 digits."""
        unit = self.parameters[name].get("unit") or ""
        if not isinstance(value, int | float):
            return str(value)
        if unit in UNITS:
            return human_duration(value)
        return f"{_number(value)}{' ' + unit if unit else ''}"

    def show(self, name: str, value: Any) -> str:
        """``label = value unit`` for legends and panel titles."""
        return f"{self.parameters[name]['label']} = {self.value_text(name, value)}"

    def title(self, what: str) -> str:
        description = self.info.get("description") or ""
        return f"{what}\nsweep {self.info.get('name', '?')}" + (f": {description}"
                                                             if description else "")

    def replications(self) -> int:
        return int(self.info.get("replications", 0))


def metric_label(name: str) -> tuple[str, str]:
    """A reader's description of metric ``name`` and its unit (``"s"`` for times)."""
    if name in METRICS:
        return METRICS[name]
    outer, _, inner = name.partition(".")
    if outer in _NESTED and inner:
        return _NESTED[outer].format(inner), "operations" if outer == "operations" else "phones"
    return name, ""


def check_metric(store: SweepStore, name: str) -> str:
    names = store.metric_names()
    if name not in names:
        raise ItlsimError(f"--metric: no metric {name!r} in {store.path}"
                          f"{suggest(name, names)} (metrics: {', '.join(names)})")
    return name


def _metric_axis(name: str, values: Iterable[float]) -> tuple[float, str]:
    label, unit = metric_label(name)
    if unit != TIME:
        return 1.0, f"{label} ({unit})" if unit else label
    finite = [v for v in values if v is not None and math.isfinite(v)]
    scale, shown = time_axis(max(finite, default=3600.0))
    return scale, f"{label} ({shown})"


def metric_plot(view: SweepView, metric: str, x: str, stem: Path,
                formats: Sequence[str] = FORMATS) -> list[Path]:
    """``metric`` (mean, 95 % CI error bars) against parameter ``x``; a line per combination
    of the other varying parameters."""
    table = _stats(view, metric)
    others = [p for p in view.varying() if p != x]
    yscale, ylabel = _metric_axis(metric, table["mean"])
    xscale, xlabel = view.axis(x)
    fig, ax = plt.subplots(figsize=(9, 5.5), dpi=100)
    groups = table.groupby(others, sort=True) if others else [((), table)]
    for key, group in groups:
        group = group.sort_values(x)
        label = ", ".join(view.show(n, v) for n, v in zip(others, _tuple(key), strict=True))
        xs = group[x].to_numpy(dtype=float) / xscale
        ax.errorbar(xs, group["mean"] / yscale, yerr=group["half_width"].fillna(0) / yscale,
                    marker="o", capsize=4, label=label or None)
        _mark_small_n(ax, xs, group, yscale, view.replications())
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(view.title(f"{metric_label(metric)[0]} vs {view.parameters[x]['label']}"),
                 fontsize=10)
    fig.text(0.01, 0.01, _ci_note(view, "bars"), fontsize=8, color="#444444")
    ax.grid(True, alpha=0.3)
    if others:
        ax.legend(fontsize=8)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    return _save(fig, stem, formats)


def heatmap_plot(view: SweepView, metric: str, x: str, y: str, stem: Path,
                 formats: Sequence[str] = FORMATS) -> list[Path]:
    """Mean ``metric`` over a grid of parameters ``x`` and ``y``, each cell annotated."""
    table = _stats(view, metric)
    if table.duplicated([x, y]).any():
        rest = [p for p in view.varying() if p not in (x, y)]
        example = f" e.g. --where \"{rest[0]} == {table[rest[0]].iloc[0]!r}\"" if rest else ""
        raise ItlsimError(f"heatmap: several points fall into one cell of {x} x {y}; fix the "
                          f"other parameters ({', '.join(rest)}) with --where{example}")
    grid = table.pivot(index=y, columns=x, values="mean").sort_index().sort_index(axis=1)
    half = table.pivot(index=y, columns=x, values="half_width").reindex_like(grid)
    scale, label = _metric_axis(metric, table["mean"])
    fig, ax = plt.subplots(figsize=(9, 6), dpi=100)
    image = ax.imshow(grid.to_numpy(dtype=float) / scale, origin="lower", aspect="auto",
                      cmap=plt.get_cmap("viridis").with_extremes(bad="#d9d9d9"))
    fig.colorbar(image, ax=ax, label=label)
    norm = image.norm
    assert isinstance(norm, Normalize)  # imshow's default; maps a float to a float
    for (row, col), value in np.ndenumerate(grid.to_numpy(dtype=float)):
        width = half.to_numpy(dtype=float)[row, col]
        text = "never" if math.isnan(value) else _number(value / scale) + (
            f"\n±{_number(width / scale, 2)}" if math.isfinite(width) and width > 0 else "")
        bright = math.isnan(value) or norm(value / scale) > 0.6
        ax.text(col, row, text, ha="center", va="center", fontsize=7,
                color="black" if bright else "white")
    ax.set_xticks(range(grid.shape[1]), [view.value_text(x, v) for v in grid.columns])
    ax.set_yticks(range(grid.shape[0]), [view.value_text(y, v) for v in grid.index])
    ax.set_xlabel(view.parameters[x]["label"])
    ax.set_ylabel(view.parameters[y]["label"])
    ax.set_title(view.title(f"{metric_label(metric)[0]} (mean over replications)"),
                 fontsize=10)
    fig.text(0.01, 0.01, _ci_note(view, "±") + "; 'never': no replication reached it",
             fontsize=8, color="#444444")
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    return _save(fig, stem, formats)


def curves_plot(view: SweepView, stem: Path, formats: Sequence[str] = FORMATS) -> list[Path]:
    """Phones per state over time for up to ``MAX_CURVES`` points (spread over the sweep):
    the mean across replications, the 95 % CI as a band, the timeline marked."""
    points = _curve_points(view)
    curves = curve_stats(view.store, points.point_key)
    columns = min(len(points), 3)
    rows = math.ceil(len(points) / columns)
    fig, axes = plt.subplots(rows, columns, figsize=(5.2 * columns, 3.6 * rows + 1.2),
                             dpi=100, sharey=True, squeeze=False)
    duration = curves["time_s"].max() if len(curves) else 3600.0
    scale, unit = time_axis(duration)
    for ax, point in zip(axes.flat, points.to_dict("records"), strict=False):
        _curve_panel(ax, view, point, curves[curves.point_key == point["point_key"]], scale)
        ax.set_xlabel(f"time since start ({unit})")
    for ax in list(axes.flat)[len(points):]:
        ax.set_visible(False)
    axes[0][0].set_ylabel("phones")
    handles = {h.get_label(): h for ax in axes.flat for h in ax.get_lines()
               if not h.get_label().startswith("_")}
    fig.legend(handles.values(), handles.keys(), loc="lower center", ncol=5, fontsize=8)
    fig.suptitle(view.title("phones by state over time (mean line, 95 % CI band across "
                            "replications)"), fontsize=10)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    return _save(fig, stem, formats)


def _curve_points(view: SweepView) -> pd.DataFrame:
    """Points along the first varying parameter, the others at their largest value (where
    effects show most); at most ``MAX_CURVES``, spread evenly."""
    points = view.points
    varying = view.varying()
    for name in varying[1:]:
        points = points[points[name] == points[name].max()]
    if varying:
        points = points.sort_values(varying[0])
    picks = np.unique(np.linspace(0, len(points) - 1, MAX_CURVES).round().astype(int))
    return points.iloc[picks]


def _curve_panel(ax: plt.Axes, view: SweepView, point: dict[str, Any], curves: pd.DataFrame,
                 scale: float) -> None:
    for state, rows in curves.groupby("state", sort=False):
        if not rows["mean"].any():
            continue
        t = rows["time_s"] / scale
        colour = COLOURS.get(state, "#000000")
        ax.plot(t, rows["mean"], color=colour, label=LABELS.get(state, state), linewidth=1.5)
        ax.fill_between(t, rows["ci_low"].fillna(rows["mean"]),
                        rows["ci_high"].fillna(rows["mean"]), color=colour, alpha=0.25,
                        linewidth=0)
    span = float(curves["time_s"].max()) if len(curves) else 0.0
    mark_events(ax, _merged(_markers(view.store, point["point_key"]), span / 40), scale)
    shown = [view.show(n, point[n]) for n in view.varying()]
    ax.set_title("\n".join(shown) or f"point {point['point_index']}", fontsize=8)
    ax.grid(True, alpha=0.3)


def _markers(store: SweepStore, point_key: str) -> list[tuple[float, str]]:
    rows = store.sql("SELECT markers FROM runs WHERE point_key = ? AND status = 'ok' "
                     "ORDER BY replication LIMIT 1", [point_key])
    if rows.empty:
        return []
    return [(float(at), str(label)) for at, label in json.loads(rows.markers.iloc[0])]


def _merged(markers: list[tuple[float, str]], gap: float) -> list[tuple[float, str]]:
    """Markers closer than ``gap`` seconds as one (their labels would overlap in a panel)."""
    groups: list[list[tuple[float, str]]] = []
    for marker in sorted(markers):
        if groups and marker[0] - groups[-1][0][0] < gap:
            groups[-1].append(marker)
        else:
            groups.append([marker])
    return [(group[0][0], group[0][1] + (f" (+{len(group) - 1} more)" if len(group) > 1
                                         else "")) for group in groups]


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


def _number(value: float, digits: int = 3) -> str:
    """``digits`` significant digits, never in exponent notation: 0.0833, 1,520."""
    if abs(value) >= 10 ** digits:
        return f"{value:,.0f}"
    return f"{value:.{digits}g}"


def _tuple(key: Any) -> tuple:
    return key if isinstance(key, tuple) else (key,)


def _mark_small_n(ax: plt.Axes, xs: np.ndarray, group: pd.DataFrame, scale: float,
                  replications: int) -> None:
    """Say ``n=k`` where fewer replications than planned have a value (e.g. some never did)."""
    for xv, (n, mean) in zip(xs, group[["n", "mean"]].itertuples(index=False), strict=True):
        if n < replications and math.isfinite(mean):
            ax.annotate(f"n={n}", (xv, mean / scale), textcoords="offset points",
                        xytext=(4, 4), fontsize=7)


def _ci_note(view: SweepView, marks: str) -> str:
    return (f"{view.replications()} replications per point (common random numbers); "
            f"{marks}: {CONFIDENCE:.0%} Student-t confidence interval of the mean")


def _save(fig: plt.Figure, stem: Path, formats: Sequence[str]) -> list[Path]:
    stem.parent.mkdir(parents=True, exist_ok=True)
    paths = []
    for fmt in formats:
        path = stem.with_suffix(f".{fmt}")
        fig.savefig(path, metadata={"Software": None} if fmt == "png" else {"Date": None})
        paths.append(path)
    plt.close(fig)
    return paths


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
