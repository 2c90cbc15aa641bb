"""The look every itlsim figure shares, without touching the user's matplotlib.

Figures are ``matplotlib.figure.Figure`` objects on their own Agg canvas, drawn inside
``matplotlib.rc_context(STYLE)``: importing itlsim never selects a backend or changes global
``rcParams``, so ``plt.show()`` in a notebook keeps working. Colours are the Okabe-Ito
palette, safe for colour-blind readers, and every series also has its own line style, so
trusted and locked differ in more than hue. Counts get integer ticks with thousands
separators; administrator actions are numbered badges above the data with a numbered list
below the plot, so labels never collide with each other or with the curves.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib
import matplotlib.dates as mdates
import numpy as np
from cycler import cycler
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.figure import Figure, SubFigure
from matplotlib.font_manager import FontProperties
from matplotlib.layout_engine import PlaceHolderLayoutEngine
from matplotlib.ticker import FuncFormatter, MaxNLocator

from sim.output.formats import count, wall_clock
from sim.output.svgtext import figure_svg

# Okabe & Ito, "Color Universal Design" (2008): distinguishable with every common colour-vision
# deficiency.
BLACK, ORANGE, SKY, GREEN, YELLOW, BLUE, VERMILLION, PURPLE = (
    "#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7")
GREY, DARK = "#999999", "#444444"
CYCLE = (BLUE, VERMILLION, GREEN, ORANGE, PURPLE, SKY, BLACK)
DASHES: tuple[Any, ...] = ("-", (0, (5, 2)), (0, (1, 1.5)), (0, (6, 2, 1.5, 2)), (0, (3, 1)),
                           (0, (8, 2, 2, 2, 2, 2)), (0, (2, 3)))
MARKERS = ("o", "s", "^", "D", "v", "P", "X")
STYLE: dict[Any, Any] = {
    "font.size": 9, "axes.titlesize": 10, "axes.labelsize": 9, "legend.fontsize": 8,
    "xtick.labelsize": 8, "ytick.labelsize": 8, "axes.spines.top": False,
    "axes.spines.right": False, "axes.grid": True, "grid.alpha": 0.3,
    "legend.frameon": False, "figure.dpi": 100, "savefig.dpi": 100,
    "svg.hashsalt": "itlsim",  # a fixed salt; svgtext renumbers the ids for identical reruns
    # Matplotlib's line simplification (merging nearly collinear vertices) wrote a long step
    # line's vertices differently from one rendering of the same figure to the next (seen in
    # pre10-fleet-technicians' recovery.svg: 1 run in 3, same process or not); every vertex
    # drawn keeps the SVG (and the PNG) reproducible at the cost of a larger SVG
    "path.simplify": False,
    "axes.prop_cycle": cycler(color=list(CYCLE)),
}
# ConciseDateFormatter by tick level (years, months, days, hours, minutes, seconds): days as
# weekday and date ("Fri 18"), because scenarios tell their story by weekday
CLOCK_FORMATS = ["%Y", "%b", "%a %d", "%H:%M", "%H:%M", "%S.%f"]
CLOCK_ZERO_FORMATS = ["", "%Y", "%b", "%a %d", "%H:%M", "%H:%M"]
CLOCK_OFFSET_FORMATS = ["", "%Y", "%Y-%m", "%Y-%m-%d", "%a %Y-%m-%d", "%a %Y-%m-%d %H:%M"]
POSITION_STEP = 1e-5  # of the figure's width or height: a hundredth of a pixel or less
BADGE_GAP = 3.0  # points between neighbouring event badges


@contextmanager
def style() -> Iterator[None]:
    """The rc settings of itlsim figures, for the duration of a ``with`` block only."""
    with matplotlib.rc_context(STYLE):
        yield


def figure(width: float, height: float) -> Figure:
    """A figure on its own Agg canvas (no pyplot state), laid out by constrained layout."""
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def settle_layout(fig: Figure) -> None:
    """Lay ``fig`` out once and pin everything the layout placed (every subfigure, every
    axes, the figure-level texts such as the suptitle) where it put it, rounded to
    ``POSITION_STEP`` of the (sub)figure, then turn the layout engine off, so that every
    later rendering (PNG, SVG, inline, in this process or another) draws the same positions.

    Constrained layout solves for those positions with kiwisolver at every draw, and the
    solver's last bits depend on where its variables sit in memory: a constraint's terms are
    ordered by the addresses of its variables (a ``std::map`` keyed by pointer), which sets
    the order of the solver's sums and pivots. The heap layout differs from one process to
    the next (``PYTHONHASHSEED`` changes it, and so does any earlier allocation), so a
    subfigure's edge came out as 5.6e-16 in one run and 7.8e-16 in another and a tick label
    of ``recovery.svg`` moved across SVG's 6-decimal rounding (301.01441 / 301.014411).
    Rounding the solver's answer removes that noise (it could survive only in a value
    within 1e-16 of a half step, about one chance in 1e11 per coordinate); after it, every
    coordinate is computed from the pinned numbers by the same IEEE arithmetic, so SVG's
    rounding ties fall the same way every time.
    A figure without a layout engine, or one already settled, is left as it is."""
    if isinstance(fig.get_layout_engine(), (type(None), PlaceHolderLayoutEngine)):
        return
    fig.canvas.draw()
    for panel in _panels(fig):
        if isinstance(panel, SubFigure):
            panel.bbox_relative.set_points(_pinned(panel.bbox_relative.get_points()))
        for text in panel.texts:  # the suptitle's height follows its subfigure's
            text.set_position(_pinned(text.get_position()))
    for ax in fig.axes:
        ax.set_position(_pinned(ax.get_position(original=False).bounds))
    fig.set_layout_engine("none")


def _panels(fig: Figure | SubFigure) -> Iterator[Figure | SubFigure]:
    """``fig`` and all its subfigures, depth first."""
    yield fig
    for sub in fig.subfigs:
        yield from _panels(sub)


def _pinned(values: Any) -> Any:
    """``values`` (numbers or a numpy array) rounded to ``POSITION_STEP``."""
    return np.round(np.asarray(values, dtype=float) / POSITION_STEP) * POSITION_STEP


def svg(fig: Figure) -> str:
    """``fig`` as an SVG document with deterministic bytes: layout pinned, ids renumbered."""
    settle_layout(fig)
    return figure_svg(fig)


def save(fig: Figure, path: Path) -> Path:
    """Write ``fig`` as PNG or SVG (by suffix) with deterministic bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".svg":
        path.write_text(svg(fig), encoding="utf-8")
    else:
        settle_layout(fig)
        fig.savefig(path, metadata={"Software": None})
    return path


