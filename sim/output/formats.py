"""How numbers, durations and times read in every output (text summary, plots, sweep plots).

One format everywhere: counts with thousands separators (``4,400``), other numbers to three
significant digits without exponents (``0.0833``, ``1,520``), durations compact and rounded to
what a reader needs (``1h14min``, ``17min11s``, ``41s``), nouns that agree with their number
(``1 technician``, ``2 technicians``), and clock times when the scenario has a start
(``Fri 20:00``).
"""

from __future__ import annotations

import datetime as dt
import math

from sim.scenario.durations import HOUR, format_duration

_SINGULAR = {"people": "person", "boots": "boot", "phone boots": "phone boot"}


def count(n: float) -> str:
    """A count with thousands separators: ``4,400``."""
    return f"{round(n):,}"


def number(value: float, digits: int = 3) -> str:
    """``digits`` significant digits, never in exponent notation: 0.0833, 2.5, 1,520."""
    if value == 0 or not math.isfinite(value):
        return f"{value:g}"
    if abs(value) >= 10 ** (digits - 1):
        return f"{value:,.0f}"
    places = digits - 1 - math.floor(math.log10(abs(value)))
    return f"{round(value, places):,.{max(places, 0)}f}".rstrip("0").rstrip(".")


def span(seconds: float) -> str:
    """A duration for people: to the minute from an hour on, to the second below, to a tenth
    of a second below ten seconds (``1h14min``, ``17min11s``, ``41s``, ``2.5s``)."""
    if seconds >= HOUR:
        return format_duration(60 * round(seconds / 60))
    if seconds >= 10:
        return format_duration(round(seconds))
    return f"{round(seconds, 1):g}s"


def noun(n: float, plural: str) -> str:
    """``n`` and ``plural`` in agreement: ``1 technician``, ``2 technicians``, ``1 person``."""
    if n != 1:
        return f"{number(n)} {plural}"
    singular = _SINGULAR.get(plural) or (plural[:-1] if plural.endswith("s") else plural)
    return f"1 {singular}"


def wall_clock(start: dt.datetime) -> dt.datetime:
    """The wall-clock reading of ``start`` in its own offset (plots and text show it as the
    scenario file wrote it)."""
    return start.replace(tzinfo=None)


def clock(start: dt.datetime, seconds: float, *, span_days: bool = True) -> str:
    """Weekday and time of ``seconds`` after ``start``: ``Fri 20:00`` (``Fri 20:00:30`` when
    not on the minute); with ``span_days`` false, only the time."""
    moment = wall_clock(start) + dt.timedelta(seconds=seconds)
    text = moment.strftime("%H:%M:%S" if moment.second else "%H:%M")
    return f"{moment.strftime('%a')} {text}" if span_days else text


def at(seconds: float, start: dt.datetime | None) -> str:
    """When something happened: time since t = 0, and the clock time if there is a start."""
    since = format_duration(round(seconds, 3))
    return since if start is None else f"{since} ({clock(start, seconds)})"
