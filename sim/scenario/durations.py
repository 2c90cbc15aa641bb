"""Durations in scenario files: a number of seconds or a string with units (``"90s"``, ``"2d2h"``).

Simulation time is a float number of seconds everywhere (SimPy's clock). Files may write any time
as a number (seconds) or as one or more ``<number><unit>`` parts with units in decreasing order:
``"50ms"``, ``"90s"``, ``"5min"``, ``"1.5h"``, ``"3d"``, ``"1w"``, ``"2d2h"`` ("offices that
come back on Monday").
"""

from __future__ import annotations

import math
import re
from typing import Any

from sim.scenario.schema import REQUIRED, Check, Value
from sim.scenario.tomlsource import KeyPath, TomlSource

HOUR, DAY = 3600.0, 86400.0
UNITS: dict[str, float] = {"w": 604800.0, "d": DAY, "h": HOUR, "min": 60.0, "s": 1.0,
                           "ms": 0.001}
DURATION_HELP = "a number of seconds or e.g. '90s', '5min', '2h', '3d'"
_RANK = {unit: rank for rank, unit in enumerate(UNITS)}
_PART = re.compile(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*(ms|min|s|h|d|w)\s*")
# display units, largest first, each with the smallest number of seconds it is used for
_DISPLAY = (("w", 604800.0), ("d", 86400.0), ("h", 3600.0), ("min", 60.0), ("s", 0.1),
            ("ms", 0.0))


def parse_duration(value: Any) -> float:
    """Seconds for a number or a unit string; ``ValueError`` with a one-line reason otherwise."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"{value!r} is not a duration; expected {DURATION_HELP}")
    seconds = _parse_text(value) if isinstance(value, str) else float(value)
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"{value!r} is not a duration; durations are finite and >= 0")
    return seconds


def _parse_text(text: str) -> float:
    """Sum the ``<number><unit>`` parts of ``text``; units must decrease ("2d2h", not "2h2d")."""
    error = ValueError(f"{text!r} is not a duration; expected {DURATION_HELP}")
    position, total, ranks = 0, 0.0, [-1]
    while position < len(text):
        match = _PART.match(text, position)
        if not match or _RANK[match.group(2)] <= ranks[-1]:
            raise error
        ranks.append(_RANK[match.group(2)])
        total += float(match.group(1)) * UNITS[match.group(2)]
        position = match.end()
    if len(ranks) == 1:
        raise error
    return total


def format_duration(seconds: float) -> str:
    """A compact string ``parse_duration`` reads back: 5400 -> ``"1h30min"``, 0.05 -> ``"50ms"``.

    Whole units from weeks down to seconds, then the rest in milliseconds (rounded to 1 us).
    """
    if seconds == 0:
        return "0s"
    parts, rest = [], round(seconds, 6)
    for unit, size in UNITS.items():
        count = math.floor(rest / size) if unit != "ms" else round(rest / size, 3)
        if count:
            parts.append(f"{count:g}{unit}")
            rest = round(rest - count * size, 6)
    return "".join(parts)


def _display_unit(seconds: float) -> str:
    """The largest unit in which ``seconds`` reads as at least 1 (0.1 for seconds)."""
    return next(unit for unit, threshold in _DISPLAY if abs(seconds) >= threshold)


def _number(value: float) -> str:
    """Up to three significant digits, never in exponent notation."""
    if value == 0:
        return "0"
    digits = max(0, 2 - math.floor(math.log10(abs(value))))
    return f"{round(value, digits):.{digits}f}".rstrip("0").rstrip(".")


def human_duration(*seconds: float) -> str:
    """Human text for one value or a range in one shared unit: ``"2 h"``, ``"30-90 s"``."""
    smallest = min((s for s in seconds if s), default=1.0)
    unit = _display_unit(smallest)
    return "-".join(_number(s / UNITS[unit]) for s in seconds) + f" {unit}"


def _convert(_source: TomlSource, value: Any, _at: KeyPath) -> float:
    return parse_duration(value)


def duration(default: Any = REQUIRED, help: str = "", check: Check | None = None) -> Value:
    """A schema ``Value`` holding a duration; the validated value is float seconds."""
    return Value((int, float, str), default, help=help, check=check, convert=_convert,
                 expect=f"a duration: {DURATION_HELP}")


def positive(seconds: float) -> str | None:
    """A ``check`` for durations that must be longer than zero."""
    return None if seconds > 0 else "must be longer than 0"
