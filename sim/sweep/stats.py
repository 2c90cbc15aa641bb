"""Statistics across replications: per point, mean, standard deviation and 95 % CI of a metric.

The confidence interval is Student's t: ``mean +- t(0.975, n - 1) * sd / sqrt(n)`` with the
sample standard deviation (``ddof = 1``); it needs ``n >= 2`` (NaN otherwise). Metrics are
every numeric summary field (``sim.sweep.store.flatten``); a run whose value is none (e.g. 99 %
of the locked phones never working again) does not count, so ``n`` can be smaller than the
number of replications and says so. Recovery curves get the same treatment per time step and
phone state.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
from scipy import stats as scipy_stats

from sim.sweep.store import SweepStore

CONFIDENCE = 0.95
_KEYS = ["point_index", "point_key"]


def with_ci(frame: pd.DataFrame) -> pd.DataFrame:
    """Add ``half_width``, ``ci_low`` and ``ci_high`` to a frame with ``n``, ``mean``, ``sd``."""
    n = frame["n"].to_numpy(dtype=float, na_value=np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(n >= 2, scipy_stats.t.ppf(0.5 + CONFIDENCE / 2, np.maximum(n - 1, 1)),
                     np.nan)
        # nullable columns (DuckDB gives them for integer series) hold NA, not NaN
        half = t * frame["sd"].to_numpy(dtype=float, na_value=np.nan) / np.sqrt(n)
    return frame.assign(half_width=half, ci_low=frame["mean"] - half,
                        ci_high=frame["mean"] + half)


def parameter_names(store: SweepStore) -> list[str]:
    """The sweep's parameters, in file order."""
    return [p["name"] for p in store.sweep_info().get("parameters", [])]


def point_stats(store: SweepStore, metrics: Iterable[str] | None = None) -> pd.DataFrame:
    """One row per (point, metric): parameters, ``metric``, ``n``, ``mean``, ``sd``, CI."""
    with store.session():  # one consistent view (and one open) while a sweep may be writing
        wide = store.metrics()
        names = [m for m in store.metric_names() if m in wide.columns]
        params = [p for p in parameter_names(store) if p in wide.columns]
    chosen = names if metrics is None else [m for m in metrics if m in names]
    long = wide.melt(id_vars=_KEYS + params, value_vars=chosen, var_name="metric")
    grouped = long.groupby(_KEYS + ["metric"], sort=False)["value"]
    table = pd.concat([grouped.count().rename("n"), grouped.mean().rename("mean"),
                       grouped.std(ddof=1).rename("sd")], axis=1).reset_index()
    points = wide[_KEYS + params].drop_duplicates("point_key")
    table = points.merge(with_ci(table), on=_KEYS)
    return table.sort_values(["point_index", "metric"], ignore_index=True)


def curve_stats(store: SweepStore, point_keys: Iterable[str]) -> pd.DataFrame:
    """Mean phones per state over time across replications, with the 95 % CI.

    One row per (point_key, time_s, state): ``n``, ``mean``, ``sd``, CI columns.
    """
    series = store.series(point_keys)
    states = [c for c in series.columns if c not in ("point_key", "replication", "time_s")]
    long = series.melt(id_vars=["point_key", "time_s"], value_vars=states, var_name="state")
    grouped = long.groupby(["point_key", "time_s", "state"], sort=False)["value"]
    table = pd.concat([grouped.count().rename("n"), grouped.mean().rename("mean"),
                       grouped.std(ddof=1).rename("sd")], axis=1).reset_index()
    return with_ci(table).sort_values(["point_key", "state", "time_s"], ignore_index=True)