def count_axis(axis: Any) -> None:
    """Integer ticks with thousands separators on a count axis (``ax.yaxis``)."""
    axis.set_major_locator(MaxNLocator(nbins=7, steps=[1, 2, 2.5, 5, 10], integer=True,
                                       min_n_ticks=3))
    axis.set_major_formatter(FuncFormatter(lambda value, _: count(value)))


def number_axis(axis: Any) -> None:
    """Thousands separators on a numeric axis that is not a count."""
    axis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,.10g}"))


def legend_outside(ax: Axes, **options: Any) -> None:
    """The legend to the right of the axes, where it cannot cover data."""
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, **options)


@dataclass(frozen=True)
class TimeAxis:
    """How seconds map to the x axis: clock time from ``start`` (matplotlib dates), or time
    since t = 0 in minutes, hours or days."""

    scale: float
    unit: str
    start: dt.datetime | None = None

    @classmethod
    def for_span(cls, seconds: float, start: dt.datetime | None = None) -> TimeAxis:
        if start is not None:
            return cls(86400.0, "clock", start)
        if seconds <= 3 * 3600:
            return cls(60.0, "minutes")
        if seconds <= 3 * 86400:
            return cls(3600.0, "hours")
        return cls(86400.0, "days")

    def x(self, seconds: Any) -> Any:
        """Axis coordinates of ``seconds`` (a number or numpy array)."""
        origin = 0.0 if self.start is None else mdates.date2num(wall_clock(self.start))
        return origin + seconds / self.scale

    def apply(self, ax: Axes, duration: float) -> None:
        """Limits, ticks and label of the x axis."""
        ax.set_xlim(self.x(0.0), self.x(duration))
        if self.start is None:
            ax.set_xlabel(f"time since start ({self.unit})")
            number_axis(ax.xaxis)
            return
        locator = mdates.AutoDateLocator(minticks=4, maxticks=9)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(
            locator, show_offset=True, formats=CLOCK_FORMATS, zero_formats=CLOCK_ZERO_FORMATS,
            offset_formats=CLOCK_OFFSET_FORMATS))
        offset = self.start.strftime(" UTC%z") if self.start.tzinfo else ""
        ax.set_xlabel(f"clock time{offset} (simulation.start = "
                      f"{wall_clock(self.start).isoformat(sep=' ')})")


@dataclass(frozen=True)
class Mark:
    """An event to mark: when, its number in the list, and whether CUCM refused it."""

    at: float
    number: int
    refused: bool


def draw_marks(ax: Axes, marks: Sequence[Mark], axis: TimeAxis, *, badges: bool) -> None:
    """A vertical line per event (dashed; dotted grey if refused) and, with ``badges``, the
    events' numbers above the axes; numbers that would touch share one badge (``1-3``)."""
    for mark in marks:
        refused = mark.refused
        ax.axvline(axis.x(mark.at), color=GREY if refused else DARK, linewidth=1.0 if refused
                   else 0.8, linestyle=(0, (1, 2)) if refused else (0, (4, 3)), zorder=1)
    if not badges:
        return
    for group in _badge_groups(ax, marks, axis):
        refused = all(m.refused for m in group)
        middle = (axis.x(group[0].at) + axis.x(group[-1].at)) / 2  # over the group's lines
        ax.annotate(_numbers(group), xy=(middle, 1.0),
                    xycoords=("data", "axes fraction"), xytext=(0, 3),
                    textcoords="offset points", ha="center", va="bottom", fontsize=7,
                    color=GREY if refused else BLACK, annotation_clip=False,
                    bbox={"boxstyle": "round,pad=0.2", "facecolor": "white",
                          "edgecolor": GREY if refused else DARK, "linewidth": 0.6})


