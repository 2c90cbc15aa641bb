"""Plots of a run: ``recovery.png``, phones by state over time with the timeline marked, and
the recovery curves (bulk against manual work).

Readable on its own: the title names the scenario and fleet, the axes carry units, each state
has a fixed colour (locked is red), and every administrator action is a labelled dashed line.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

if TYPE_CHECKING:
    from sim.fleet.run import RunResult

COLOURS = {"trusted": "#2ca02c", "locked": "#d62728", "booting": "#ff7f0e",
           "offline": "#7f7f7f", "unsecured": "#9467bd"}
LABELS = {"trusted": "trusted (ITL and config accepted)",
          "locked": "locked (Trust List Update Failed)", "booting": "booting / fetching files",
          "offline": "offline (powered off)", "unsecured": "empty ITL (rollback, no checks)"}


def time_axis(seconds: float) -> tuple[float, str]:
    """A divisor and unit that suit a span of ``seconds``."""
    if seconds <= 3 * 3600:
        return 60.0, "minutes"
    if seconds <= 3 * 86400:
        return 3600.0, "hours"
    return 86400.0, "days"


def recovery_plot(result: RunResult, path: Path) -> None:
    """Phones by state over time with the timeline marked, and below it the recovery curves:
    locked phones recovered without a technician against those recovered by hand (PNG,
    deterministic bytes)."""
    summary = result.summary
    scale, unit = time_axis(summary["duration_s"])
    fig, (states, recovered) = plt.subplots(
        2, 1, figsize=(11, 7.5), dpi=100, sharex=True, gridspec_kw={"height_ratios": [3, 1.3]})
    _state_panel(states, result, scale)
    _recovery_panel(recovered, result, scale)
    recovered.set_xlabel(f"time since start ({unit})")
    states.set_title(f"{summary['scenario']}: {summary['phones_total']:,} phones - locked peak "
                     f"{summary['locked_peak']:,}, final {summary['locked_final']:,}")
    fig.tight_layout()
    fig.savefig(path, metadata={"Software": None})
    plt.close(fig)


def _state_panel(ax: plt.Axes, result: RunResult, scale: float) -> None:
    ax.set_xlim(0, result.summary["duration_s"] / scale)
    times = [t / scale for t, _ in result.series]
    for i, state in enumerate(result.states):
        values = [counts[i] for _, counts in result.series]
        if any(values):
            ax.plot(times, values, color=COLOURS[state], label=LABELS[state], linewidth=1.8)
    mark_events(ax, result.markers, scale)
    ax.set_ylim(0, result.summary["phones_total"] * 1.05 or 1)
    ax.set_ylabel("phones")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="center right", fontsize=8, framealpha=0.9)


def _recovery_panel(ax: plt.Axes, result: RunResult, scale: float) -> None:
    times = [t / scale for t, _, _ in result.recoveries]
    ax.plot(times, [bulk for _, bulk, _ in result.recoveries], color="#1f77b4",
            label="without a technician (bulk reset, TVS)", linewidth=1.8)
    ax.plot(times, [manual for _, _, manual in result.recoveries], color="#8c564b",
            label="by a technician (ITL erased at the phone or remotely)", linewidth=1.8)
    for at, _ in result.markers:
        ax.axvline(at / scale, color="#444444", linestyle="--", linewidth=0.8, alpha=0.5)
    ax.set_ylim(bottom=0)
    ax.set_ylabel("recoveries\n(cumulative)")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="upper left", fontsize=8, framealpha=0.9)


def mark_events(ax: plt.Axes, markers: list[tuple[float, str]], scale: float) -> None:
    """Each administrator action as a dashed vertical line with its label (times in seconds).

    Labels go in the first row at the top of the axes where they do not run into the previous
    label of that row (widths estimated from the character count at the 7-point font), so
    events close in time stay readable. Call after the x limits are set.
    """
    x_low, x_high = ax.get_xlim()
    per_point = (x_high - x_low) / max(ax.get_window_extent().width * 72 / ax.figure.dpi, 1)
    row_ends: list[float] = []
    for at, label in markers:
        x = at / scale
        ax.axvline(x, color="#444444", linestyle="--", linewidth=0.8, alpha=0.7)
        row = next((i for i, end in enumerate(row_ends) if end <= x), len(row_ends))
        if row == len(row_ends):
            row_ends.append(x)
        row_ends[row] = x + (len(label) * 3.9 + 8) * per_point
        ax.annotate(label, xy=(x, 1.0), xycoords=("data", "axes fraction"),
                    xytext=(3, -12 - 11 * row), textcoords="offset points", fontsize=7,
                    color="#222222")
