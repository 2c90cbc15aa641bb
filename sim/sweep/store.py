"""The sweep result store: one embedded DuckDB file per sweep, ``<out>/sweep.duckdb``.

Tables (query them from pandas with the methods below, or with ``duckdb.connect(path,
read_only=True).sql(...).df()``):

- ``sweep``: key/value JSON describing the sweep (name, base scenario, parameters with labels and
  units, default metrics, root seed, replications);
- ``points``: one row per point: ``point_key``, ``point_index``, ``current`` (part of the sweep
  file as last run), ``raw`` and ``values`` (JSON; values are comparable: durations in seconds);
- ``runs``: one row per run, keyed by ``(point_key, replication)``: seed, status (``ok`` or
  ``failed``), error text, scenario hash, provenance (itlsim version, revision, code digest),
  wall time, the full summary and the timeline markers (JSON);
- ``metrics``: long format ``(point_key, replication, metric, value)``: every numeric summary
  field, nested ones flattened (``final_states.locked``, ``lock_reasons.<reason>``); ``NULL`` is
  a field the run reported as none (e.g. 99 % of the locked phones never working again);
- ``series``: ``(point_key, replication, time_s, <one column per phone state>)``.

Why DuckDB: columnar and vectorised, so the aggregations a sweep needs (mean/sd per point over
10,000 runs, mean curves over millions of time-series rows) take milliseconds to a second; one
file and no server; finished runs are written in transactions (``write``), so a run killed
mid-write leaves no partial row; pandas via ``.df()``. Only the parent process writes; workers
return ``Outcome``s.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from sim.errors import ItlsimError
from sim.fleet.collector import STATES
from sim.sweep.spec import Point
from sim.sweep.task import Outcome

STORE_FILE = "sweep.duckdb"
NOT_METRICS = frozenset({"seed", "assumptions"})  # what a run was given, not an outcome
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS sweep (key VARCHAR PRIMARY KEY, value VARCHAR)",
    "CREATE TABLE IF NOT EXISTS points (point_key VARCHAR PRIMARY KEY, point_index INTEGER, "
    "current BOOLEAN, raw VARCHAR, \"values\" VARCHAR)",
    "CREATE TABLE IF NOT EXISTS runs (point_key VARCHAR, replication INTEGER, seed BIGINT, "
    "status VARCHAR, error VARCHAR, scenario_hash VARCHAR, itlsim_version VARCHAR, "
    "revision VARCHAR, code VARCHAR, wall_time_s DOUBLE, finished_at TIMESTAMP, "
    "summary VARCHAR, markers VARCHAR, PRIMARY KEY (point_key, replication))",
    "CREATE TABLE IF NOT EXISTS metrics (point_key VARCHAR, replication INTEGER, "
    "metric VARCHAR, value DOUBLE)",
    "CREATE TABLE IF NOT EXISTS series (point_key VARCHAR, replication INTEGER, time_s DOUBLE, "
    + ", ".join(f"{state} INTEGER" for state in STATES) + ")",
)
_RUN_KEY = ["point_key", "replication"]


def store_path(target: str | Path) -> Path:
    """The store file of a results folder, or ``target`` itself if it names a ``.duckdb``."""
    path = Path(target)
    return path if path.suffix == ".duckdb" else path / STORE_FILE


def flatten(summary: Mapping[str, Any], prefix: str = "") -> dict[str, float | None]:
    """Every numeric field of a run summary, nested tables as ``outer.inner``."""
    result: dict[str, float | None] = {}
    for key, value in summary.items():
        name = prefix + str(key)
        if name in NOT_METRICS:
            continue
        if isinstance(value, Mapping):
            result.update(flatten(value, name + "."))
        elif value is None or (isinstance(value, int | float) and not isinstance(value, bool)):
            result[name] = None if value is None else float(value)
    return result


def _runs_table(outcomes: Sequence[Outcome]) -> pa.Table:
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    return pa.table({
        "point_key": [o.point_key for o in outcomes],
        "replication": pa.array([o.replication for o in outcomes], pa.int32()),
        "seed": pa.array([o.seed for o in outcomes], pa.int64()),
        "status": [o.status for o in outcomes],
        "error": [o.error or None for o in outcomes],
        "scenario_hash": [o.scenario_hash or None for o in outcomes],
        "itlsim_version": [o.provenance.version for o in outcomes],
        "revision": pa.array([o.provenance.revision for o in outcomes], pa.string()),
        "code": [o.provenance.code for o in outcomes],
        "wall_time_s": pa.array([o.wall_time for o in outcomes], pa.float64()),
        "finished_at": pa.array([now] * len(outcomes), pa.timestamp("us")),
        "summary": [json.dumps(o.summary, default=str) for o in outcomes],
        "markers": [json.dumps(o.markers) for o in outcomes]})


def _metrics_table(outcomes: Sequence[Outcome]) -> pa.Table:
    rows = [(o.point_key, o.replication, name, value)
            for o in outcomes for name, value in flatten(o.summary).items()]
    keys, replications, names, values = zip(*rows, strict=True) if rows else ((), (), (), ())
    return pa.table({"point_key": pa.array(keys, pa.string()),
                     "replication": pa.array(replications, pa.int32()),
                     "metric": pa.array(names, pa.string()),
                     "value": pa.array(values, pa.float64())})


def _series_table(outcomes: Sequence[Outcome]) -> pa.Table:
    parts = [pa.table({"point_key": [o.point_key] * len(o.times),
                       "replication": pa.array([o.replication] * len(o.times), pa.int32()),
                       "time_s": o.times,
                       **{state: o.counts[:, i] for i, state in enumerate(o.states)}})
             for o in outcomes if len(o.times)]
    return pa.concat_tables(parts, promote_options="default") if parts else pa.table({})


class SweepStore:
    """An open store; use as a context manager. ``read_only`` stores never create tables."""

    def __init__(self, path: Path, *, read_only: bool = False):
        self.path = path
        if read_only and not path.is_file():
            raise ItlsimError(f"{path}: no sweep store here (run `itlsim sweep` first)")
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.con = duckdb.connect(str(path), read_only=read_only)
        except duckdb.Error as exc:
            raise ItlsimError(f"{path}: cannot open the sweep store: {exc}") from None
        if not read_only:
            for statement in _SCHEMA:
                self.con.execute(statement)

    @classmethod
    def open(cls, target: str | Path, *, read_only: bool = False) -> SweepStore:
        """Open the store of a results folder (or a store file)."""
        return cls(store_path(target), read_only=read_only)

    def __enter__(self) -> SweepStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.con.close()

    # -- writing (the parent process only) ----------------------------------------------------

    def save_sweep(self, info: Mapping[str, Any]) -> None:
        """Replace the sweep description (each invocation records the file as it is now)."""
        rows = [(key, json.dumps(value, default=str)) for key, value in info.items()]
        with self._transaction():
            self.con.execute("DELETE FROM sweep")
            self.con.executemany("INSERT INTO sweep VALUES (?, ?)", rows)

    def save_points(self, points: Sequence[Point]) -> None:
        """Record the sweep's points; points of earlier versions of the file stay, not current."""
        table = pa.table({
            "point_key": [p.key for p in points],
            "point_index": pa.array([p.index for p in points], pa.int32()),
            "current": [True] * len(points),
            "raw": [json.dumps(dict(p.raw), default=str) for p in points],
            "values": [json.dumps(dict(p.values), default=str) for p in points]})
        with self._transaction():
            self.con.execute("UPDATE points SET current = false")
            self._with_arrow(table, "INSERT OR REPLACE INTO points BY NAME SELECT * FROM "
                                    "incoming")

    def write(self, outcomes: Sequence[Outcome], *, replace: bool = False) -> None:
        """Store finished runs in one transaction: every row of every run, or nothing.

        ``replace``: runs already stored under the same keys (failures being retried) are
        deleted first; without it a stored key is an error.
        """
        if not outcomes:
            return
        keys = pa.table({"point_key": [o.point_key for o in outcomes],
                         "replication": pa.array([o.replication for o in outcomes], pa.int32())})
        with self._transaction():
            for table in ("runs", "metrics", "series") if replace else ():
                self._with_arrow(keys, f"DELETE FROM {table} t USING incoming i WHERE "
                                       f"t.point_key = i.point_key AND "
                                       f"t.replication = i.replication")
            self._with_arrow(_runs_table(outcomes), "INSERT INTO runs BY NAME SELECT * FROM "
                                                    "incoming")
            self._with_arrow(_metrics_table(outcomes), "INSERT INTO metrics BY NAME SELECT * "
                                                       "FROM incoming")
            for state in {s for o in outcomes for s in o.states} - self._series_columns():
                # a state the engine added after the store was made
                self.con.execute(f"ALTER TABLE series ADD COLUMN {state} INTEGER")
            self._with_arrow(_series_table(outcomes), "INSERT INTO series BY NAME SELECT * "
                                                      "FROM incoming")

    def _series_columns(self) -> set[str]:
        return {row[0] for row in self.con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE table_name = 'series'").fetchall()}

    def _with_arrow(self, data: pa.Table, statement: str) -> None:
        """Run ``statement`` with ``data`` visible as table ``incoming`` (no copy).

        After a failed statement the transaction is aborted and refuses even ``unregister``;
        the next ``register`` replaces the view then."""
        if not data.num_rows:
            return
        self.con.register("incoming", data)
        self.con.execute(statement)
        self.con.unregister("incoming")

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """``BEGIN`` ... ``COMMIT``, or ``ROLLBACK`` on any exception (interrupts included)."""
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")

    # -- reading ------------------------------------------------------------------------------

    def sql(self, query: str, params: Sequence[Any] | None = None) -> pd.DataFrame:
        """Any query as a DataFrame."""
        return self.con.execute(query, params or []).df()

    def sweep_info(self) -> dict[str, Any]:
        """The sweep description saved by the last ``itlsim sweep``."""
        rows = self.con.execute("SELECT key, value FROM sweep").fetchall()
        return {key: json.loads(value) for key, value in rows}

    def recorded(self) -> pd.DataFrame:
        """Every stored run's identity, status and provenance (no results)."""
        return self.sql("SELECT point_key, replication, seed, status, scenario_hash, "
                        "itlsim_version, revision, code FROM runs")

    def points(self, *, current_only: bool = True) -> pd.DataFrame:
        """One row per point: ``point_key``, ``point_index`` and a column per parameter."""
        rows = self.sql("SELECT point_key, point_index, current, \"values\" FROM points "
                        + ("WHERE current " if current_only else "") + "ORDER BY point_index")
        values = pd.DataFrame([json.loads(v) for v in rows.pop("values")], index=rows.index)
        return pd.concat([rows, values], axis=1)

    def runs(self, *, current_only: bool = True) -> pd.DataFrame:
        """One row per run with its point's parameters (summary and markers as JSON text)."""
        runs = self.sql("SELECT * FROM runs ORDER BY point_key, replication")
        return self.points(current_only=current_only).merge(runs, on="point_key")

    def metrics(self, *, current_only: bool = True) -> pd.DataFrame:
        """Successful runs, one row each: parameters, replication, seed, a column per metric.

        A nested counter a run does not report (``lock_reasons.<reason>``) is 0 for it.
        """
        wide = self.sql("PIVOT (SELECT m.* FROM metrics m JOIN runs r USING (point_key, "
                        "replication) WHERE r.status = 'ok') ON metric USING first(value) "
                        "GROUP BY point_key, replication") \
            if self._count("metrics") else pd.DataFrame(columns=_RUN_KEY)
        nested = [c for c in wide.columns if "." in str(c)]
        wide[nested] = wide[nested].fillna(0.0)
        seeds = self.sql("SELECT point_key, replication, seed FROM runs WHERE status = 'ok'")
        table = self.points(current_only=current_only).merge(seeds, on="point_key")
        table = table.merge(wide, on=_RUN_KEY, how="left")
        return table.sort_values(["point_index", "replication"], ignore_index=True)

    def metric_names(self) -> list[str]:
        """Every metric name in the store, sorted."""
        return [row[0] for row in
                self.con.execute("SELECT DISTINCT metric FROM metrics ORDER BY 1").fetchall()]

    def series(self, point_keys: Iterable[str] | None = None) -> pd.DataFrame:
        """Time series rows of successful runs (of the given points, default all)."""
        query = ("SELECT s.* FROM series s JOIN runs r USING (point_key, replication) "
                 "WHERE r.status = 'ok'")
        keys = list(point_keys) if point_keys is not None else None
        if keys is not None:
            query += f" AND s.point_key IN ({', '.join('?' * len(keys)) or 'NULL'})"
        return self.sql(query + " ORDER BY point_key, replication, time_s", keys)

    def _count(self, table: str) -> int:
        row = self.con.execute(f"SELECT count(*) FROM {table}").fetchone()
        assert row is not None  # an aggregate without GROUP BY returns exactly one row
        return row[0]

