"""Random durations: boot times, transfers, TVS latency, technician visits.

A scenario gives a distribution as a bare duration (fixed) or an inline table::

    hardware = { dist = "uniform", low = "30s", high = "90s" }
    latency  = { dist = "lognormal", median = "1s", sigma = 0.5 }

Every parameter that is a time accepts a duration (``sim.scenario.durations``); samples are float
seconds and never negative. Distributions are frozen values: the simulator draws from them with its
own ``numpy.random.Generator``, so a run is reproducible from its seed.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import Field, dataclass, fields
from typing import Any, ClassVar

import numpy as np

from sim.scenario.durations import DURATION_HELP, duration, human_duration, parse_duration
from sim.scenario.schema import REQUIRED, Table, Value, suggest, validate
from sim.scenario.tomlsource import KeyPath, TomlSource

DIST_HELP = ("a distribution: a duration (fixed) or an inline table such as "
             "{ dist = \"uniform\", low = \"30s\", high = \"90s\" }")
# the truncated normal is drawn by rejection; refuse set-ups that would reject almost every draw
_MIN_ACCEPTANCE = 0.01


class Distribution(ABC):
    """A distribution of non-negative float seconds (subclasses are frozen dataclasses)."""

    kind: ClassVar[str]
    params: ClassVar[dict[str, Value]]
    # declared (never set here) so the type checker knows every instance is a dataclass
    __dataclass_fields__: ClassVar[dict[str, Field[Any]]]

    def sample(self, rng: np.random.Generator) -> float:
        """One draw."""
        return float(self.sample_many(rng, 1)[0])

    @abstractmethod
    def sample_many(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` draws as a float array (vectorised: one call per population, not per phone)."""

    @abstractmethod
    def mean(self) -> float:
        """The expected value in seconds (orders runs by expected length)."""

    @abstractmethod
    def describe(self) -> str:
        """Short human text, e.g. ``"uniform 30-90 s"``."""

    def problem(self) -> tuple[str, str] | None:
        """``(parameter, reason)`` if the parameters contradict each other, else ``None``."""
        return None

    def to_dict(self) -> dict[str, Any]:
        """The inline-table form in seconds; ``distribution_from`` reads it back."""
        return {"dist": self.kind, **{_PARAM.get(f.name, f.name): _plain(getattr(self, f.name))
                                      for f in fields(self)}}


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


# field names that differ from the parameter names (``mean`` is also a method)
_PARAM = {"mean_value": "mean"}


