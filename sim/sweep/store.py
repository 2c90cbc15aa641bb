"""The sweep result store: one embedded DuckDB file per sweep, ``<out>/sweep.duckdb``.

Tables (query them from pandas with the methods below, or with ``duckdb.connect(path,
read_only=True).sql(...).df()``):

- ``sweep``: key/value JSON describing the sweep (name, base scenario, parameters with labels and
  units, default metrics, root seed, replications);
- ``points``: one row per point: ``point_key``, ``point_index``, ``current`` (part of the sweep
  file as last run), ``raw`` and ``values`` (JSON; values are comparable: durations in seconds);
- ``runs``: one row per run, keyed by ``(point_key, replication)``: seed, status (``ok`` or
  ``failed``), error text, scenario hash, provenance (itlsim version, revision, code digest),
  wall time, the full summary and the timeline markers (JSON), the fleet engine that ran it
  (``engine``; ``NULL`` in stores of versions before it was recorded, whose runs were all the
  agents engine's, ``LEGACY_ENGINE``);
- ``metrics``: long format ``(point_key, replication, metric, value)``: every numeric summary
  field, nested ones flattened (``final_states.locked``, ``lock_reasons.<reason>``); ``NULL`` is
  a field the run reported as none (e.g. 99 % of the locked phones never working again);
- ``series``: ``(point_key, replication, time_s, <one column per phone state>)``.

Why DuckDB: columnar and vectorised, so the aggregations a sweep needs (mean/sd per point over
10,000 runs, mean curves over millions of time-series rows) take milliseconds to a second; one
file and no server; finished runs are written in transactions (``write``), so a run killed
mid-write leaves no partial row; pandas via ``.df()``. Only the parent process writes; workers
return ``Outcome``s.

Concurrent use. DuckDB lets one process write a file, or several read it, never both at once,
and a holder keeps its lock until it closes the file. So nobody holds it for long: the sweep's
parent opens the store for each batch it writes (64 runs, or what came back within a second,
``BatchedWriter``) and closes it again; ``SweepStore`` readers open it read-only for each call
(or for one ``session()``) and close it. While a sweep runs, ``itlsim plot``,
``SweepStore(path).metrics()`` or a notebook see every batch committed so far, and a notebook
that keeps a ``SweepStore`` object does not block a resume. A side that finds the file locked
retries for up to ``LOCK_WAIT`` seconds, then says who holds it. What still blocks a sweep is a
raw ``duckdb.connect(path)`` left open: close it, or use ``read_only=True`` connections briefly,
as ``SweepStore`` does. Opening to read never creates a store: a mistyped path is a one-line
error.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

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
    "summary VARCHAR, markers VARCHAR, engine VARCHAR, PRIMARY KEY (point_key, replication))",
    "CREATE TABLE IF NOT EXISTS metrics (point_key VARCHAR, replication INTEGER, "
    "metric VARCHAR, value DOUBLE)",
    "CREATE TABLE IF NOT EXISTS series (point_key VARCHAR, replication INTEGER, time_s DOUBLE, "
    + ", ".join(f"{state} INTEGER" for state in STATES) + ")",
)
_RUN_KEY = ["point_key", "replication"]
LOCK_WAIT = 60.0  # seconds a reader or the writer waits for the other side's lock
LEGACY_ENGINE = "agents"
"""The engine of runs stored before the store recorded engines: the only one there was (a
fact about old stores, not the default engine, ``sim.fleet.run.DEFAULT_ENGINE``)."""


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


def _runs_table(outcomes: Sequence[Outcome]) -> pd.DataFrame:
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    return pd.DataFrame({
        "point_key": _texts(o.point_key for o in outcomes),
        "replication": np.array([o.replication for o in outcomes], dtype=np.int32),
        "seed": np.array([o.seed for o in outcomes], dtype=np.int64),
        "status": _texts(o.status for o in outcomes),
        "error": _texts(o.error or None for o in outcomes),
        "scenario_hash": _texts(o.scenario_hash or None for o in outcomes),
        "itlsim_version": _texts(o.provenance.version for o in outcomes),
        "revision": _texts(o.provenance.revision for o in outcomes),
        "code": _texts(o.provenance.code for o in outcomes),
        "wall_time_s": np.array([o.wall_time for o in outcomes], dtype=np.float64),
        "finished_at": pd.Series([now] * len(outcomes), dtype="datetime64[us]"),
        "summary": _texts(json.dumps(o.summary, default=str) for o in outcomes),
        "markers": _texts(json.dumps(o.markers) for o in outcomes),
        "engine": _texts(o.engine for o in outcomes)})


def _metrics_table(outcomes: Sequence[Outcome]) -> pd.DataFrame:
    rows = [(o.point_key, o.replication, name, value)
            for o in outcomes for name, value in flatten(o.summary).items()]
    keys, replications, names, values = zip(*rows, strict=True) if rows else ((), (), (), ())
    return pd.DataFrame({"point_key": _texts(keys),
                         "replication": np.array(replications, dtype=np.int32),
                         "metric": _texts(names),
                         "value": np.array([np.nan if v is None else v for v in values],
                                           dtype=np.float64)})


def _series_table(outcomes: Sequence[Outcome]) -> pd.DataFrame:
    parts = [pd.DataFrame({"point_key": _texts([o.point_key] * len(o.times)),
                           "replication": np.full(len(o.times), o.replication, np.int32),
                           "time_s": o.times,
                           **{state: o.counts[:, i] for i, state in enumerate(o.states)}})
             for o in outcomes if len(o.times)]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def _texts(values: Iterable[str | None]) -> pd.Series:
    """Text as plain Python objects: DuckDB reads them natively, without pyarrow."""
    return pd.Series(list(values), dtype=object)


def _connect(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    """Open the store, waiting up to ``LOCK_WAIT`` for another process's lock to go."""
    deadline = time.monotonic() + LOCK_WAIT
    pause = 0.01
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.Error as exc:
            message = " ".join(str(exc).split())
            if "lock" not in message.lower():
                raise ItlsimError(f"{path}: cannot open the sweep store: {message}") from None
            if time.monotonic() > deadline:
                raise ItlsimError(f"{path}: another process has kept the store open for "
                                  f"{LOCK_WAIT:.0f} s ({message}); close it there (e.g. a "
                                  f"notebook's duckdb.connect) and run this again") from None
        time.sleep(pause)
        pause = min(pause * 2, 0.5)


