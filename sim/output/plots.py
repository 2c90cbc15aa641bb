"""``recovery.png``: phones by state over time with the timeline marked, the recovery curves
(bulk against manual work) when phones locked, and the numbered list of events below.

Readable on its own: the title names the scenario and fleet and the outcome metrics
(``sim.fleet.metrics``); counts are step lines (exact: ``RunResult.detailed_series`` keeps
every dip and peak), each state with a fixed colour and line style (``STATES_LOOK``), and the
registered phones dotted over them (``REGISTERED_LOOK``, P9); with several clusters a panel
of phones by cluster (registered to it, option 150 pointing at it); every
administrator action is a numbered line, refused ones dotted grey and marked ✗ "refused" with
CUCM's message in the list. The x axis is clock time when the scenario has a start.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from sim.fleet.series import column
from sim.output import style
from sim.output.formats import at as at_text
from sim.output.formats import count, span

if TYPE_CHECKING:
    from sim.fleet.run import RunResult
    from sim.fleet.timeline import Marker

Panel = Callable[[Axes, "RunResult", style.TimeAxis], None]

STATES_LOOK: dict[str, dict[str, Any]] = {
    "trusted": {"color": style.GREEN, "linestyle": "-", "linewidth": 2.0,
                "label": "trusted (ITL and config accepted)"},
    "locked": {"color": style.VERMILLION, "linestyle": (0, (5, 2)), "linewidth": 2.4,
               "label": "locked (Trust List Update Failed)"},
    "booting": {"color": style.ORANGE, "linestyle": (0, (1, 1.2)), "linewidth": 1.8,
                "fill": True, "label": "booting / fetching files"},
    "offline": {"color": style.GREY, "linestyle": (0, (6, 2, 1.5, 2)), "linewidth": 1.6,
                "fill": True, "label": "offline (powered off)"},
    "unsecured": {"color": style.PURPLE, "linestyle": (0, (8, 2, 2, 2, 2, 2)),
                  "linewidth": 1.8, "label": "empty ITL (rollback, no checks)"},
}
"""Colour and line style per state; ``fill`` states are areas in ``recovery.png`` (transient
or switched-off phones under the lines) and lines in sweep curves (where bands are the areas)."""
REGISTERED_LOOK: dict[str, Any] = {
    "color": style.SKY, "linestyle": (0, (1, 2.5)), "linewidth": 2.2,
    "label": "registered to a CallManager (any state, P9)"}
"""Registered phones: a count across the states, drawn over them."""
RECOVERY_LOOK: dict[str, dict[str, Any]] = {
    "bulk": {"color": style.BLUE, "linestyle": "-", "linewidth": 2.0,
             "label": "without a technician (bulk reset, TVS)"},
    "manual": {"color": style.BLACK, "linestyle": (0, (5, 2)), "linewidth": 1.8,
               "label": "by a technician (ITL erased at the phone or remotely)"},
}
EVENT_LOOK: dict[str, dict[str, Any]] = {
    "done": {"color": style.DARK, "linestyle": (0, (4, 3)), "linewidth": 0.8,
             "label": "event (numbered below)"},
    "refused": {"color": style.GREY, "linestyle": (0, (1, 2)), "linewidth": 1.0,
                "label": "\u2717 refused by CUCM (nothing changed)"},
}
WIDTH = 11.0


def recovery_plot(result: RunResult, path: Path, *more: Path) -> None:
    """Write ``recovery.png`` (and the same figure to ``more`` paths, e.g. the SVG the report
    inlines), deterministic bytes."""
    with style.style():
        figure = recovery_figure(result)
        for target in (path, *more):
            style.save(figure, target)


def recovery_figure(result: RunResult) -> Figure:
    """The figure of ``recovery_plot``; call inside ``style.style()``."""
    summary = result.summary
    text = style.list_text(event_lines(result.markers, result.scenario.start), WIDTH - 0.2)
    panels: list[tuple[float, Panel]] = [(3.6, _state_panel)]
    if result.collector.clusters:
        panels.append((2.0, _cluster_panel))
    if len(result.collector.recovery_time) > 0:
        panels.append((1.5, _recovery_panel))
    heights = [height for height, _ in panels]
    fig, main = style.with_footer(WIDTH, sum(heights) + 1.1, text)
    axes = main.subplots(len(heights), 1, height_ratios=heights, squeeze=False)[:, 0]
    axis = style.TimeAxis.for_span(summary["duration_s"], result.scenario.start)
    for i, (ax, (_, draw)) in enumerate(zip(axes, panels, strict=True)):
        if i:
            ax.sharex(axes[0])
        draw(ax, result, axis)
    for ax in axes[:-1]:  # the time axis is labelled once, under the last panel
        ax.tick_params(labelbottom=False)
        ax.set_xlabel("")
    marks = [style.Mark(m.at, i, m.status == "refused")
             for i, m in enumerate(result.markers, start=1)]
    for i, ax in enumerate(axes):
        style.draw_marks(ax, marks, axis, badges=i == 0)
    main.suptitle(_title(result), fontsize=10)
    return fig


def _title(result: RunResult) -> str:
    s = result.summary
    head = f"{s['scenario']}: {count(s['phones_total'])} phones"
    if s["change_start_s"] is None:
        return f"{head}: no change (no disruptive operation, nothing locked)"
    parts = [f"change at {at_text(s['change_start_s'], result.scenario.start)}"]
    recovered, back = s["time_to_99pct_locked_recovered_s"], s["time_to_pre_change_working_s"]
    if s["ever_locked"]:
        parts += [f"{count(s['ever_locked'])} phones locked (peak {count(s['locked_peak'])})",
                  f"99 % of them working again after {span(recovered)}" if recovered is not None
                  else "fewer than 99 % of them working again by the end",
                  f"{count(s['locked_phone_hours'])} locked phone-hours"]
    else:
        parts.append("nothing locked")
    working = count(s["pre_change_working"])
    parts.append(f"back to {working} working phones after {span(back)}" if back is not None
                 else f"not back to {working} working phones by the end")
    return f"{head}\n" + style.join_fitting(parts, WIDTH - 0.4)


def _state_panel(ax: Axes, result: RunResult, axis: style.TimeAxis) -> None:
    series = result.detailed_series
    times = axis.x(np.array([t for t, _ in series]))
    counts = np.array([c for _, c in series]).reshape(len(series), len(result.states))
    for i, state in enumerate(result.states):
        look = {k: v for k, v in STATES_LOOK[state].items() if k != "fill"}
        if not counts[:, i].any():
            continue
        if STATES_LOOK[state].get("fill"):
            ax.fill_between(times, counts[:, i], step="post", alpha=0.4, linewidth=0,
                            zorder=1.5, color=look["color"], label=look["label"])
        else:
            ax.plot(times, counts[:, i], drawstyle="steps-post", zorder=2.5, **look)
    registered = np.array(result.detailed_registered).reshape(counts.shape).sum(axis=1)
    ax.plot(times, registered, drawstyle="steps-post", zorder=2.6, **REGISTERED_LOOK)
    axis.apply(ax, result.summary["duration_s"])
    ax.set_ylim(0, max(result.summary["phones_total"], 1) * 1.05)
    ax.set_ylabel("phones")
    style.count_axis(ax.yaxis)
    handles, _ = ax.get_legend_handles_labels()
    statuses = {m.status for m in result.markers}
    handles += [Line2D([], [], **look) for status, look in EVENT_LOOK.items()
                if status in statuses]
    style.legend_outside(ax, handles=handles)


def _cluster_panel(ax: Axes, result: RunResult, axis: style.TimeAxis) -> None:
    """With several clusters: per cluster, the phones registered to it (solid) and the phones
    DHCP option 150 points at it (thin, dashed): a moved phone that has not accepted the
    destination's files is counted at the destination by the one and nowhere by the other
    (``sim.fleet.clusterstats``, I54)."""
    times, pointed, registered = result.cluster_series
    x = axis.x(times)
    for i, name in enumerate(result.collector.clusters):
        colour = style.CYCLE[i % len(style.CYCLE)]
        ax.plot(x, registered[:, i], drawstyle="steps-post", color=colour, linewidth=2.0,
                linestyle=style.DASHES[0], label=f"registered to {name}")
        ax.plot(x, pointed[:, i], drawstyle="steps-post", color=colour, linewidth=1.0,
                linestyle=style.DASHES[1], label=f"option 150 points at {name}")
    axis.apply(ax, result.summary["duration_s"])
    ax.set_ylim(0, max(result.summary["phones_total"], 1) * 1.05)
    ax.set_ylabel("phones by cluster")
    style.count_axis(ax.yaxis)
    style.legend_outside(ax)


def _recovery_panel(ax: Axes, result: RunResult, axis: style.TimeAxis) -> None:
    """Cumulative recoveries, exact: a step at every recovery."""
    collector = result.collector
    when = column(collector.recovery_time)
    manual = column(collector.recovery_manual).astype(bool)
    for name, chosen in (("bulk", when[~manual]), ("manual", when[manual])):
        if len(chosen):
            times = np.r_[0.0, chosen, result.summary["duration_s"]]
            totals = np.r_[0, np.arange(1, len(chosen) + 1), len(chosen)]
            ax.plot(axis.x(times), totals, drawstyle="steps-post", **RECOVERY_LOOK[name])
    axis.apply(ax, result.summary["duration_s"])
    ax.set_ylim(0, max(result.summary["ever_locked"], 1) * 1.08)
    ax.set_ylabel("locked phones\nrecovered (cumulative)")
    style.count_axis(ax.yaxis)
    style.legend_outside(ax)


def event_lines(markers: list[Marker], start: Any) -> list[str]:
    """``1  30min (Fri 20:00)  label``; refused ones with ✗ and CUCM's message."""
    lines = []
    for number, marker in enumerate(markers, start=1):
        line = f"{number:>2}  {at_text(marker.at, start)}  {marker.label}"
        if marker.status == "refused":
            line += f"  \u2717 refused by CUCM: \"{marker.message}\""
        lines.append(line)
    return lines
