"""``itlsim report SWEEP_DIR``: a sweep's answer on one self-contained page.

From the store only (``sim.sweep.store``): the question (the sweep's description), the plan
(the timeline of the first point's first run, refused operations marked), what varies (the
parameters), the answer per point (every chosen metric's mean with its 95 % Student-t
confidence interval across replications, ``sim.sweep.stats``), the comparison plots with their
intervals (the figures of ``sim.output.sweepplots``, inlined as SVG), the assumptions the runs
recorded and provenance. Per-phone results are not stored for sweeps, so the page has no work
list: it says which point to run with ``itlsim run`` for one.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import pandas as pd
from markupsafe import Markup

from sim import __version__
from sim.output import style
from sim.output.metricdefs import null_text
from sim.output.report import assumption_rows, environment, value_text
from sim.output.svgtext import inline
from sim.output.sweepplots import curves_figure, metric_figure
from sim.output.sweepview import SweepView, metric_label
from sim.sweep.stats import CONFIDENCE, point_stats
from sim.sweep.store import SweepStore

FACTS = ("ever_locked", "outage_phones", "change_start_s")
"""The counts that say why a metric is null (``metricdefs.null_text``)."""
DEFAULT_METRICS = ("locked_final", "ever_locked", "recovered_manual",
                   "time_to_99pct_locked_recovered_s", "outage_p95_s")


def sweep_page(folder: Any) -> str:
    """The sweep report's HTML (module docstring)."""
    with SweepStore.open(folder, read_only=True) as store:
        context = sweep_context(SweepView.of(store))
    return environment().get_template("sweep.html.j2").render(**context)


def sweep_context(view: SweepView) -> dict[str, Any]:
    """Everything the sweep template shows."""
    info, store = view.info, view.store
    metrics = view.metrics() or [m for m in DEFAULT_METRICS if m in store.metric_names()]
    runs = store.runs()
    first = runs[runs.status == "ok"].sort_values(["point_key", "replication"]).head(1)
    summary = json.loads(first.summary.iloc[0]) if len(first) else {}
    return {
        "title": f"Sweep report: {info.get('name', '?')}",
        "description": info.get("description") or "",
        "version": __version__,
        "info": info,
        "files": files(info),
        "parameters": [{"name": name, "label": p.get("label", name), "path": p.get("path"),
                        "shown": [view.value_text(name, v) for v in
                                   view.order(name, view.points[name])]}
                       for name, p in view.parameters.items()],
        "varying": [view.parameters[p].get("label", p) for p in view.varying()],
        "metrics": [{"key": m, "label": metric_label(m)[0]} for m in metrics],
        "rows": _rows(view, metrics),
        "plots": _plots(view, metrics),
        "plan": json.loads(first.markers.iloc[0]) if len(first) else [],
        "runs": {"ok": int((runs.status == "ok").sum()),
                 "failed": int((runs.status == "failed").sum())},
        "provenance": _provenance(runs),
        "assumptions": assumption_rows(summary.get("assumptions", {})),
        "swept_assumptions": [p["path"] for p in info.get("parameters", [])
                              if str(p.get("path") or "").startswith("assumptions.")],
        "confidence": f"{CONFIDENCE:.0%}",
        "replications": view.replications(),
    }


def files(info: dict[str, Any]) -> dict[str, str]:
    """The sweep file by its name and the base scenario as the sweep file names it (relative
    to it), recovered from the paths the store keeps to resume (``base`` is the sweep file's
    folder joined with ``[sweep] base``): the page is then the same bytes from any checkout,
    as ``itlsim import`` names its inputs."""
    sweep_file, base = str(info.get("sweep_file") or ""), str(info.get("base") or "")
    folder = str(Path(sweep_file).parent)
    prefix = "" if folder == "." else folder.rstrip(os.sep) + os.sep
    return {"sweep": Path(sweep_file).name,
            "base": base[len(prefix):] if prefix and base.startswith(prefix) else base}


def _rows(view: SweepView, metrics: list[str]) -> list[dict[str, Any]]:
    """Per point: its parameter values and, per metric, mean and interval."""
    table = point_stats(view.store, list(dict.fromkeys([*metrics, *FACTS])))
    table = table[table.point_key.isin(view.points.point_key)]
    rows = []
    for key, frame in table.groupby("point_index", sort=True):
        first = frame.iloc[0]
        facts = {m: None if pd.isna(v) else float(v)
                 for m, v in zip(frame.metric, frame["mean"], strict=True) if m in FACTS}
        cells = {m: _cell(m, frame[frame.metric == m], facts) for m in metrics}
        rows.append({"index": int(key),
                     "shown": [view.value_text(p, first[p]) for p in view.varying()],
                     "cells": [cells[m] for m in metrics]})
    return rows


def _cell(metric: str, frame: pd.DataFrame, facts: dict[str, float | None]) -> dict[str, Any]:
    """A metric's mean and interval at one point; null in every replication, what that means
    (``null_text`` on the point's means of ``FACTS``: "none locked" where no phone locked)."""
    if frame.empty or pd.isna(frame["mean"].iloc[0]):
        return {"mean": None, "text": null_text(metric, facts), "interval": ""}
    row = frame.iloc[0]
    mean, low, high = float(row["mean"]), row["ci_low"], row["ci_high"]
    interval = ("" if pd.isna(low) or math.isclose(low, high) else
                f"{value_text(metric, max(float(low), 0.0))} to {value_text(metric, float(high))}")
    return {"mean": mean, "text": value_text(metric, mean), "interval": interval,
            "n": int(row["n"])}


def _plots(view: SweepView, metrics: list[str]) -> list[dict[str, Any]]:
    """The comparison plots, each as inline SVG: the curves, then each metric against the
    first varying parameter (error bars: the confidence interval)."""
    shown = []
    with style.style():
        figures = [("curves", "phones by state over time, mean and 95 % band",
                    curves_figure(view))]
        if view.varying():
            figures += [(f"metric-{m}", metric_label(m)[0],
                         metric_figure(view, m, view.varying()[0])) for m in metrics]
        for prefix, title, figure in figures:
            svg = inline(style.svg(figure), prefix, title)
            shown.append({"title": title, "svg": Markup(svg)})
    return shown


def _provenance(runs: pd.DataFrame) -> dict[str, str]:
    """The code that made the runs (itlsim version, revision, digest of the sources)."""
    found = {}
    for column in ("itlsim_version", "revision", "code"):
        values = sorted({str(v) for v in runs[column].dropna()})
        found[column] = ", ".join(values) or "?"
    return found