def _badge_groups(ax: Axes, marks: Sequence[Mark], axis: TimeAxis) -> list[list[Mark]]:
    """Events whose badges would overlap at the axes' current width, grouped (in time order).
    A badge is as wide as its text, about 4.5 points a character plus padding. Lays the
    figure out first, so the axes' width is final."""
    root = ax.get_figure(root=True)
    assert root is not None  # an axes on a figure
    root.draw_without_rendering()
    x_low, x_high = ax.get_xlim()
    width_points = max(ax.get_window_extent().width * 72 / root.dpi, 1.0)
    per_point = (x_high - x_low) / width_points
    groups: list[list[Mark]] = []
    for mark in sorted(marks, key=lambda m: (m.at, m.number)):
        if groups:
            wide = (len(_numbers(groups[-1] + [mark])) * 4.5 + 6 + BADGE_GAP) * per_point
            if axis.x(mark.at) - axis.x(groups[-1][0].at) < wide:
                groups[-1].append(mark)
                continue
        groups.append([mark])
    return groups


def _numbers(group: Sequence[Mark]) -> str:
    """``1``, ``1,2``, ``1-3`` (consecutive numbers as a range); ✗ after refused ones."""
    numbers = sorted({m.number for m in group})
    refused = {m.number for m in group if m.refused}
    if len(numbers) > 2 and numbers == list(range(numbers[0], numbers[-1] + 1)) \
            and not refused:
        return f"{numbers[0]}\u2013{numbers[-1]}"
    return ",".join(f"{n}\u2717" if n in refused else str(n) for n in numbers)


LIST_FONT = FontProperties(family="DejaVu Sans Mono", size=8)
LIST_LINE = 0.15  # inches per line of the list


def list_text(lines: Sequence[str], width: float) -> str:
    """The numbered event list for ``width`` inches: one entry a line, long ones wrapped and
    indented. Character widths are measured as Agg draws them (hinting rounds advances)."""
    measure = RendererAgg(10, 10, STYLE["figure.dpi"])
    hundred, _, _ = measure.get_text_width_height_descent("0" * 100, LIST_FONT, ismath=False)
    chars = int(width * STYLE["figure.dpi"] / (hundred / 100))
    wrapped = [textwrap.fill(line, chars, subsequent_indent="      ") for line in lines]
    return "\n".join(wrapped)


def _width(text: str, size: float) -> float:
    """Pixels ``text`` takes at ``size`` points, as Agg draws it."""
    measure = RendererAgg(10, 10, STYLE["figure.dpi"])
    return measure.get_text_width_height_descent(text, FontProperties(size=size),
                                                 ismath=False)[0]


def join_fitting(parts: Sequence[str], width: float, size: float = 10.0,
                 separator: str = " \u00b7 ") -> str:
    """``parts`` joined by ``separator``, starting a new line where the next part would make
    the line wider than ``width`` inches."""
    limit = width * STYLE["figure.dpi"]
    lines: list[str] = []
    for part in parts:
        joined = f"{lines[-1]}{separator}{part}" if lines else part
        if lines and _width(joined, size) <= limit:
            lines[-1] = joined
        else:
            lines.append(part)
    return "\n".join(lines)


def fit(text: str, width: float, size: float = 10.0) -> str:
    """``text`` with each line wrapped at words to ``width`` inches (titles)."""
    return "\n".join(join_fitting(line.split(" "), width, size, " ")
                     for line in text.split("\n"))


def legend_columns(labels: Sequence[str], width: float) -> int:
    """How many legend columns of ``labels`` fit in ``width`` inches (8-point text, a line
    sample and spacing per column)."""
    column = max((_width(label, STYLE["legend.fontsize"]) for label in labels), default=0) + 60
    return max(1, min(len(labels), int(width * STYLE["figure.dpi"] // column)))


def with_footer(width: float, height: float, footer: str) -> tuple[Figure, Any]:
    """A figure of ``height`` inches for the plots (the returned ``main``: a figure or a
    subfigure to draw on) plus, below it, ``footer`` (``list_text``) in a subfigure of its
    own, so the layout of the plots and their legends can never run into it."""
    fig = figure(width, height + list_height(footer))
    if not footer:
        return fig, fig
    main, foot = np.asarray(fig.subfigures(2, 1, height_ratios=[height, list_height(footer)]))
    foot.text(0.01, 1.0 - 0.05 / list_height(footer), footer, ha="left", va="top",
              fontproperties=LIST_FONT, color=BLACK)
    return fig, main


def list_height(text: str) -> float:
    """Inches the footer needs for ``text`` (``with_footer``)."""
    return LIST_LINE * (text.count("\n") + 1) + 0.15 if text else 0.0
