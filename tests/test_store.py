"""The DuckDB sweep store: flattening, round trips, atomic writes, points, schema growth."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pytest
from sweep_helpers import outcome, point

from sim.errors import ItlsimError
from sim.sweep.store import STORE_FILE, SweepStore, flatten, store_path
from sim.sweep.task import FAILED, Outcome

SUMMARY = {"scenario": "tiny", "seed": 7, "locked_final": 3,
           "time_to_99pct_locked_recovered_s": None,
           "final_states": {"trusted": 57, "locked": 3}, "lock_reasons": {"tvs-untrusted": 3},
           "flag": True}
A, B = point(0, technicians=1), point(1, technicians=2)


@pytest.fixture()
def store(tmp_path: Path):
    with SweepStore.open(tmp_path, read_only=False) as opened:
        opened.save_points([A, B])
        yield opened


def test_flatten_keeps_numbers_and_nones_of_every_level() -> None:
    assert flatten(SUMMARY) == {"locked_final": 3.0, "time_to_99pct_locked_recovered_s": None,
                                "final_states.trusted": 57.0, "final_states.locked": 3.0,
                                "lock_reasons.tvs-untrusted": 3.0}


def test_store_path_of_a_folder_or_a_file(tmp_path: Path) -> None:
    assert store_path(tmp_path) == tmp_path / STORE_FILE
    assert store_path(tmp_path / "x.duckdb") == tmp_path / "x.duckdb"


def test_round_trip_into_pandas(store: SweepStore) -> None:
    store.write([outcome(A, 0, SUMMARY), outcome(A, 1, {**SUMMARY, "lock_reasons": {}}),
                 outcome(B, 0, SUMMARY, status=FAILED, error="ValueError: boom")])
    metrics = store.metrics()
    assert list(metrics[["technicians", "replication", "seed"]].itertuples(index=False,
                                                                        name=None)) == [
        (1, 0, 100), (1, 1, 101)]
    assert metrics["lock_reasons.tvs-untrusted"].tolist() == [3.0, 0.0]  # absent counter = 0
    assert metrics["time_to_99pct_locked_recovered_s"].isna().all()  # none stays missing
    runs = store.runs()
    assert runs.set_index(["technicians", "replication"]).loc[(2, 0), "error"] == \
        "ValueError: boom"
    series = store.series([A.key])
    assert series[["replication", "time_s", "locked"]].values.tolist() == [
        [0, 0.0, 0], [0, 60.0, 1], [0, 120.0, 2], [1, 0.0, 0], [1, 60.0, 1], [1, 120.0, 2]]
    assert store.series([B.key]).empty
    assert store.metric_names() == sorted(flatten(SUMMARY))


@pytest.mark.parametrize("interrupt", [KeyboardInterrupt, RuntimeError])
def test_a_write_stopped_midway_leaves_no_partial_row(store: SweepStore, interrupt: type,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    store.write([outcome(A, 0, SUMMARY)])
    real = store._with_table

    def stop_at_series(con, data, statement: str) -> None:
        if statement.startswith("INSERT INTO series"):
            raise interrupt()
        real(con, data, statement)

    monkeypatch.setattr(store, "_with_table", stop_at_series)
    with pytest.raises(interrupt):
        store.write([outcome(A, 1, SUMMARY), outcome(B, 0, SUMMARY)])
    counts = store.sql("SELECT (SELECT count(*) FROM runs) r, (SELECT count(*) FROM metrics) m, "
                       "(SELECT count(*) FROM series) s").iloc[0].tolist()
    assert counts == [1, len(flatten(SUMMARY)), 3]


def test_a_retried_run_replaces_the_failed_one(store: SweepStore) -> None:
    store.write([outcome(A, 0, {}, status=FAILED, error="boom")])
    with pytest.raises(duckdb.ConstraintException):
        store.write([outcome(A, 0, SUMMARY)])
    store.write([outcome(A, 0, SUMMARY)], replace=True)
    assert store.recorded()[["status", "replication"]].values.tolist() == [["ok", 0]]
    assert len(store.series()) == 3


def test_a_new_phone_state_becomes_a_column(store: SweepStore) -> None:
    run: Outcome = outcome(A, 0, SUMMARY)
    run.states = ("trusted", "locked", "quarantined")
    run.counts = np.array([[9, 0, 1]] * 3, dtype=np.int32)
    store.write([run])
    assert store.series()["quarantined"].tolist() == [1, 1, 1]


def test_points_of_an_older_sweep_file_are_kept_but_not_current(store: SweepStore) -> None:
    c = point(0, technicians=3)
    store.save_points([c])
    assert store.points().technicians.tolist() == [3]
    assert sorted(store.points(current_only=False).technicians) == [1, 2, 3]


def test_sweep_info_round_trip(store: SweepStore) -> None:
    store.save_sweep({"name": "x", "parameters": [{"name": "technicians"}]})
    store.save_sweep({"name": "y", "root_seed": 3})
    assert store.sweep_info() == {"name": "y", "root_seed": 3}


def test_reading_a_missing_store_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(ItlsimError, match="no sweep store here"):
        SweepStore.open(tmp_path / "nothing", read_only=True)

