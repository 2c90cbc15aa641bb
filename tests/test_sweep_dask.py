"""The Dask path: a LocalCluster of two worker processes gives the local pool's numbers."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from distributed import LocalCluster
from sweep_helpers import sweep_text

from sim.sweep.executors import open_executor
from sim.sweep.runner import run_sweep
from sim.sweep.spec import load_sweep
from sim.sweep.store import SweepStore

BODY = """
[parameters.tvs_at]
path = "events.1.at"
values = ["20min", "1h", "2h"]
[parameters.offline]
path = "phones.0.availability.offline_share"
values = [0.0, 0.3]
"""


def stored(out: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    with SweepStore.open(out, read_only=True) as store:
        return store.metrics(), store.sql("SELECT * FROM series ORDER BY ALL")


def test_dask_cluster_and_local_pool_store_the_same_numbers(tmp_path: Path) -> None:
    path = tmp_path / "sweep.toml"
    path.write_text(sweep_text(BODY, "replications = 3"))
    spec = load_sweep(path)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, \
            open_executor(scheduler=cluster.scheduler_address) as (executor, slots):
        assert slots == 2
        dask = run_sweep(spec, executor, slots=slots, out=tmp_path / "dask", progress=False)
    with open_executor(workers=2) as (executor, slots):
        local = run_sweep(spec, executor, slots=slots, out=tmp_path / "local", progress=False)
    assert (dask.executed, dask.failed, local.executed, local.failed) == (18, 0, 18, 0)
    for left, right in zip(stored(tmp_path / "dask"), stored(tmp_path / "local"), strict=True):
        pd.testing.assert_frame_equal(left, right)