class SweepStore:
    """A sweep's store: ``SweepStore("results/sweeps/x")`` (a folder or a ``.duckdb`` file, as
    ``str`` or ``Path``) reads and never creates; ``read_only=False`` (the sweep's parent) creates
    it if missing and writes. No call keeps the file open after it returns, except inside
    ``session()``."""

    def __init__(self, target: str | Path, *, read_only: bool = True):
        self.path = store_path(target)
        self.read_only = read_only
        self._con: duckdb.DuckDBPyConnection | None = None
        if read_only:
            if not self.path.is_file():
                raise ItlsimError(f"{self.path}: no sweep store here (run `itlsim sweep` "
                                  f"first)")
            with self.session():  # a file that is not a store is refused now, in one line
                pass
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ItlsimError(f"{self.path}: cannot create the sweep store: "
                              f"{exc.strerror}") from None
        with self.session() as con:
            for statement in _SCHEMA:
                con.execute(statement)

    @classmethod
    def open(cls, target: str | Path, *, read_only: bool = True) -> SweepStore:
        """The store of a results folder (or a store file); see the class."""
        return cls(target, read_only=read_only)

    def __enter__(self) -> SweepStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Nothing stays open between calls; kept so that ``with`` blocks read naturally."""

    @contextmanager
    def session(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """The store open for the calls inside the block (one consistent view, one open);
        reentrant. A sweep writing meanwhile waits for the block to end."""
        if self._con is not None:
            yield self._con
            return
        self._con = _connect(self.path, self.read_only)
        try:
            yield self._con
        finally:
            self._con.close()
            self._con = None

    # -- writing (the parent process only) ----------------------------------------------------

    def save_sweep(self, info: Mapping[str, Any]) -> None:
        """Replace the sweep description (each invocation records the file as it is now)."""
        rows = [(key, json.dumps(value, default=str)) for key, value in info.items()]
        with self._transaction() as con:
            con.execute("DELETE FROM sweep")
            con.executemany("INSERT INTO sweep VALUES (?, ?)", rows)

    def save_points(self, points: Sequence[Point]) -> None:
        """Record the sweep's points; points of earlier versions of the file stay, not current."""
        table = pd.DataFrame({
            "point_key": _texts(p.key for p in points),
            "point_index": np.array([p.index for p in points], dtype=np.int32),
            "current": np.ones(len(points), dtype=bool),
            "raw": _texts(json.dumps(dict(p.raw), default=str) for p in points),
            "values": _texts(json.dumps(dict(p.values), default=str) for p in points)})
        with self._transaction() as con:
            con.execute("UPDATE points SET current = false")
            self._with_table(con, table, "INSERT OR REPLACE INTO points BY NAME SELECT * FROM "
                                         "incoming")

    def write(self, outcomes: Sequence[Outcome], *, replace: bool = False) -> None:
        """Store finished runs in one transaction: every row of every run, or nothing.

        ``replace``: runs already stored under the same keys (failures being retried) are
        deleted first; without it a stored key is an error.
        """
        if not outcomes:
            return
        keys = pd.DataFrame({"point_key": _texts(o.point_key for o in outcomes),
                             "replication": np.array([o.replication for o in outcomes],
                                                     dtype=np.int32)})
        with self._transaction() as con:
            if "engine" not in self._columns(con, "runs"):  # a store older than engines
                con.execute("ALTER TABLE runs ADD COLUMN engine VARCHAR")
            for table in ("runs", "metrics", "series") if replace else ():
                self._with_table(con, keys, f"DELETE FROM {table} t USING incoming i WHERE "
                                            f"t.point_key = i.point_key AND "
                                            f"t.replication = i.replication")
            self._with_table(con, _runs_table(outcomes), "INSERT INTO runs BY NAME SELECT * "
                                                         "FROM incoming")
            self._with_table(con, _metrics_table(outcomes), "INSERT INTO metrics BY NAME "
                                                            "SELECT * FROM incoming")
            for state in {s for o in outcomes for s in o.states} - self._columns(con, "series"):
                # a state the engine added after the store was made
                con.execute(f"ALTER TABLE series ADD COLUMN {state} INTEGER")
            self._with_table(con, _series_table(outcomes), "INSERT INTO series BY NAME SELECT "
                                                           "* FROM incoming")

    @staticmethod
    def _columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
        return {row[0] for row in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE table_name = ?", [table]).fetchall()}

    def _with_table(self, con: duckdb.DuckDBPyConnection, data: pd.DataFrame,
                    statement: str) -> None:
        """Run ``statement`` with ``data`` visible as table ``incoming`` (no copy).

        After a failed statement the transaction is aborted and refuses even ``unregister``;
        the next ``register`` replaces the view then."""
        if not len(data):
            return
        con.register("incoming", data)
        con.execute(statement)
        con.unregister("incoming")

    @contextmanager
    def _transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """``BEGIN`` ... ``COMMIT``, or ``ROLLBACK`` on any exception (interrupts included),
        on a connection opened for it."""
        with self.session() as con:
            con.execute("BEGIN TRANSACTION")
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")

    # -- reading ------------------------------------------------------------------------------

    def sql(self, query: str, params: Sequence[Any] | None = None) -> pd.DataFrame:
        """Any query as a DataFrame."""
        with self.session() as con:
            return con.execute(query, params or []).df()

    def sweep_info(self) -> dict[str, Any]:
        """The sweep description saved by the last ``itlsim sweep``."""
        with self.session() as con:
            rows = con.execute("SELECT key, value FROM sweep").fetchall()
        return {key: json.loads(value) for key, value in rows}

    def recorded(self) -> pd.DataFrame:
        """Every stored run's identity, status, provenance and engine (no results); a run of
        a store older than recorded engines has ``LEGACY_ENGINE``."""
        with self.session() as con:
            engine = "engine" if "engine" in self._columns(con, "runs") else "NULL"
            return self.sql(f"SELECT point_key, replication, seed, status, scenario_hash, "
                            f"itlsim_version, revision, code, coalesce({engine}, ?) AS engine "
                            f"FROM runs", [LEGACY_ENGINE])

    def points(self, *, current_only: bool = True) -> pd.DataFrame:
        """One row per point: ``point_key``, ``point_index`` and a column per parameter."""
        rows = self.sql("SELECT point_key, point_index, current, \"values\" FROM points "
                        + ("WHERE current " if current_only else "") + "ORDER BY point_index")
        values = pd.DataFrame([json.loads(v) for v in rows.pop("values")], index=rows.index)
        return pd.concat([rows, values], axis=1)

    def runs(self, *, current_only: bool = True) -> pd.DataFrame:
        """One row per run with its point's parameters (summary and markers as JSON text)."""
        with self.session():
            runs = self.sql("SELECT * FROM runs ORDER BY point_key, replication")
            return self.points(current_only=current_only).merge(runs, on="point_key")

    def metrics(self, *, current_only: bool = True) -> pd.DataFrame:
        """Successful runs, one row each: parameters, replication, seed, a column per metric.

        A nested counter a run does not report (``lock_reasons.<reason>``) is 0 for it.
        """
        with self.session():
            return self._metrics(current_only)

    def _metrics(self, current_only: bool) -> pd.DataFrame:
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
        with self.session() as con:
            return [row[0] for row in
                    con.execute("SELECT DISTINCT metric FROM metrics ORDER BY 1").fetchall()]

    def series(self, point_keys: Iterable[str] | None = None) -> pd.DataFrame:
        """Time series rows of successful runs (of the given points, default all)."""
        query = ("SELECT s.* FROM series s JOIN runs r USING (point_key, replication) "
                 "WHERE r.status = 'ok'")
        keys = list(point_keys) if point_keys is not None else None
        if keys is not None:
            query += f" AND s.point_key IN ({', '.join('?' * len(keys)) or 'NULL'})"
        return self.sql(query + " ORDER BY point_key, replication, time_s", keys)

    def _count(self, table: str) -> int:
        with self.session() as con:
            row = con.execute(f"SELECT count(*) FROM {table}").fetchone()
        assert row is not None  # an aggregate without GROUP BY returns exactly one row
        return row[0]