@dataclass(frozen=True)
class Fixed(Distribution):
    value: float
    kind: ClassVar[str] = "fixed"
    params: ClassVar[dict[str, Value]] = {"value": duration(help="the one value (required)")}

    def sample_many(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return np.full(n, self.value)

    def mean(self) -> float:
        return self.value

    def describe(self) -> str:
        return f"fixed {human_duration(self.value)}"


@dataclass(frozen=True)
class Uniform(Distribution):
    low: float
    high: float
    kind: ClassVar[str] = "uniform"
    params: ClassVar[dict[str, Value]] = {"low": duration(help="smallest value (required)"),
                                          "high": duration(help="largest value (required)")}

    def sample_many(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.uniform(self.low, self.high, n)

    def mean(self) -> float:
        return (self.low + self.high) / 2

    def describe(self) -> str:
        return f"uniform {human_duration(self.low, self.high)}"

    def problem(self) -> tuple[str, str] | None:
        if self.high < self.low:
            return "high", (f"high ({human_duration(self.high)}) is below low "
                            f"({human_duration(self.low)})")
        return None


@dataclass(frozen=True)
class Exponential(Distribution):
    mean_value: float
    kind: ClassVar[str] = "exponential"
    params: ClassVar[dict[str, Value]] = {"mean": duration(help="the mean (required)")}

    def sample_many(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.exponential(self.mean_value, n)

    def mean(self) -> float:
        return self.mean_value

    def describe(self) -> str:
        return f"exponential mean {human_duration(self.mean_value)}"


@dataclass(frozen=True)
class LogNormal(Distribution):
    median: float
    sigma: float
    kind: ClassVar[str] = "lognormal"
    params: ClassVar[dict[str, Value]] = {
        "median": duration(help="the median (required)"),
        "sigma": Value(float, help="standard deviation of log(value), no unit (required)"),
    }

    def sample_many(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.lognormal(math.log(self.median), self.sigma, n)

    def mean(self) -> float:
        return self.median * math.exp(self.sigma ** 2 / 2)

    def describe(self) -> str:
        return f"lognormal median {human_duration(self.median)}, sigma {self.sigma:g}"

    def problem(self) -> tuple[str, str] | None:
        if self.median <= 0:
            return "median", "must be longer than 0"
        if self.sigma < 0:
            return "sigma", f"must be >= 0, got {self.sigma:g}"
        return None


@dataclass(frozen=True)
class Normal(Distribution):
    """A normal distribution truncated below at ``min`` (draws under ``min`` are redrawn)."""

    mean_value: float
    sd: float
    min: float
    kind: ClassVar[str] = "normal"
    params: ClassVar[dict[str, Value]] = {
        "mean": duration(help="mean before truncation (required)"),
        "sd": duration(help="standard deviation before truncation (required)"),
        "min": duration(0, help="draws below this are redrawn (default 0)"),
    }

    def sample_many(self, rng: np.random.Generator, n: int) -> np.ndarray:
        draws = rng.normal(self.mean_value, self.sd, n)
        low = draws < self.min
        while low.any():
            draws[low] = rng.normal(self.mean_value, self.sd, int(low.sum()))
            low = draws < self.min
        return draws

    def _alpha(self) -> float:
        return (self.min - self.mean_value) / self.sd

    def mean(self) -> float:
        if self.sd == 0:
            return self.mean_value
        alpha = self._alpha()
        density = math.exp(-alpha ** 2 / 2) / math.sqrt(2 * math.pi)
        return self.mean_value + self.sd * density / _upper_tail(alpha)

    def describe(self) -> str:
        return (f"normal {human_duration(self.mean_value)} sd {human_duration(self.sd)}, "
                f"min {human_duration(self.min)}")

    def problem(self) -> tuple[str, str] | None:
        if self.sd == 0 and self.mean_value < self.min:
            return "min", "min is above the mean and sd is 0: no value can be drawn"
        if self.sd > 0 and _upper_tail(self._alpha()) < _MIN_ACCEPTANCE:
            return "min", (f"min {human_duration(self.min)} is so far above the mean that "
                           "under 1% of draws reach it; use a smaller min or another dist")
        return None


def _upper_tail(alpha: float) -> float:
    """P(Z >= alpha) for a standard normal Z."""
    return 0.5 * math.erfc(alpha / math.sqrt(2))


def _durations(source: TomlSource, values: list, at: KeyPath) -> tuple[float, ...]:
    if not values:
        raise ValueError("needs at least one value")
    result = []
    for i, value in enumerate(values):
        try:
            result.append(parse_duration(value))
        except ValueError as exc:
            raise source.error(at + (i,), str(exc)) from None
    return tuple(result)


@dataclass(frozen=True)
class Empirical(Distribution):
    """Draws uniformly among observed values (e.g. measured boot times)."""

    values: tuple[float, ...]
    kind: ClassVar[str] = "empirical"
    params: ClassVar[dict[str, Value]] = {
        "values": Value(list, help="observed durations, drawn with equal probability (required)",
                        convert=_durations, expect=f"a list of durations ({DURATION_HELP})"),
    }

    def sample_many(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.choice(np.asarray(self.values), n)

    def mean(self) -> float:
        return float(np.mean(self.values))

    def describe(self) -> str:
        return (f"empirical {len(self.values)} values, "
                f"{human_duration(min(self.values), max(self.values))}")


KINDS: dict[str, type[Distribution]] = {
    cls.kind: cls for cls in (Fixed, Uniform, Exponential, LogNormal, Normal, Empirical)}
_FIELD = {param: name for name, param in _PARAM.items()}


def distribution_from(source: TomlSource, data: Any, at: KeyPath) -> Distribution:
    """Validate a distribution given in a file (a duration or an inline table) and build it."""
    if not isinstance(data, dict):
        try:
            return Fixed(parse_duration(data))
        except ValueError as exc:
            raise source.error(at, str(exc)) from None
    kind = data.get("dist")
    if kind not in KINDS:
        raise _bad_kind(source, kind, at)
    cls = KINDS[kind]
    schema = Table({"dist": Value(str), **cls.params})
    missing = [name for name, spec in cls.params.items()
               if spec.default is REQUIRED and name not in data]
    if missing and set(data) <= set(schema.fields):  # else a typo: validate() suggests a name
        raise source.error(at, f"a {kind} distribution needs {', '.join(missing)} "
                               f"(its parameters: {', '.join(cls.params)})")
    params = validate(source, schema, data, at)
    del params["dist"]
    built = cls(**{_FIELD.get(name, name): value for name, value in params.items()})
    problem = built.problem()
    if problem:
        raise source.error(at + (problem[0],), problem[1])
    return built


def _bad_kind(source: TomlSource, kind: Any, at: KeyPath) -> Exception:
    kinds = ", ".join(KINDS)
    if kind is None:
        return source.error(at, f"missing 'dist' (one of {kinds})")
    hint = suggest(str(kind), list(KINDS))
    return source.error(at + ("dist",), f"{kind!r} is not a distribution{hint} "
                                        f"(expected one of {kinds})")


def distribution(default: Any = REQUIRED, help: str = "") -> Value:
    """A schema ``Value`` holding a ``Distribution`` (given as a duration or an inline table)."""
    return Value((int, float, str, dict), default, help=help, convert=distribution_from,
                 expect=DIST_HELP)
