"""Per-point statistics against hand-computed mean, standard deviation and Student-t CI."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from sweep_helpers import outcome, point

from sim.sweep.stats import curve_stats, point_stats
from sim.sweep.store import SweepStore

# t(0.975, df) from a printed Student-t table
T_975 = {1: 12.706204736174707, 3: 3.182446305284263}
A, B, C = point(0, technicians=1), point(1, technicians=2), point(2, technicians=3)


@pytest.fixture()
def store(tmp_path: Path):
    with SweepStore.open(tmp_path, read_only=False) as opened:
        opened.save_sweep({"parameters": [{"name": "technicians"}]})
        opened.save_points([A, B, C])
        opened.write(
            [outcome(A, r, {"locked_final": v, "time_to_99pct_locked_recovered_s": t})
             for r, (v, t) in enumerate([(1, 10.0), (2, None), (3, 20.0), (4, None)])]
            + [outcome(B, 0, {"locked_final": 5, "time_to_99pct_locked_recovered_s": None},
                       locked=(0, 1, 2)),
               outcome(B, 1, {"locked_final": 7, "time_to_99pct_locked_recovered_s": None},
                       locked=(0, 3, 4))])
        yield opened


def row(table, technicians: int, metric: str) -> dict:
    match = table[(table.technicians == technicians) & (table.metric == metric)]
    assert len(match) == 1
    return match.iloc[0].to_dict()


def test_mean_sd_and_t_interval(store: SweepStore) -> None:
    stats = point_stats(store)
    a = row(stats, 1, "locked_final")
    sd = math.sqrt(((1 - 2.5) ** 2 + (0.5) ** 2 + 0.5 ** 2 + 1.5 ** 2) / 3)  # 1.2910
    half = T_975[3] * sd / math.sqrt(4)
    assert (a["n"], a["mean"]) == (4, 2.5)
    assert a["sd"] == pytest.approx(sd, rel=1e-12)
    # t quantiles agree to ~1e-11 across SciPy releases (1.11 vs later): far below any CI's use
    assert (a["ci_low"], a["ci_high"]) == pytest.approx((2.5 - half, 2.5 + half), rel=1e-9)
    assert half == pytest.approx(2.0542, abs=1e-4)


def test_none_values_do_not_count(store: SweepStore) -> None:
    t = row(point_stats(store), 1, "time_to_99pct_locked_recovered_s")
    half = T_975[1] * math.sqrt(50) / math.sqrt(2)
    assert (t["n"], t["mean"]) == (2, 15.0)
    assert t["half_width"] == pytest.approx(half, rel=1e-9)
    never = row(point_stats(store), 2, "time_to_99pct_locked_recovered_s")
    assert never["n"] == 0 and math.isnan(never["mean"])


def test_a_single_replication_has_no_interval(store: SweepStore) -> None:
    store.write([outcome(C, 0, {"locked_final": 9, "time_to_99pct_locked_recovered_s": 1.0})])
    c = row(point_stats(store, ["locked_final"]), 3, "locked_final")
    assert (c["n"], c["mean"]) == (1, 9.0)
    assert math.isnan(c["sd"]) and math.isnan(c["ci_low"])


def test_curves_per_time_and_state(store: SweepStore) -> None:
    curves = curve_stats(store, [B.key])
    locked = curves[curves.state == "locked"]
    assert locked["time_s"].tolist() == [0.0, 60.0, 120.0]
    assert locked["mean"].tolist() == [0.0, 2.0, 3.0]
    assert locked["sd"].tolist() == pytest.approx([0.0, math.sqrt(2), math.sqrt(2)])
    assert locked["half_width"].iloc[1] == pytest.approx(T_975[1] * math.sqrt(2) / math.sqrt(2))
