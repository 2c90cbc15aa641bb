"""The event log of a run, in the format a user chooses: JSON lines, Parquet, or none.

``itlsim run --event-log jsonl|parquet|none`` (default ``jsonl``):

- ``events.jsonl``: one JSON object a line, in time order, operations first at equal times (they
  cause the changes): ``kind: operation`` with ``action``, ``args``, ``command``, ``status``,
  ``message``, ``node``, ``note``; ``kind: phone`` with ``phone``, ``population``, ``from``,
  ``to``, ``reason``; with several clusters both with ``cluster``. Any tool reads it line by
  line. Written as it is formatted, so a 480,000-line log never sits in memory as text.
- ``events.parquet``: the same records as columns (``t``, ``kind``, ``phone``, ``population``,
  ``from``, ``to``, ``reason``, with several clusters ``cluster``, then the operations' keys,
  ``args`` as JSON text; what a record does not have is NULL), in the same order. Written by
  DuckDB, already a dependency, so no pyarrow is needed; names are dictionary-encoded, so the
  40,000-phone megacluster's log takes about 1 MB instead of 36 MB and loads far faster
  (``pd.read_parquet``, ``duckdb.sql("FROM 'events.parquet'")``).
- ``none``: no event log (fleets so large that only the summary and the series matter).

Times are exact in both (``sim.fleet.collector.exact``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.fleet.collector import STATES, exact

if TYPE_CHECKING:  # the command line reads FORMATS without loading pandas and the model
    import pandas as pd

    from sim.fleet.run import RunResult

FORMATS = ("jsonl", "parquet", "none")
FILES = {"jsonl": "events.jsonl", "parquet": "events.parquet"}


def write_event_log(result: RunResult, folder: Path, fmt: str = "jsonl") -> Path | None:
    """Write the log of ``result`` into ``folder`` as ``fmt``; the file, or ``None``."""
    if fmt == "none":
        return None
    path = folder / FILES[fmt]
    if fmt == "jsonl":
        with open(path, "w", encoding="utf-8") as handle:
            for block in result.collector.event_blocks(result.phone_names, result.populations):
                handle.write("\n".join(block))
                handle.write("\n")
    else:
        _write_parquet(result, path)
    return path


def _frame(result: RunResult) -> pd.DataFrame:
    """Every record as one row, in log order: the operations slotted into the (time-ordered)
    phone changes before the changes of the same instant. Text columns are categoricals over
    the collector's codes (-1, a missing value, where a record has no such field), so a
    million-row log costs a few tens of bytes a row, never a Python string each."""
    import numpy as np
    import pandas as pd

    log = result.collector
    phone_t = np.asarray(log.log_time, dtype=np.float64)
    entries = log.operation_log
    op_t = np.array([t for t, _ in entries], dtype=np.float64)
    op_rows = np.searchsorted(phone_t, op_t, side="left") + np.arange(len(entries))
    is_op = np.zeros(len(phone_t) + len(entries), dtype=bool)
    is_op[op_rows] = True

    def spread(codes: Any, categories: Any, rows: Any) -> pd.Categorical:
        full = np.full(len(is_op), -1, dtype=np.int64)
        full[rows] = codes
        return pd.Categorical.from_codes(full, categories)

    t = np.empty(len(is_op), dtype=np.float64)
    t[is_op], t[~is_op] = op_t, phone_t
    phones = np.asarray(log.log_phone, dtype=np.int64)
    population_codes, populations = pd.factorize(pd.Series(result.populations, dtype=object))
    columns: dict[str, Any] = {
        "t": t,
        "kind": pd.Categorical.from_codes(is_op.astype(np.int64), ["phone", "operation"]),
        "phone": spread(phones, result.phone_names, ~is_op),
        "population": spread(population_codes[phones], list(populations), ~is_op),
        "from": spread(np.asarray(log.log_old, np.int64), STATES, ~is_op),
        "to": spread(np.asarray(log.log_new, np.int64), STATES, ~is_op),
        "reason": spread(np.asarray(log.log_reason, np.int64), log.reason_names, ~is_op)}
    if log.clusters:  # several clusters: a phone's (its option 150's) and an operation's
        cluster = np.full(len(is_op), -1, dtype=np.int64)
        cluster[~is_op] = np.asarray(log.log_cluster, dtype=np.int64)
        cluster[op_rows] = [log.clusters.index(e["cluster"]) if "cluster" in e else -1
                            for _, e in entries]
        columns["cluster"] = pd.Categorical.from_codes(cluster, list(log.clusters))
    for key in sorted({key for _, entry in entries for key in entry} - set(columns)):
        codes, values = pd.factorize(pd.Series([_text(e.get(key)) for _, e in entries],
                                               dtype=object))
        columns[key] = spread(codes, list(values), op_rows)
    return pd.DataFrame(columns)


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=exact)


def _write_parquet(result: RunResult, path: Path) -> None:
    """One pass over the frame, in its order (one DuckDB thread: the same bytes each time)."""
    import duckdb

    frame = _frame(result)
    texts = ", ".join(f'"{name}"::VARCHAR AS "{name}"' for name in frame.columns[1:])
    con = duckdb.connect()
    try:
        con.execute("SET threads = 1")
        con.register("events", frame)
        con.execute(f"COPY (SELECT t, {texts} FROM events) TO '{_sql_text(path)}' "
                    f"(FORMAT parquet, COMPRESSION zstd)")
    finally:
        con.close()


def _sql_text(path: Path) -> str:
    return str(path).replace("'", "''")
