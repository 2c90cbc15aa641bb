"""Plots of a run: ``recovery.png``, phones by state over time with the timeline marked.

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
    from sim.run import RunResult

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
    """Phones by state over time, timeline events marked (PNG, deterministic bytes)."""
    summary = result.summary
    scale, unit = time_axis(summary["duration_s"])
    times = [t / scale for t, _ in result.series]
    fig, ax = plt.subplots(figsize=(11, 5.5), dpi=100)
    for i, state in enumerate(result.states):
        values = [counts[i] for _, counts in result.series]
        if any(values):
            ax.plot(times, values, color=COLOURS[state], label=LABELS[state], linewidth=1.8)
    mark_events(ax, result.markers, scale)
    ax.set_xlim(0, summary["duration_s"] / scale)
    ax.set_ylim(0, summary["phones_total"] * 1.05 or 1)
    ax.set_xlabel(f"time since start ({unit})")
    ax.set_ylabel("phones")
    ax.set_title(f"{summary['scenario']}: {summary['phones_total']:,} phones - locked peak "
                 f"{summary['locked_peak']:,}, final {summary['locked_final']:,}")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="center right", fontsize=8, framealpha=0.9)
    fig.tight_layout()
    fig.savefig(path, metadata={"Software": None})
    plt.close(fig)


def mark_events(ax: plt.Axes, markers: list[tuple[float, str]], scale: float) -> None:
    """Each administrator action as a labelled dashed vertical line (times in seconds)."""
    for i, (at, label) in enumerate(markers):
        x = at / scale
        ax.axvline(x, color="#444444", linestyle="--", linewidth=0.8, alpha=0.7)
        ax.annotate(label, xy=(x, 1.0), xycoords=("data", "axes fraction"),
                    xytext=(3, -12 - 11 * (i % 4)), textcoords="offset points", fontsize=7,
                    color="#222222", rotation=0)
